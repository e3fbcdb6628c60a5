"""`device="gpu"`: the argument, the PTX built without a GPU, the errors where one is missing, the host
code against a stand-in driver, gradients equal to the CPU's with the kernels emulated on the CPU
(`gpu_emulation`; without a GPU) or run on the GPU (with one), `zyg.to_device`, and GPU export."""

import ctypes
import pathlib
import shutil
import subprocess
import sys
import types

import numpy as np
import pytest
import zyg
from gpu_emulation import kernels_on_host
from without_compiler import run_without_compiler
from zyg import artefact
from zyg.backend import cuda, lower_gpu
from zyg.disk_cache import key as cache_key
from zyg.frontend.trees import leaf

NO_DEVICE = cuda.missing()
needs_device = pytest.mark.skipif(NO_DEVICE is not None, reason=f"no GPU: {NO_DEVICE}")


def sin_times_x(x):
    return np.sum(np.sin(x) * x)


def test_an_unknown_device_is_a_value_error():
    for make in (zyg.jit, zyg.compile_grad):
        with pytest.raises(ValueError, match=r"unknown device 'tpu'; choose one of 'cpu', 'gpu'"):
            make(sin_times_x, device="tpu")


def test_the_ptx_of_a_gradient_is_built_without_a_gpu():
    g = zyg.compile_grad(sin_times_x, device="gpu")
    ptx = g.ir("ptx", np.ones(3))
    assert ".visible .entry zyg_body_kernel(" in ptx  # the gradient's body
    assert ".target sm_" in ptx and ".maxntid 128, 1, 1" in ptx
    llvm = g.ir("llvm", np.ones(3))
    assert "gpu.binary" in llvm and "gpu.launch_func" in llvm and "mgpuMemAlloc" in llvm


def test_the_ptx_of_a_cpu_compile_is_a_value_error():
    with pytest.raises(ValueError, match=r"'ptx' stage is that of device='gpu' compiles"):
        zyg.compile_grad(sin_times_x).ir("ptx", np.ones(3))


def elementwise(x):
    return np.sin(x) * x


def test_the_device_is_part_of_the_compile():
    x = np.ones(3)
    assert "gpu.launch_func" not in zyg.jit(elementwise).ir("llvm", x)
    assert "gpu.launch_func" in zyg.jit(elementwise, device="gpu").ir("llvm", x)
    assert "gpu.launch_func" not in zyg.jit(elementwise).ir("llvm", x)
    keys = {cache_key.request_key(sin_times_x, "grad", (leaf("f64"),), None, device) for device in ("cpu", "gpu")}
    assert len(keys) == 2


@pytest.mark.skipif(NO_DEVICE is None or "driver" not in NO_DEVICE, reason="a CUDA driver is installed")
def test_without_a_driver_a_call_says_so():
    g = zyg.compile_grad(sin_times_x, device="gpu")
    with pytest.raises(zyg.NoGpuError, match=r"no CUDA driver \(libcuda\.so\.1\) found"):
        g(np.ones(3))
    with pytest.raises(zyg.NoGpuError, match="no CUDA driver"):
        zyg.jit(sin_times_x, device="gpu")(np.ones(3))


def test_targets_by_compute_capability():
    assert cuda.target_for((9, 0)) == ("sm_90", "+ptx78")
    assert cuda.target_for((8, 7)) == ("sm_86", "+ptx71")
    assert cuda.target_for((12, 0)) == ("sm_90", "+ptx78")  # PTX runs on later GPUs
    assert cuda.target_for(cuda.DEFAULT_CAPABILITY) == ("sm_90", "+ptx78")
    with pytest.raises(zyg.NoGpuError, match="compute capability 5.2"):
        cuda.target_for((5, 2))


_KERNEL_CALLING_LIBM = """
module {
  func.func private @erfc(f64) -> f64
  func.func @zyg_entry(%x: memref<?xf64>, %y: memref<?xf64>) {
    linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                    iterator_types = ["parallel"]} ins(%x : memref<?xf64>) outs(%y : memref<?xf64>) {
    ^bb0(%a: f64, %b: f64):
      %c = func.call @erfc(%a) : (f64) -> f64
      linalg.yield %c : f64
    }
    return
  }
}
"""


def test_a_kernel_calling_host_code_is_refused():
    from zyg.backend import lower_gpu
    from zyg.backend.bridge import parse_upstream

    module = parse_upstream(_KERNEL_CALLING_LIBM)
    with pytest.raises(zyg.LoweringError, match="a GPU kernel calls 'erfc', which has no GPU version"):
        lower_gpu.lower_to_llvm(module, [], cuda.target_for(cuda.DEFAULT_CAPABILITY))


_KERNEL_TAKING_ONE_BUFFER_TWICE = """
module attributes {gpu.container_module} {
  func.func @twice(%x: memref<?xf64>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%x : memref<?xf64>, %x : memref<?xf64>)
    return
  }
  gpu.module @k {
    gpu.func @k(%a: memref<?xf64>, %b: memref<?xf64>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %a[%c0] : memref<?xf64>
      memref.store %v, %b[%c0] : memref<?xf64>
      gpu.return
    }
  }
}
"""


def test_a_buffer_passed_twice_is_staged_once_if_at_all():
    from zyg.backend import lower_gpu
    from zyg.backend.bridge import context, parse_upstream

    module = parse_upstream(_KERNEL_TAKING_ONE_BUFFER_TWICE)
    with context():
        lower_gpu._stage_kernel_operands(module)
        module.operation.verify()
        text = str(module)
    assert text.count("memref.alloc") == 1 and text.count("memref.dealloc") == 1
    assert text.count("memref.copy") == 2  # in, and back: the kernel writes through one of its names
    assert text.count("llvm.call @_zyg_gpu_reachable") == 1  # unless the driver says it is managed memory


def sum_of_squares(x):
    return np.sum(x * x)


def matrix_total(m):
    return np.sum(np.exp(m) * m.T)


def largest(x):
    return np.max(x * 2.0 - 1.0)


def mean_square_error(x, y):
    return np.mean((x - y) ** 2)


@pytest.mark.parametrize("f, args", [
    (sum_of_squares, (np.linspace(-1.0, 2.0, 10001),)),
    (sum_of_squares, (np.zeros(0),)),
    (matrix_total, (np.linspace(-1.0, 1.0, 900).reshape(30, 30),)),
    (largest, (np.linspace(-1.0, 3.0, 777),)),
    (mean_square_error, (np.linspace(-1.0, 3.0, 777), np.linspace(0.0, 1.0, 777))),
], ids=["sum", "empty", "matrix", "max", "mean"])
def test_a_split_reduction_computes_what_the_host_loop_did(f, args, monkeypatch):
    """`split_reductions` on the CPU (its parallel loop a plain loop), against the compile without it."""
    from zyg.backend import lower_llvm, split_reductions

    expected, expected_gradients = zyg.jit(f)(*args), zyg.compile_grad(f)(*args)
    plain = lower_llvm.stack_small_buffers  # what the CPU pipeline runs right after bufferization
    split = []

    def split_first(module):
        split.append(split_reductions.split_reductions(module))
        plain(module)

    monkeypatch.setattr(lower_llvm, "stack_small_buffers", split_first)
    monkeypatch.setenv("ZYG_CACHE", "0")
    fresh = types.FunctionType(f.__code__, f.__globals__, f.__name__)
    assert zyg.jit(fresh)(*args) == pytest.approx(expected, rel=1e-13)
    for gradient, reference in zip(zyg.compile_grad(fresh)(*args), expected_gradients, strict=True):
        np.testing.assert_allclose(gradient, reference, rtol=1e-13)
    assert split[0] >= 1  # the primal's reduction was split


_FAKE_DRIVER = """
int cuInit(unsigned flags) { return DEVICES ? 0 : 100; }
int cuDeviceGetCount(int *count) { *count = DEVICES; return 0; }
int cuDeviceGet(int *device, int ordinal) { *device = ordinal; return 0; }
int cuDeviceGetAttribute(int *value, int attribute, int device) { *value = attribute == 75 ? 8 : 6; return 0; }
"""


@pytest.fixture
def fake_driver(tmp_path, monkeypatch):
    """Makes `cuda` probe a stand-in for libcuda.so.1 with `devices` devices of compute capability 8.6."""
    compiler = shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler")

    def install(devices: int) -> None:
        source, library = tmp_path / "cuda.c", tmp_path / f"libcuda{devices}.so"
        source.write_text(_FAKE_DRIVER)
        subprocess.run([compiler, "-shared", "-fPIC", f"-DDEVICES={devices}", str(source), "-o", str(library)],
                       check=True)
        monkeypatch.setattr(cuda, "DRIVER", str(library))
        cuda._probe.cache_clear()

    yield install
    monkeypatch.undo()
    cuda._probe.cache_clear()


def test_a_driver_without_a_device_says_so(fake_driver):
    fake_driver(0)
    with pytest.raises(zyg.NoGpuError, match="no CUDA device"):
        cuda.require_device()
    assert cuda.target() == cuda.target_for(cuda.DEFAULT_CAPABILITY)


def test_the_device_chooses_the_target(fake_driver):
    fake_driver(1)
    cuda.require_device()
    assert cuda.target() == ("sm_86", "+ptx71")


def chain(x, y):
    return np.sum(np.exp(np.sin(x) * y + 1.0))


def columns(m):
    return np.sum(np.sum(m * m, axis=0) ** 2)


def broadcast(m, v):
    return np.sum(np.tanh(m * v + v))


def product(a, b):
    return np.sum(np.cos(a @ b))


def masked(x, m):  # a bool array in a kernel: stored as bytes
    return np.sum(np.where(m, x * x, 0.0))


def loop(x, n):  # scalar control flow and a tape on the host, array work in kernels
    for _ in range(n):
        x = np.sin(x) * 0.9 + 0.1
    return np.sum(x * x)


CASES = pytest.mark.parametrize("f, args", [
    (chain, (np.linspace(0.1, 1.0, 300), np.linspace(-1.0, 1.0, 300))),
    (columns, (np.linspace(-1.0, 1.0, 600).reshape(20, 30),)),
    (broadcast, (np.linspace(-1.0, 1.0, 600).reshape(20, 30), np.linspace(0.0, 1.0, 30))),
    (product, (np.linspace(-1.0, 1.0, 600).reshape(20, 30), np.linspace(0.0, 1.0, 150).reshape(30, 5))),
    (masked, (np.linspace(-1.0, 1.0, 300), np.arange(300) % 3 == 0)),
    (loop, (np.linspace(0.1, 1.0, 300), 5)),
    (sin_times_x, (np.linspace(0.1, 1.0, 1000),)),
], ids=["chain", "columns", "broadcast", "product", "masked", "loop", "reduction"])


@CASES
def test_gradients_compile_for_the_gpu(f, args):
    """Down to the LLVM dialect, with its launches and staging: what runs here without a GPU."""
    llvm = zyg.compile_grad(f, device="gpu").ir("llvm", *args)
    assert "llvm.func @zyg_entry_python" in llvm


@needs_device
@CASES
def test_gradients_on_the_gpu_are_the_cpus(f, args):
    on_cpu = zyg.compile_grad(f)(*args)
    on_gpu = zyg.compile_grad(f, device="gpu")(*args)
    for cpu, gpu in zip(on_cpu, on_gpu, strict=True):
        _close(gpu, cpu)
    assert zyg.jit(f, device="gpu")(*args) == pytest.approx(zyg.jit(f)(*args), rel=1e-12)


_STAND_IN_DRIVER = """
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
long loads, allocations, frees, launches, odd_blocks, failing_launch;
int cuInit(unsigned flags) { return 0; }
int cuDeviceGet(int *device, int ordinal) { *device = ordinal; return 0; }
int cuDevicePrimaryCtxRetain(void **context, int device) { *context = (void *)16; return 0; }
int cuCtxPushCurrent_v2(void *context) { return context == (void *)16 ? 0 : 201; }
int cuCtxPopCurrent_v2(void **context) { *context = (void *)16; return 0; }
int cuModuleLoadDataEx(void **module, const void *image, unsigned count, int *options, void **values) {
  loads++;
  *module = (void *)32;
  return strstr((const char *)image, ".entry") ? 0 : 218;
}
int cuModuleUnload(void *module) { return 0; }
int cuModuleGetFunction(void **function, void *module, const char *name) { *function = module; return 0; }
int cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned shared, void *stream, void **params, void **extra) {
  launches++;
  odd_blocks += function != (void *)32 || bx != 128 || (by != 1 && by != 2) || bz != 1 || !params || stream;
  return failing_launch ? 700 : 0;
}
int cuStreamSynchronize(void *stream) { return stream ? 400 : 0; }  /* the default stream only */
#define TRACKED 4096
uint64_t managed[TRACKED], managed_bytes[TRACKED];
int cuMemAllocManaged(uint64_t *pointer, size_t size, unsigned flags) {
  if (size == 0) return 1;  /* CUDA_ERROR_INVALID_VALUE, as the driver answers */
  for (long i = 0; i < TRACKED; i++) {
    if (!managed[i]) {
      allocations++;
      *pointer = managed[i] = (uint64_t)calloc(size, 1);
      managed_bytes[i] = size;
      return 0;
    }
  }
  return 2;  /* CUDA_ERROR_OUT_OF_MEMORY */
}
int cuMemAlloc_v2(uint64_t *pointer, size_t size) { return cuMemAllocManaged(pointer, size, 1); }
int cuMemFree_v2(uint64_t pointer) {
  for (long i = 0; pointer && i < TRACKED; i++) {
    if (managed[i] == pointer) {
      frees++;
      free((void *)pointer);
      managed[i] = 0;
      return 0;
    }
  }
  return 1;
}
int cuPointerGetAttribute(void *data, int attribute, uint64_t pointer) {
  for (long i = 0; attribute == 8 && i < TRACKED; i++) {
    if (managed[i] && managed[i] <= pointer && pointer < managed[i] + managed_bytes[i]) {
      *(unsigned *)data = 1;
      return 0;
    }
  }
  return 1;  /* not memory the driver knows: CUDA_ERROR_INVALID_VALUE */
}
int cuMemcpyAsync(uint64_t to, uint64_t from, size_t size, void *stream) {
  memcpy((void *)to, (void *)from, size);
  return 0;
}
"""


@pytest.fixture(scope="module")
def stand_in_driver(tmp_path_factory):
    """A stand-in CUDA driver's path and counters, built once: its `cu*` functions launch nothing,
    allocate with calloc and count what they are asked."""
    compiler = shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler")
    folder = tmp_path_factory.mktemp("driver")
    source, library = folder / "driver.c", folder / "libstandin.so"
    source.write_text(_STAND_IN_DRIVER)
    subprocess.run([compiler, "-shared", "-fPIC", str(source), "-o", str(library)], check=True)
    standin = ctypes.CDLL(str(library))
    names = ("loads", "allocations", "frees", "launches", "odd_blocks", "failing_launch")
    return str(library), {name: ctypes.c_long.in_dll(standin, name) for name in names}


def _fresh(f):
    """A copy of `f`: the compiles of `f` made here without a driver (`ir`) have no machine code."""
    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)


@pytest.mark.skipif(NO_DEVICE is None, reason="a CUDA device is present: the real driver is tested")
@CASES
def test_the_host_code_runs_against_a_stand_in_driver(f, args, stand_in_driver, monkeypatch):
    """The host half of GPU code, through zyg's own `mgpu*` functions, run against a stand-in driver:
    the kernels' modules are loaded, each launch has a block of `TILE_SIZES`, and every managed buffer
    is freed, the results' when Python collects them. (Not the results: no kernel runs.)"""
    library, counters = stand_in_driver
    monkeypatch.setattr(cuda, "_probe", lambda: cuda._Probe(cuda.DEFAULT_CAPABILITY, None))
    monkeypatch.setattr(cuda, "runtime_library", lambda: library)
    before = {name: counter.value for name, counter in counters.items()}
    gradients = zyg.compile_grad(_fresh(f), device="gpu")(*args)
    expected = [a.shape if isinstance(a, np.ndarray) and a.dtype.kind == "f" else None for a in args]
    assert [getattr(g, "shape", None) for g in gradients] == expected
    count = {name: counter.value - before[name] for name, counter in counters.items()}
    assert count["loads"] > 0 and count["launches"] > 0 and count["odd_blocks"] == 0
    assert count["allocations"] > count["frees"] > 0  # the results are the GPU heap's: managed memory
    del gradients
    assert counters["allocations"].value - before["allocations"] == counters["frees"].value - before["frees"]


@pytest.fixture
def emulated_gpu(stand_in_driver, monkeypatch):
    """GPU compiles whose kernels run on the CPU (`gpu_emulation`), their host code against the stand-in
    driver (managed memory is host memory there); yields the driver's counters. The compiles made are
    forgotten after the test, so that no other test gets them from the process's memory."""
    from zyg import compiler

    if NO_DEVICE is None:
        pytest.skip("a CUDA device is present: the kernels run on it")
    library, counters = stand_in_driver
    monkeypatch.setattr(cuda, "_probe", lambda: cuda._Probe(cuda.DEFAULT_CAPABILITY, None))
    monkeypatch.setattr(cuda, "runtime_library", lambda: library)
    monkeypatch.setattr(lower_gpu, "kernels_to_ptx", kernels_on_host)
    before = set(compiler._CACHE)
    yield counters
    for key in set(compiler._CACHE) - before:
        del compiler._CACHE[key]


def _close(gpu, cpu):
    if cpu is None:
        assert gpu is None
    elif np.asarray(cpu).dtype == np.float32:
        np.testing.assert_allclose(gpu, cpu, rtol=2e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(gpu, cpu, rtol=1e-12, atol=1e-14)


def scalar_only(x, y):  # no kernel and no check: the module still has zyg's driver wrappers
    return x * y + 1.0


def transposed_product(a, b):
    return np.sum(np.sin(a.T @ b.T) * 0.5)


def single_precision(a, b):
    return np.sum(np.tanh(a @ b))


EMULATED_CASES = pytest.mark.parametrize("f, args", CASES.args[1] + [
    (sum_of_squares, (np.zeros(0),)),
    (largest, (np.linspace(-1.0, 3.0, 777),)),
    (mean_square_error, (np.linspace(-1.0, 3.0, 777), np.linspace(0.0, 1.0, 777))),
    (matrix_total, (np.linspace(-1.0, 1.0, 900).reshape(30, 30),)),
    (product, (np.linspace(-1.0, 1.0, 35).reshape(7, 5), np.linspace(0.0, 1.0, 45).reshape(5, 9))),
    (product, (np.linspace(-1.0, 1.0, 9).reshape(9, 1), np.linspace(0.0, 1.0, 3).reshape(1, 3))),
    (product, (np.ones((3, 0)), np.ones((0, 6)))),
    (transposed_product, (np.linspace(-1.0, 1.0, 66).reshape(6, 11), np.linspace(0.0, 1.0, 78).reshape(13, 6))),
    (single_precision, (np.linspace(-1.0, 1.0, 42, dtype=np.float32).reshape(6, 7),
                        np.linspace(0.0, 1.0, 35, dtype=np.float32).reshape(7, 5))),
    (scalar_only, (2.0, 3.0)),
    (broadcast, (np.linspace(-1.0, 1.0, 280).reshape(40, 7), np.linspace(0.0, 1.0, 7))),
    (broadcast, (np.linspace(-1.0, 1.0, 900).reshape(3, 300), np.linspace(0.0, 1.0, 300))),
    (columns, (np.linspace(-1.0, 1.0, 150).reshape(50, 3),)),
], ids=CASES.kwargs["ids"] + ["empty", "max", "mean", "transposed", "product-edges", "outer", "no-inner",
                              "product-transposed", "product-f32", "scalar", "broadcast-tall", "broadcast-wide",
                              "columns-tall"])


@EMULATED_CASES
def test_gradients_on_an_emulated_gpu_are_the_cpus(f, args, emulated_gpu):
    """The whole GPU pipeline but the NVPTX back end and the driver, computing: kernels compiled for
    the host and launched as loops over blocks and threads, the staging and host code as on a GPU."""
    for gpu, cpu in zip(zyg.compile_grad(_fresh(f), device="gpu")(*args), zyg.compile_grad(f)(*args), strict=True):
        _close(gpu, cpu)
    rel = 1e-5 if f is single_precision else 1e-12
    assert zyg.jit(_fresh(f), device="gpu")(*args) == pytest.approx(zyg.jit(f)(*args), rel=rel)


def cubic(x):
    return np.sum(np.sin(x) * x ** 3)


def vector_field(x, w):
    return np.tanh(w @ x) * 2.0


def test_every_transformation_takes_the_device(emulated_gpu):
    """`device=` on the one-call transformations too; each equals its CPU compile."""
    x, w = np.linspace(-1.0, 1.0, 5), np.linspace(0.0, 1.0, 15).reshape(3, 5)
    fresh_cubic, fresh_field = _fresh(cubic), _fresh(vector_field)
    _close(zyg.gradient(fresh_cubic, x, device="gpu")[0], zyg.gradient(cubic, x)[0])
    value, grads = zyg.withgradient(fresh_cubic, x, device="gpu")
    assert value == pytest.approx(zyg.withgradient(cubic, x).val, rel=1e-12)
    _close(grads[0], zyg.withgradient(cubic, x).grad[0])
    for on_gpu, on_cpu in zip(zyg.jacobian(fresh_field, x, w, device="gpu"), zyg.jacobian(vector_field, x, w)):
        _close(on_gpu, on_cpu)
    y, back = zyg.pullback(fresh_field, x, w, device="gpu")
    y_cpu, back_cpu = zyg.pullback(vector_field, x, w)
    _close(y, y_cpu)
    for on_gpu, on_cpu in zip(back(np.ones(3)), back_cpu(np.ones(3))):
        _close(on_gpu, on_cpu)
    for on_gpu, on_cpu in zip(zyg.jvp(fresh_field, (x, w), (np.ones(5), None), device="gpu"),
                              zyg.jvp(vector_field, (x, w), (np.ones(5), None))):
        _close(on_gpu, on_cpu)
    _close(zyg.pushforward(fresh_field, x, w, device="gpu")(np.ones(5), None),
           zyg.pushforward(vector_field, x, w)(np.ones(5), None))
    _close(zyg.hessian(fresh_cubic, x, device="gpu"), zyg.hessian(cubic, x))
    _close(zyg.hvp(fresh_cubic, x, np.ones(5), device="gpu"), zyg.hvp(cubic, x, np.ones(5)))
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        zyg.gradient(cubic, x, device="tpu")


def test_the_readmes_gpu_example_prints_what_it_says(emulated_gpu, tmp_path, capsys):
    """The README's example of `zyg.to_device`, run with emulated kernels (`test_readme` runs it only
    on a GPU)."""
    import runpy

    from test_readme import EXAMPLES, GPU_MARK

    (source, expected), = [example for example in EXAMPLES if example[0].startswith(GPU_MARK)]
    script = tmp_path / "readme_gpu_example.py"
    script.write_text(source)
    runpy.run_path(str(script), run_name="readme_gpu_example")
    assert capsys.readouterr().out == expected


def two_layers(w1, w2, x):
    hidden = np.tanh(x @ w1)
    return np.mean((hidden @ w2) ** 2)


def test_an_exported_gpu_gradient_runs_where_xdsl_and_mlir_cannot_be_imported(emulated_gpu, stand_in_driver,
                                                                               tmp_path):
    """Exported with its kernels emulated, loaded in a fresh process that cannot import xDSL or MLIR,
    against the stand-in driver: the gradients are the CPU's."""
    rng = np.random.default_rng(0)
    args = (rng.normal(size=(6, 9)) * 0.3, rng.normal(size=(9, 4)) * 0.3, rng.normal(size=(11, 6)))
    path, saved = tmp_path / "two_layers.zyg", tmp_path / "got.npz"
    zyg.export(zyg.compile_grad(_fresh(two_layers), device="gpu"), path, args, gpu="8.0")
    np.savez(tmp_path / "args.npz", *args)
    library, _ = stand_in_driver
    printed = run_without_compiler(f"""
        import sys
        import numpy as np
        import zyg
        from zyg.backend import cuda

        cuda._probe = lambda: cuda._Probe((8, 6), None)
        cuda.runtime_library = lambda: {library!r}
        args = np.load({str(tmp_path / "args.npz")!r})
        gradients = zyg.load({str(path)!r})(*(args[f"arr_{{k}}"] for k in range(3)))
        np.savez({str(saved)!r}, *gradients)
        print(all(zyg.on_device(g) for g in gradients), sorted(m for m in sys.modules if m.split(".")[0] in ("xdsl", "mlir")))
    """)
    assert printed.strip() == "True []"
    got = np.load(saved)
    for k, expected in enumerate(zyg.compile_grad(two_layers)(*args)):
        np.testing.assert_allclose(got[f"arr_{k}"], expected, rtol=1e-12, atol=1e-15)


def _float_leaves(value):
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in _float_leaves(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _float_leaves(item)]
    if hasattr(value, "__dataclass_fields__"):
        return [leaf for name in value.__dataclass_fields__ for leaf in _float_leaves(getattr(value, name))]
    return [value]


@pytest.mark.parametrize("kind", ["scalar", "array"])
def test_fuzzed_programs_on_an_emulated_gpu_are_the_cpus(kind, emulated_gpu):
    """Programs of the differential fuzzer (`zyg.fuzz`, structured arguments and results among them):
    their gradients with `device="gpu"` equal the CPU's. (Fuzzing this way found a GPU module that
    aborted the process when loaded: one with no check, whose `@_zyg_fail` the pipeline had dropped.)"""
    from zyg.fuzz.array_programs import array_program
    from zyg.fuzz.constructs import enabled
    from zyg.fuzz.program import load
    from zyg.fuzz.scalar_programs import scalar_program
    from zyg.fuzz.trees import materialize

    generate = array_program if kind == "array" else scalar_program
    for seed in range(8):
        program = generate(seed, enabled(True))
        namespace = vars(load(program.source))
        f = namespace["loss"] if "loss" in namespace else namespace["f"]
        args = tuple(materialize(spec, namespace) for spec in program.points[0])
        expected = zyg.compile_grad(f)(*args)
        got = zyg.compile_grad(f, device="gpu")(*args)
        for on_gpu, on_cpu in zip(_float_leaves(got), _float_leaves(expected), strict=True):
            if on_cpu is None:
                assert on_gpu is None
            else:
                np.testing.assert_allclose(np.asarray(on_gpu, float), np.asarray(on_cpu, float), rtol=1e-9,
                                           atol=1e-12, err_msg=f"{kind} program {seed}:\n{program.source}")


def test_each_kind_of_result_buffer_has_its_destructor(monkeypatch):
    """The process's table of Python addresses (`python_api.table`) holds two capsule destructors: a
    CPU result's, the first CPU module's (a GPU module's while none is loaded), and a GPU result's, the
    first GPU module's; each module whose destructor is in use is kept."""
    from zyg.backend import python_api
    from zyg.entry_abi import PYTHON_API

    for name in ("_table", "_free_owner", "_device_free_owner"):
        monkeypatch.setattr(python_api, name, None)

    def words():
        return [python_api._table[PYTHON_API.index(word)] for word in ("free_capsule", "free_device_capsule")]

    python_api.table(0x111, "first gpu module", device=True)
    assert words() == [0x111, 0x111]
    python_api.table(0x222, "first cpu module")
    assert words() == [0x222, 0x111]
    python_api.table(0x333, "second gpu module", device=True)
    python_api.table(0x444, "second cpu module")
    assert words() == [0x222, 0x111]
    assert (python_api._free_owner, python_api._device_free_owner) == ("first cpu module", "first gpu module")


def test_arrays_kept_on_the_device(emulated_gpu):
    """`zyg.to_device` copies the arrays of a tree into managed memory, as plain arrays with the same
    values; the other leaves stay as they were."""
    x = np.linspace(0.0, 1.0, 12).reshape(3, 4)
    moved = zyg.to_device({"x": x, "rows": [x[0], 3.0], "name": "net"})
    assert type(moved["x"]) is np.ndarray and zyg.on_device(moved["x"]) and zyg.on_device(moved["rows"][0])
    np.testing.assert_array_equal(moved["x"], x)
    assert moved["rows"][1] == 3.0 and moved["name"] == "net"
    assert not zyg.on_device(x) and not zyg.on_device(3.0)
    assert zyg.on_device(moved["x"][1:, ::2])  # a view of it too
    with pytest.raises(zyg.ZygTypeError, match=r"the value\['s'\] given to zyg.to_device is a set"):
        zyg.to_device({"s": {1}})


def test_device_arrays_go_to_kernels_without_copies(emulated_gpu):
    """A launch stages (allocates, copies in and out) only what is not managed memory: `to_device`'s
    arrays and a GPU compile's own results go straight to its kernels, and the results are freed with
    the last array viewing them."""
    counters = emulated_gpu
    live = counters["allocations"].value - counters["frees"].value
    g = zyg.compile_grad(_fresh(chain), device="gpu")
    host_args = (np.linspace(0.1, 1.0, 300), np.linspace(-1.0, 1.0, 300))
    g(*host_args)  # compiled

    def allocations(*args):
        expected = zyg.compile_grad(chain)(*(np.array(a) for a in args))
        before = counters["allocations"].value
        gradients = g(*args)
        for gradient, reference in zip(gradients, expected, strict=True):
            _close(gradient, reference)
            assert zyg.on_device(gradient)
        return counters["allocations"].value - before, gradients

    from_host, _ = allocations(*host_args)
    device_args = zyg.to_device(host_args)
    from_device, gradients = allocations(*device_args)
    assert from_device <= from_host - 2  # the two inputs are not staged
    again, fed_back = allocations(*gradients)  # results fed back in: no copies either
    assert again == from_device
    del device_args, gradients, fed_back, _
    assert counters["allocations"].value - counters["frees"].value == live


@pytest.mark.skipif(NO_DEVICE is None or "driver" not in NO_DEVICE, reason="a CUDA driver is installed")
def test_to_device_without_a_driver_says_so():
    with pytest.raises(zyg.NoGpuError, match=r"no CUDA driver \(libcuda\.so\.1\) found"):
        zyg.to_device(np.ones(3))
    assert not zyg.on_device(np.ones(3))


@pytest.mark.skipif(NO_DEVICE is None, reason="a CUDA device is present: the real driver is tested")
def test_a_failed_driver_call_is_an_error_not_a_wrong_number(stand_in_driver, monkeypatch):
    """A launch the driver refuses fails the call (MLIR's own wrappers print and go on, leaving the
    outputs as they were), and the buffers staged for it are freed all the same."""
    library, counters = stand_in_driver
    monkeypatch.setattr(cuda, "_probe", lambda: cuda._Probe(cuda.DEFAULT_CAPABILITY, None))
    monkeypatch.setattr(cuda, "runtime_library", lambda: library)
    g = zyg.compile_grad(_fresh(chain), device="gpu")
    args = (np.linspace(0.1, 1.0, 300), np.linspace(-1.0, 1.0, 300))
    counters["failing_launch"].value = 1
    frees = counters["frees"].value
    try:
        with pytest.raises(zyg.GpuError, match=r"the CUDA driver failed in cuLaunchKernel \(CUresult 700\)"):
            g(*args)
    finally:
        counters["failing_launch"].value = 0
    assert [a.shape for a in g(*args)] == [(300,), (300,)]
    assert counters["frees"].value > frees


@pytest.mark.skipif(NO_DEVICE is None, reason="a CUDA device is present: the real driver is tested")
def test_an_exported_gpu_function_needs_the_driver_alone(stand_in_driver, monkeypatch, tmp_path):
    """Exported GPU code carries its PTX and zyg's own `mgpu*` functions: it loads where MLIR is not
    installed, needing only the driver; without one, loading says so."""
    args = (np.linspace(0.1, 1.0, 300), np.linspace(-1.0, 1.0, 300))
    path = tmp_path / "chain.zyg"
    zyg.export(zyg.compile_grad(_fresh(chain), device="gpu"), path, args, gpu="8.0")
    header, body = artefact.unpack(path.read_bytes())
    assert (header["device"], header["gpu_chip"], header["needs"]) == ("gpu", "sm_80", ["cuda"])
    library = artefact.section(header, body, artefact.LIBRARY)
    assert b".target sm_80" in library and b"mgpuLaunchKernel" in library
    with pytest.raises(zyg.NoGpuError, match="no CUDA driver"):
        zyg.load(path)
    driver, counters = stand_in_driver
    monkeypatch.setattr(cuda, "_probe", lambda: cuda._Probe((8, 6), None))
    monkeypatch.setattr(cuda, "runtime_library", lambda: driver)
    launches = counters["launches"].value
    assert [g.shape for g in zyg.load(path)(*args)] == [(300,), (300,)]
    assert counters["launches"].value > launches
    monkeypatch.setattr(cuda, "_probe", lambda: cuda._Probe((7, 5), None))
    with pytest.raises(zyg.ArtefactError, match="compute capability 8.0 and later; this one is 7.5"):
        zyg.load(path)


def test_the_prepared_gpu_checks_gradients_compute_on_the_emulated_gpu(emulated_gpu):
    """The MLP and GMM gradients `python -m bench.gpu` times, at small sizes, through its own code, with
    emulated kernels: they compile for the GPU and equal the CPU's."""
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
    try:
        from bench import gpu
        from bench.workloads import gmm, mlp
    finally:
        sys.path.pop(0)
    for module, args in ((mlp, gpu.mlp_inputs(64, 32, 48, 10)), (gmm, gpu.gmm_inputs(4, 5, 200))):
        expected = zyg.compile_grad(module.primal, argnums=module.WRT)(*args)
        _, _, _, got = gpu._zyg(module, args)
        for on_gpu, on_cpu in zip(got, expected, strict=True):
            np.testing.assert_allclose(on_gpu, on_cpu, rtol=1e-11, atol=1e-13)


@pytest.mark.skipif(NO_DEVICE is None, reason="a CUDA device is present: the script runs its checks")
def test_the_prepared_gpu_check_says_what_is_missing():
    """`python -m bench.gpu`, the check a lent GPU runs, exits cleanly where there is none."""
    root = pathlib.Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "bench.gpu"], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "nothing to run here: no CUDA" in done.stdout
