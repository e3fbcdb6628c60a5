"""The disk cache loads only what the user's own zyg wrote: planted, tampered and edited entries, folders
and files open to others or owned by another user, symbolic links, read-only folders, the modes zyg
creates. Each refused entry is a miss: the function is compiled again and gives the right result."""

import importlib
import json
import os
import stat
import struct
import tempfile
import warnings

import numpy as np
import pytest
import zyg
from cachecheck import fresh_gradient
from zyg import artefact
from zyg.disk_cache import folder, seal

store = importlib.import_module("zyg.disk_cache.store")  # the package's `store` is the function


def cube(x):
    return x * x * x


def negate(x):
    return -x


def halves(x):
    return np.sum(x * 0.5)


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    """Each test sees the cache's warnings afresh (they are said once per folder and process)."""
    monkeypatch.setattr(folder, "_warned", set())


def entry_of(cache_dir, f, *args):
    """Compiles `f` into the cache; returns the path of its artefact, its sealed header and its sections."""
    before = set(cache_dir.path.glob("*.zyg")) if cache_dir.path.exists() else set()
    fresh_gradient(f, *args)
    (path,) = set(cache_dir.path.glob("*.zyg")) - before
    header, body = artefact.unpack(path.read_bytes())
    return path, header, body


def write_artefact(path, header, body):
    """An artefact as someone editing the file would write it: the header and sections given, unchecked."""
    text = json.dumps(header).encode()
    path.write_bytes(artefact.MAGIC + struct.pack("<Q", len(text)) + text + body)


def without_the_seal(monkeypatch):
    """Loads entries as the cache would without seals: to show that an attack would work."""
    monkeypatch.setattr(store, "unseal", lambda secret, key, sealed: sealed["entry"])


def test_entry_planted_with_another_secret_is_not_loaded(cache_dir, monkeypatch):
    """Another user writes an artefact under the key of the victim's function, with their own code."""
    path, _, _ = entry_of(cache_dir, cube, 2.0)
    _, planted, planted_body = entry_of(cache_dir, negate, 2.0)
    write_artefact(path, {**seal.seal(os.urandom(32), path.stem, planted["entry"]), "format": artefact.FORMAT},
                   planted_body)
    assert fresh_gradient(cube, 2.0) == (12.0,)
    assert len(cache_dir.builds) == 3
    assert fresh_gradient(cube, 2.0) == (12.0,)  # the compile replaced the planted artefact
    assert len(cache_dir.builds) == 3


def test_replaced_library_with_a_matching_header_is_a_miss(cache_dir, monkeypatch):
    """The code swapped for other code and the header updated to its hash, without the secret."""
    path, sealed, _ = entry_of(cache_dir, cube, 2.0)
    _, other, other_body = entry_of(cache_dir, negate, 2.0)
    sealed["entry"]["sections"] = other["entry"]["sections"]
    write_artefact(path, sealed, other_body)
    with monkeypatch.context() as patch:
        without_the_seal(patch)
        assert fresh_gradient(cube, 2.0) == (-1.0,)  # what an unsealed cache returned, with no error
    assert fresh_gradient(cube, 2.0) == (12.0,)
    assert len(cache_dir.builds) == 3


@pytest.mark.parametrize("edit", ["result kind", "result dtype", "library hash"])
def test_edited_header_is_a_miss(cache_dir, edit):
    x = np.array([1.0, 2.0])
    path, sealed, body = entry_of(cache_dir, halves, x)
    (result,) = sealed["entry"]["entries"][0]["results"]  # [kind, rank, dtype]
    if edit == "result kind":
        result[0] = "f"
    elif edit == "result dtype":
        result[2] = "<f4"
    else:
        sealed["entry"]["sections"][artefact.LIBRARY][2] = "0" * 64
    write_artefact(path, sealed, body)
    np.testing.assert_array_equal(fresh_gradient(halves, x)[0], [0.5, 0.5])
    assert len(cache_dir.builds) == 2


def test_entry_of_another_request_is_not_this_one(cache_dir):
    """An artefact sealed by the user, copied under another key, is a miss: the seal names its key."""
    path, _, _ = entry_of(cache_dir, cube, 2.0)
    other, _, _ = entry_of(cache_dir, negate, 2.0)
    os.replace(other, path)
    assert fresh_gradient(cube, 2.0) == (12.0,)
    assert len(cache_dir.builds) == 3


@pytest.mark.parametrize("mode", [0o770, 0o707])
def test_folder_writable_by_others_is_refused_once(cache_dir, mode):
    cache_dir.path.mkdir(mode=mode)
    os.chmod(cache_dir.path, mode)  # mkdir applies the umask
    with pytest.warns(RuntimeWarning, match="open to group or others"):
        assert fresh_gradient(cube, 2.0) == (12.0,)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once per folder
        assert fresh_gradient(cube, 2.0) == (12.0,)
        assert zyg.clear_cache() == 0
    assert len(cache_dir.builds) == 2 and not list(cache_dir.path.iterdir())


def test_folder_of_another_user_is_refused(cache_dir, monkeypatch):
    fresh_gradient(cube, 2.0)
    monkeypatch.setattr(folder, "user_id", lambda: os.geteuid() + 1)  # the files are now someone else's
    with pytest.warns(RuntimeWarning, match="belongs to another user"):
        assert fresh_gradient(cube, 2.0) == (12.0,)
    assert len(cache_dir.builds) == 2


@pytest.mark.parametrize("change", ["writable by group", "owned by another user"])
def test_entry_not_the_users_alone_is_a_miss(cache_dir, change):
    path, _, _ = entry_of(cache_dir, cube, 2.0)
    if change == "writable by group":
        os.chmod(path, 0o620)
    elif os.geteuid() == 0:
        os.chown(path, os.geteuid() + 1, -1)
    else:
        pytest.skip("only root can give a file to another user")
    with pytest.warns(RuntimeWarning, match="open to group or others|belongs to another user"):
        assert fresh_gradient(cube, 2.0) == (12.0,)
    assert fresh_gradient(cube, 2.0) == (12.0,)  # replaced by a file of the user's
    assert len(cache_dir.builds) == 2


def test_symbolic_links_are_not_followed(cache_dir, tmp_path):
    path, _, _ = entry_of(cache_dir, cube, 2.0)
    outside = tmp_path / "artefact.zyg"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)
    assert fresh_gradient(cube, 2.0) == (12.0,)  # a miss: the link is not read
    assert len(cache_dir.builds) == 2
    assert not path.is_symlink()  # replaced, not written through
    assert artefact.unpack(outside.read_bytes())[0] == artefact.unpack(path.read_bytes())[0]  # alike, not followed
    planted = cache_dir.path / "planted.zyg"
    planted.symlink_to(outside)
    assert zyg.clear_cache() == 2
    assert not list(cache_dir.path.iterdir())
    assert outside.exists()


def test_read_only_folder_serves_hits_and_skips_caching(cache_dir, monkeypatch):
    fresh_gradient(cube, 2.0)
    os.chmod(cache_dir.path, 0o500)
    if os.geteuid() == 0:  # root writes anyway: fail as the folder would for anyone else
        mkstemp = tempfile.mkstemp

        def refused(*args, dir=None, **kwargs):
            if dir is not None and os.path.samefile(dir, cache_dir.path):
                raise PermissionError(13, "Permission denied", dir)
            return mkstemp(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", refused)
    try:
        assert fresh_gradient(cube, 2.0) == (12.0,)  # a hit
        assert fresh_gradient(negate, 2.0) == (-1.0,)  # compiled, not stored
        assert fresh_gradient(negate, 2.0) == (-1.0,)
    finally:
        os.chmod(cache_dir.path, 0o700)
    assert cache_dir.builds == ["cube", "negate", "negate"]
    assert len(list(cache_dir.path.iterdir())) == 1


def test_created_folder_and_secret_are_the_users_alone(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    entry_of(cache_dir, cube, 2.0)
    secret = tmp_path / "config" / "zyg" / seal.SECRET_FILE
    modes = [stat.S_IMODE(p.stat().st_mode) for p in (cache_dir.path, secret.parent, secret)]
    assert modes == [folder.FOLDER_MODE, folder.FOLDER_MODE, folder.FILE_MODE]
    assert len(secret.read_bytes()) == 32
    assert {stat.S_IMODE(p.stat().st_mode) for p in cache_dir.path.iterdir()} == {folder.FILE_MODE}


def test_secret_others_may_read_turns_the_cache_off(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    fresh_gradient(cube, 2.0)
    os.chmod(tmp_path / "config" / "zyg" / seal.SECRET_FILE, 0o644)
    seal._secret_in.cache_clear()
    with pytest.warns(RuntimeWarning, match="no secret to sign"):
        assert fresh_gradient(cube, 2.0) == (12.0,)
    assert len(cache_dir.builds) == 2


@pytest.mark.parametrize("sealed", [None, [], {"entry": {}}, {"mac": 7, "entry": {}}, {"mac": "é", "entry": {}},
                                    {"mac": "00", "entry": []}])
def test_malformed_seal_is_refused(sealed):
    assert seal.unseal(b"s" * 32, "key", sealed) is None
    good = seal.seal(b"s" * 32, "key", {"a": [1, 2.5, None]})
    assert seal.unseal(b"s" * 32, "key", json.loads(json.dumps(good))) == {"a": [1, 2.5, None]}
