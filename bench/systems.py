"""The systems compared, each turning a workload into two zero-argument callables.

`prepare(system, case, args)` returns a `Prepared`: `primal()` and `gradient()` run the workload to
completion (JAX results are synchronised with `block_until_ready`), and `to_numpy(result)` turns a
gradient into NumPy arrays/floats in `WRT` order, for the check. Importing a peer happens inside
`prepare`, so a missing one raises `MissingSystem`. numba compiles the primal only (`gradient` is
None): it is the floor for zyg's compiled primal, on the workloads that define `numba_primal`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.workloads import Case, rebind

SYSTEMS = ("zyg", "manual", "jax", "torch", "autograd", "numba")
# Systems that compile the primal and have no gradient.
PRIMAL_ONLY = ("numba",)
PEER_PACKAGES = {"zyg": "zyg", "jax": "jax", "torch": "torch", "autograd": "autograd", "numba": "numba"}


class MissingSystem(Exception):
    """The peer is not installed (`pip install -e .[bench]`)."""


@dataclass
class Prepared:
    """A system's primal and gradient of a case at its inputs (calls of no arguments); `settle`, run
    after the first gradient and before the steady state is timed, compiles the primal and waits for
    work a system does in the background (zyg's optimised tier, `zyg.wait_optimised`)."""

    primal: Callable[[], object]
    gradient: Callable[[], object] | None
    to_numpy: Callable[[object], tuple]
    note: str = ""
    settle: Callable[[], object] = lambda: None


def unsupported(system: str, case: Case) -> str | None:
    """Why `system` does not run `case`, or None: the workload's `SKIP`, or no numba version."""
    skip = getattr(case.module, "SKIP", {}).get(system)
    if skip is None and system == "numba" and not hasattr(case.module, "numba_primal"):
        skip = "no numba version of this workload"
    return skip


def prepare(system: str, case: Case, args: tuple) -> Prepared:
    """`case` on `system` at `args` (NumPy inputs), compiled lazily: the first call includes compilation."""
    module = case.module
    note = getattr(module, "NOTES", {}).get(system, "")
    prepared = _PREPARERS[system](module, args)
    prepared.note = note
    return prepared


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise MissingSystem(f"{name} is not installed ({exc}); pip install -e '.[bench]'") from None


def _zyg(module, args) -> Prepared:
    zyg = _import("zyg")
    primal, grad = zyg.jit(module.primal), zyg.compile_grad(module.primal, argnums=module.WRT)
    return Prepared(lambda: primal(*args), lambda: grad(*args), tuple,
                    settle=lambda: (primal(*args), zyg.wait_optimised()))


def _manual(module, args) -> Prepared:
    primal = getattr(module, "primal_by_hand", module.primal)
    return Prepared(lambda: primal(*args), lambda: module.gradient_by_hand(*args), tuple)


def _split(wrt: tuple[int, ...], args: tuple) -> Callable[[tuple], tuple]:
    """A function from the differentiated arguments to the full argument tuple."""
    def full(active: tuple) -> tuple:
        values = list(args)
        for index, value in zip(wrt, active):
            values[index] = value
        return tuple(values)
    return full


def _jax(module, args) -> Prepared:
    jax = _import("jax")
    jax.config.update("jax_enable_x64", True)
    jnp, lax = importlib.import_module("jax.numpy"), importlib.import_module("jax.lax")
    fn = module.jax_primal(jnp, lax) if hasattr(module, "jax_primal") else rebind(module.primal, np=jnp)
    device_args = tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
    static = tuple(i for i, a in enumerate(args) if isinstance(a, int))
    primal = jax.jit(fn, static_argnums=static)
    full = _split(module.WRT, device_args)
    active = tuple(device_args[i] for i in module.WRT)
    gradient = jax.jit(jax.grad(lambda act: fn(*full(act))))
    return Prepared(lambda: primal(*device_args).block_until_ready(),
                    lambda: jax.block_until_ready(gradient(active)),
                    lambda result: tuple(np.asarray(r) for r in result))


def _torch(module, args) -> Prepared:
    torch = _import("torch")
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    fn = module.torch_primal(torch) if hasattr(module, "torch_primal") else rebind(module.primal, np=torch)

    def tensors(requires_grad: bool) -> tuple:
        return tuple(torch.tensor(a, requires_grad=requires_grad and i in module.WRT)
                     if isinstance(a, (np.ndarray, float)) else a for i, a in enumerate(args))

    constants, leaves = tensors(False), tensors(True)

    def primal():
        with torch.no_grad():
            return fn(*constants)

    def gradient():
        return torch.autograd.grad(fn(*leaves), [leaves[i] for i in module.WRT])

    return Prepared(primal, gradient, lambda result: tuple(r.numpy() for r in result))


def _autograd(module, args) -> Prepared:
    autograd = _import("autograd")
    anp = importlib.import_module("autograd.numpy")
    fn = module.autograd_primal(anp) if hasattr(module, "autograd_primal") else rebind(module.primal, np=anp)
    full = _split(module.WRT, args)
    active = tuple(args[i] for i in module.WRT)
    gradient = autograd.grad(lambda act: fn(*full(act)))
    return Prepared(lambda: fn(*args), lambda: gradient(active), tuple)


def _numba(module, args) -> Prepared:
    numba = _import("numba")
    primal = module.numba_primal(numba)
    return Prepared(lambda: primal(*args), None, tuple)


_PREPARERS = {"zyg": _zyg, "manual": _manual, "jax": _jax, "torch": _torch, "autograd": _autograd,
              "numba": _numba}
