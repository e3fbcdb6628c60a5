"""The disk cache loads only what the user's own zyg wrote: planted, tampered and edited entries, folders
and files open to others or owned by another user, symbolic links, read-only folders, the modes zyg
creates. Each refused entry is a miss: the function is compiled again and gives the right result."""

import importlib
import json
import os
import stat
import tempfile
import warnings

import numpy as np
import pytest
import zyg
from cachecheck import fresh_gradient
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
    """Compiles `f` into the cache; returns the path of its entry and its sealed JSON."""
    before = set(cache_dir.path.glob("*.json")) if cache_dir.path.exists() else set()
    fresh_gradient(f, *args)
    (path,) = set(cache_dir.path.glob("*.json")) - before
    return path, json.loads(path.read_text())


def library_of(cache_dir, sealed):
    return cache_dir.path / sealed["entry"]["library"]


def without_the_seal(monkeypatch):
    """Loads entries as the cache did before they were sealed: to show that an attack would work."""
    monkeypatch.setattr(store, "unseal", lambda secret, key, sealed: sealed["entry"])


def test_entry_planted_with_another_secret_is_not_loaded(cache_dir, monkeypatch):
    """Another user writes an entry under the key of the victim's function, naming their own code."""
    path, sealed = entry_of(cache_dir, cube, 2.0)
    _, planted = entry_of(cache_dir, negate, 2.0)
    entry = {**sealed["entry"], "library": planted["entry"]["library"]}
    path.write_text(json.dumps(seal.seal(os.urandom(32), path.stem, entry)))
    assert fresh_gradient(cube, 2.0) == (12.0,)
    assert len(cache_dir.builds) == 3
    assert fresh_gradient(cube, 2.0) == (12.0,)  # the compile replaced the planted entry
    assert len(cache_dir.builds) == 3


def test_replaced_library_with_a_matching_entry_is_a_miss(cache_dir, monkeypatch):
    """The library swapped for other code and the entry updated to name it, without the secret."""
    path, sealed = entry_of(cache_dir, cube, 2.0)
    _, other = entry_of(cache_dir, negate, 2.0)
    library_of(cache_dir, sealed).write_bytes(library_of(cache_dir, other).read_bytes())
    library_of(cache_dir, sealed).rename(library_of(cache_dir, other))
    sealed["entry"]["library"] = other["entry"]["library"]
    path.write_text(json.dumps(sealed))
    with monkeypatch.context() as patch:
        without_the_seal(patch)
        assert fresh_gradient(cube, 2.0) == (-1.0,)  # what the unsealed cache returned, with no error
    assert fresh_gradient(cube, 2.0) == (12.0,)
    assert len(cache_dir.builds) == 3


@pytest.mark.parametrize("edit", ["result kind", "result dtype", "library name"])
def test_edited_entry_is_a_miss(cache_dir, edit):
    x = np.array([1.0, 2.0])
    path, sealed = entry_of(cache_dir, halves, x)
    (result,) = sealed["entry"]["entries"][0]["results"]  # [kind, rank, dtype]
    if edit == "result kind":
        result[0] = "f"
    elif edit == "result dtype":
        result[2] = "<f4"
    else:
        sealed["entry"]["library"] = "../" + sealed["entry"]["library"]
    path.write_text(json.dumps(sealed))
    np.testing.assert_array_equal(fresh_gradient(halves, x)[0], [0.5, 0.5])
    assert len(cache_dir.builds) == 2


def test_entry_of_another_request_is_not_this_one(cache_dir):
    """An entry sealed by the user, copied under another key, is a miss: the seal names its key."""
    path, _ = entry_of(cache_dir, cube, 2.0)
    other, _ = entry_of(cache_dir, negate, 2.0)
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
    path, sealed = entry_of(cache_dir, cube, 2.0)
    if change == "writable by group":
        os.chmod(library_of(cache_dir, sealed), 0o620)
    elif os.geteuid() == 0:
        os.chown(path, os.geteuid() + 1, -1)
    else:
        pytest.skip("only root can give a file to another user")
    with pytest.warns(RuntimeWarning, match="open to group or others|belongs to another user"):
        assert fresh_gradient(cube, 2.0) == (12.0,)
    assert fresh_gradient(cube, 2.0) == (12.0,)  # replaced by a file of the user's
    assert len(cache_dir.builds) == 2


def test_symbolic_links_are_not_followed(cache_dir, tmp_path):
    path, sealed = entry_of(cache_dir, cube, 2.0)
    library = library_of(cache_dir, sealed)
    outside_entry, outside_library = tmp_path / "entry.json", tmp_path / "library.so"
    outside_entry.write_bytes(path.read_bytes())
    outside_library.write_bytes(library.read_bytes())
    path.unlink()
    library.unlink()
    path.symlink_to(outside_entry)
    library.symlink_to(outside_library)
    assert fresh_gradient(cube, 2.0) == (12.0,)  # a miss: the links are not read
    assert len(cache_dir.builds) == 2
    assert not path.is_symlink() and not library.is_symlink()  # replaced, not written through
    assert outside_entry.read_text() == path.read_text()  # sealed alike, but the link was not followed
    planted = cache_dir.path / "planted.json"
    planted.symlink_to(outside_entry)
    assert zyg.clear_cache() == 3
    assert not list(cache_dir.path.iterdir())
    assert outside_entry.exists() and outside_library.exists()


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
    assert len(list(cache_dir.path.iterdir())) == 2


def test_created_folder_and_secret_are_the_users_alone(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    _, sealed = entry_of(cache_dir, cube, 2.0)
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
