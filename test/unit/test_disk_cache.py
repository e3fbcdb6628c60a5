"""The disk cache: hits across processes, every kind of invalidation, corruption and concurrency."""

import importlib
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import zyg
from cachecheck import fresh_gradient
from zyg import artefact, compiler
from zyg.disk_cache import key as cache_key
from zyg.frontend.dependencies import Dependencies, describe
from zyg.frontend.trees import leaf


def write_module(tmp_path, name, source):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    sys.path.insert(0, str(tmp_path))
    try:
        if name in sys.modules:
            return importlib.reload(sys.modules[name])
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))


def test_second_compile_is_a_hit(cache_dir):
    def f(x):
        return x * x * 3.0

    assert fresh_gradient(f, 2.0) == (12.0,)
    assert fresh_gradient(f, 2.0) == (12.0,)
    assert cache_dir.builds == ["test_second_compile_is_a_hit.<locals>.f"]
    assert len(list(cache_dir.path.glob("*.zyg"))) == 1 and len(list(cache_dir.path.iterdir())) == 1


def test_each_request_and_argument_type_has_its_entry(cache_dir):
    def f(x, n):
        return x ** n

    fresh_gradient(f, 2.0, 3)
    fresh_gradient(f, np.float64(2.0), np.int64(3))  # the same types: a hit
    zyg.jit(f)(2.0, 3)
    zyg.jit(f)(2.0, 3.0)
    assert len(cache_dir.builds) == 3


def test_each_choice_of_argnums_has_its_entry(cache_dir):
    def f(w, x, n):
        return w * x * n

    def fresh(argnums):
        compiler._CACHE.clear()
        return zyg.compile_grad(f, argnums=argnums)(2.0, 3.0, 4)

    assert (fresh(0), fresh(1), fresh(None)) == (12.0, 8.0, (12.0, 8.0, None))
    assert len(cache_dir.builds) == 3 and len(list(cache_dir.path.glob("*.zyg"))) == 3
    # Served from disk, each from its own entry; (0, 1) names every float argument: argnums=None's code.
    assert (fresh(1), fresh(0), fresh((1, 0)), fresh((0, 1))) == (8.0, 12.0, (8.0, 12.0), (12.0, 8.0))
    assert len(cache_dir.builds) == 3
    keys = {cache_key.request_key(f, "grad", (leaf("f64"), leaf("f64"), leaf("i64")), wrt) for wrt in (None, (0,), (1,))}
    assert len(keys) == 3


def test_module_constant_change_invalidates(cache_dir, tmp_path):
    module = write_module(tmp_path, "constants_case", """
        SCALE = 2.0

        def f(x):
            return SCALE * x
    """)
    assert fresh_gradient(module.f, 1.0) == (2.0,)
    module.SCALE = 5.0
    assert fresh_gradient(module.f, 1.0) == (5.0,)
    module.SCALE = 2.0
    assert fresh_gradient(module.f, 1.0) == (2.0,)
    assert len(cache_dir.builds) == 3


def test_free_data_is_read_at_each_call_of_a_cached_compile(cache_dir, tmp_path):
    module = write_module(tmp_path, "free_data_case", """
        import numpy as np

        WEIGHTS = np.array([1.0, 2.0, 3.0])

        def f(x):
            return np.sum(WEIGHTS * x)
    """)
    np.testing.assert_array_equal(fresh_gradient(module.f, np.ones(3))[0], [1.0, 2.0, 3.0])
    module.WEIGHTS = np.array([4.0, 5.0, 6.0])  # another array of one structure: the same entry
    np.testing.assert_array_equal(fresh_gradient(module.f, np.ones(3))[0], [4.0, 5.0, 6.0])
    assert len(cache_dir.builds) == 1
    module.WEIGHTS = np.array([[1.0, 1.0, 1.0]])  # another rank: compiled again
    np.testing.assert_array_equal(fresh_gradient(module.f, np.ones(3))[0], [1.0, 1.0, 1.0])
    assert len(cache_dir.builds) == 2


def test_callee_source_change_invalidates(cache_dir, tmp_path):
    source = """
        def helper(x):
            return {body}

        def f(x):
            return helper(x) + 1.0
    """
    module = write_module(tmp_path, "callee_case", source.format(body="x * 2.0"))
    assert fresh_gradient(module.f, 1.0) == (2.0,)
    module = write_module(tmp_path, "callee_case", source.format(body="x * 7.0 + 0.0"))
    assert fresh_gradient(module.f, 1.0) == (7.0,)
    assert len(cache_dir.builds) == 2


def test_functions_zyg_compiles_from_its_own_library_are_cached(cache_dir, tmp_path):
    """`np.cumsum`, `np.linalg.qr` and `np.linalg.eigh` are compiled helpers of zyg's own: what they read
    is fixed by the cache key, so a function calling them is stored like any other."""
    source = """
        import numpy as np

        def f(x):
            q, r = np.linalg.qr(np.outer(x, x) + np.eye(3))
            w, v = np.linalg.eigh(np.outer(x, x))
            return np.sum(np.cumsum(x) * x) + np.sum(r) + np.sum(w)
    """
    module = write_module(tmp_path, "library_case", source)
    x = np.array([0.5, -1.0, 2.0])
    first = fresh_gradient(module.f, x)
    again = fresh_gradient(module.f, x)
    np.testing.assert_array_equal(first[0], again[0])
    assert len(cache_dir.builds) == 1 and len(list(cache_dir.path.glob("*.zyg"))) == 1


def test_closure_value_change_invalidates(cache_dir):
    def make(k):
        return lambda x: k * x

    assert fresh_gradient(make(2.0), 1.0) == (2.0,)
    assert fresh_gradient(make(3.0), 1.0) == (3.0,)
    assert fresh_gradient(make(3.0), 1.0) == (3.0,)
    assert len(cache_dir.builds) == 2


def test_global_function_rebinding_invalidates(cache_dir, tmp_path):
    module = write_module(tmp_path, "rebinding_case", """
        def double(x):
            return 2.0 * x

        def triple(x):
            return 3.0 * x

        helper = double

        def f(x):
            return helper(x)
    """)
    assert fresh_gradient(module.f, 1.0) == (2.0,)
    module.helper = module.triple
    assert fresh_gradient(module.f, 1.0) == (3.0,)


def test_default_argument_change_invalidates(cache_dir, tmp_path):
    module = write_module(tmp_path, "defaults_case", """
        def helper(x, k=2.0):
            return k * x

        def f(x):
            return helper(x)
    """)
    assert fresh_gradient(module.f, 1.0) == (2.0,)
    module.helper.__defaults__ = (4.0,)
    assert fresh_gradient(module.f, 1.0) == (4.0,)


def test_compiler_change_invalidates(cache_dir, monkeypatch):
    def f(x):
        return x * 3.0

    fresh_gradient(f, 1.0)
    monkeypatch.setattr(cache_key, "compiler_version", lambda: "another zyg")
    fresh_gradient(f, 1.0)
    assert len(cache_dir.builds) == 2


def test_values_without_a_stable_description_are_not_cached():
    recorder = Dependencies(test_values_without_a_stable_description_are_not_cached)
    recorder.name(test_values_without_a_stable_description_are_not_cached, "np")
    assert recorder.cacheable
    assert describe(np.float32) is not None and describe((1, 2.5, "ij")) == "tuple:[int:1,float:2.5,str:'ij']"
    assert describe(object()) is None and describe(np.zeros(3)) is None


@pytest.mark.parametrize("damage", ["truncate header", "garbage header", "truncate library", "flip a code byte",
                                    "not an artefact"])
def test_damaged_artefact_is_a_miss_and_replaced(cache_dir, damage):
    def f(x):
        return x * x

    fresh_gradient(f, 3.0)
    (path,) = cache_dir.path.glob("*.zyg")
    data = path.read_bytes()
    if damage == "truncate header":
        path.write_bytes(data[:40])
    elif damage == "garbage header":
        path.write_bytes(data[:len(artefact.MAGIC) + 8] + b"{" * (len(data) - len(artefact.MAGIC) - 8))
    elif damage == "truncate library":
        path.write_bytes(data[:-100])
    elif damage == "flip a code byte":
        path.write_bytes(data[:-100] + bytes([data[-100] ^ 1]) + data[-99:])
    else:
        path.write_text(json.dumps({"library": 7}))
    assert fresh_gradient(f, 3.0) == (6.0,)
    assert fresh_gradient(f, 3.0) == (6.0,)
    assert len(cache_dir.builds) == 2


def test_disabled_cache_writes_nothing(cache_dir, monkeypatch):
    monkeypatch.setenv("ZYG_CACHE", "0")

    def f(x):
        return x * 2.0

    assert fresh_gradient(f, 1.0) == (2.0,)
    assert not cache_dir.path.exists() or not list(cache_dir.path.iterdir())


def test_clear_cache(cache_dir):
    def f(x):
        return x * 2.0

    fresh_gradient(f, 1.0)
    assert zyg.clear_cache() == 1
    assert not list(cache_dir.path.iterdir())
    assert fresh_gradient(f, 1.0) == (2.0,)


_SCRIPT = """
import sys
import numpy as np
sys.path.insert(0, {directory!r})
import zyg
from program import loss
rng = np.random.default_rng(0)
w, x = rng.normal(size=(4, 3)), rng.normal(size=(5, 4))
grad = zyg.compile_grad(loss)(w, x)[0]
print(round(float(grad.sum()), 10), "xdsl" in sys.modules, "mlir.ir" in sys.modules)
"""


def _run_script(tmp_path, cache):
    env = {**os.environ, "ZYG_CACHE_DIR": str(cache)}
    return subprocess.Popen([sys.executable, "-c", _SCRIPT.format(directory=str(tmp_path))], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_processes_share_the_cache_and_a_hit_needs_no_compiler(tmp_path):
    (tmp_path / "program.py").write_text("import numpy as np\n\ndef loss(w, x):\n    return np.sum(np.tanh(x @ w))\n")
    cache = tmp_path / "cache"
    first, second = _run_script(tmp_path, cache), _run_script(tmp_path, cache)  # at the same time
    outputs = [p.communicate() for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    third = _run_script(tmp_path, cache)
    out, err = third.communicate()
    assert third.returncode == 0, err
    value, loaded_xdsl, loaded_mlir = out.split()
    assert value == outputs[0][0].split()[0] == outputs[1][0].split()[0]
    assert (loaded_xdsl, loaded_mlir) == ("False", "False")
    assert len(list(cache.glob("*.zyg"))) == 1
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]


def test_the_first_call_does_not_wait_for_the_store(cache_dir, monkeypatch):
    """The code is linked and stored on a thread: the gradient is back before the entry exists, and a
    compile of the same request in this process waits for that store and loads it."""
    import threading

    from zyg.disk_cache import writer

    release = threading.Event()
    link = writer.link_shared_library

    def held_link(write_object, directory):
        release.wait(10)
        return link(write_object, directory)

    monkeypatch.setattr(writer, "link_shared_library", held_link)

    def f(x):
        return x * x * 5.0

    compiler._CACHE.clear()
    assert zyg.compile_grad(f)(1.0) == (10.0,)
    assert not list(cache_dir.directory.glob("*.zyg"))  # the store is held back
    release.set()
    compiler._CACHE.clear()
    assert zyg.compile_grad(f)(2.0) == (20.0,)
    assert cache_dir.builds == ["test_the_first_call_does_not_wait_for_the_store.<locals>.f"]  # a hit
    assert len(list(cache_dir.path.glob("*.zyg"))) == 1


def test_without_a_linker_nothing_is_stored(cache_dir, monkeypatch):
    from zyg.backend import shared_library

    monkeypatch.setattr(shared_library, "linker", lambda: None)

    def f(x):
        return x * 2.0

    assert fresh_gradient(f, 1.0) == (2.0,)
    assert not cache_dir.path.exists() or not list(cache_dir.path.iterdir())


@pytest.mark.parametrize("value", [1.5, 2, True, np.float32(1.0), np.int64(3), np.bool_(False), np.zeros(3),
                                   np.zeros((2, 3), np.float32), np.zeros((1, 1, 1), np.int64), np.zeros(2, bool)])
def test_type_codes_in_the_key_name_the_ir_types(value):
    """The call path's type codes (no xDSL) and the compiler's IR types agree."""
    from zyg.frontend.types import ir_type_of, type_code
    from zyg.typecodes import type_code_of

    assert type_code(ir_type_of(value)) == type_code_of(value)
