"""The folders and files the disk cache trusts: only the user's own, written by no one else.

In: a folder (the cache's, or the one holding the user's secret) and names of files in it. Out: the
folder if it may be used (`trusted_folder`), the bytes of a file that only the user could have written
(`read_trusted`), files written whole (`write_atomically`, `create_exclusively`). A folder or file owned by
another user, or writable by group or others, is refused; symbolic links inside a folder are never
followed. A refused folder is reported once (`warn_once`) and the caller compiles without the cache.
"""

from __future__ import annotations

import os
import stat
import tempfile
import warnings
from collections.abc import Callable

from zyg.backend.shared_library import TEMPORARY_PREFIX

FOLDER_MODE = 0o700  # the folders zyg creates: the user's alone
FILE_MODE = 0o600  # every file zyg writes in them
_SHARED_WRITE = stat.S_IWGRP | stat.S_IWOTH  # a folder or file with one of these bits is not trusted
_SHARED_ANY = stat.S_IRWXG | stat.S_IRWXO  # nor a secret with one of these

_warned: set[str] = set()


class Untrusted(Exception):
    """A folder or file that someone other than the user may have written; its message says why."""


def user_id() -> int:
    """The user whose files the cache trusts: the effective user, who owns what this process creates.
    (Tests replace it to see files as another user's.)"""
    return os.geteuid()


def trusted_folder(path: str) -> str:
    """Creates `path` (mode `FOLDER_MODE`) if missing and returns it.

    Raises:
        Untrusted: if it belongs to another user, or group or others may write to it.
        OSError: if it cannot be created or read.
    """
    os.makedirs(path, mode=FOLDER_MODE, exist_ok=True)
    # The folder itself may be reached through the user's own symbolic link (`~/.cache` on another disk).
    _check(os.stat(path), path, stat.S_ISDIR, "a folder")
    return path


def read_trusted(directory: str, name: str, secret: bool = False) -> bytes:
    """The content of the regular file `name` in `directory`, not following a symbolic link; with
    `secret`, group and others may not read it either.

    Raises:
        Untrusted: if it belongs to another user, group or others may write it (or read it, if secret).
        OSError: if it cannot be read, or is a symbolic link (`ELOOP`).
    """
    path = os.path.join(directory, name)
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)  # a FIFO does not block
    with os.fdopen(descriptor, "rb") as f:
        _check(os.fstat(descriptor), path, stat.S_ISREG, "a file", _SHARED_ANY if secret else _SHARED_WRITE)
        return f.read()


def write_atomically(directory: str, name: str, data: bytes) -> None:
    """Writes `name` in `directory` whole: readers see the old file or the new one, never part of one;
    a symbolic link in its place is replaced, not followed.

    Raises:
        OSError: if the folder cannot be written.
    """
    temporary = _write_temporary(directory, data)
    try:
        os.replace(temporary, os.path.join(directory, name))
    except OSError:
        os.unlink(temporary)
        raise


def create_exclusively(directory: str, name: str, data: bytes) -> bool:
    """Writes `name` in `directory` whole unless it exists; True if this call created it.

    Raises:
        OSError: if the folder cannot be written.
    """
    temporary = _write_temporary(directory, data)
    try:
        os.link(temporary, os.path.join(directory, name))  # fails if the name exists, even as a link
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)


def warn_once(path: str, reason: str) -> None:
    """Tells the user, once per folder `path`, that zyg compiles without the disk cache, and why."""
    if path in _warned:
        return
    _warned.add(path)
    warnings.warn(f"zyg: compiling without the disk cache: {reason}", RuntimeWarning, stacklevel=2)


def _write_temporary(directory: str, data: bytes) -> str:
    # mkstemp creates a new file (O_EXCL, O_NOFOLLOW): nothing planted under its name is written through.
    descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as f:
            os.fchmod(descriptor, FILE_MODE)
            f.write(data)
    except OSError:
        os.unlink(temporary)
        raise
    return temporary


def _check(status: os.stat_result, path: str, is_kind: Callable[[int], bool], kind: str,
           forbidden: int = _SHARED_WRITE) -> None:
    """Raises `Untrusted` unless `status` is of a `kind` (`is_kind`), the user's, with no `forbidden` mode bits."""
    if not is_kind(status.st_mode):
        raise Untrusted(f"{path} is not {kind}")
    if status.st_uid != user_id():
        raise Untrusted(f"{path} belongs to another user (uid {status.st_uid})")
    if status.st_mode & forbidden:
        raise Untrusted(f"{path} is open to group or others (mode {stat.S_IMODE(status.st_mode):o})")
