"""The benchmark workloads, each written once as the plain NumPy a user would write.

A workload module defines:
- `cases()`: its `Case`s (sizes), some marked for `--quick`;
- `inputs(**params)`: the positional arguments, as NumPy arrays and numbers;
- `WRT`: the indices of the arguments the gradient is taken with respect to;
- `primal`: the NumPy function itself (run by zyg, by NumPy, and re-bound to `jax.numpy`,
  `autograd.numpy` or `torch` for the peers);
- `gradient_by_hand(*args)`: the hand-written NumPy gradient, one array or float per `WRT` entry,
  which every system's gradient is checked against;
- optionally `jax_primal(jnp, lax)`, `torch_primal(torch)`, `autograd_primal(anp)` where that
  peer needs other code (a Python loop JAX would unroll becomes `lax.fori_loop`/`scan`; an in-place
  update becomes a list), with `NOTES[system]` saying what changed;
- optionally `primal_by_hand`, the NumPy primal a user would write by hand (else `primal`);
- optionally `REDUCED[system] = (params, factor)`: a peer too slow for the full size (a Python loop
  of 10^6 steps through PyTorch's or autograd's tape) runs at `params` and its times are multiplied
  by `factor`, the ratio of the work, which is linear in the size; the table says so;
- optionally `SKIP[system]`: why that peer is not run on this workload.
"""

from __future__ import annotations

import importlib
import types
from dataclasses import dataclass, field

WORKLOADS = ("gmm", "evalpoly", "sum_of_squares", "newton", "mlp", "lstm", "tree", "ode", "det", "ba", "llsq")


@dataclass(frozen=True)
class Case:
    """One workload at one size: `name` on the command line, `label` in the table."""

    name: str
    label: str
    workload: str
    params: dict = field(default_factory=dict, hash=False)
    quick: bool = False

    @property
    def module(self) -> types.ModuleType:
        return importlib.import_module(f"bench.workloads.{self.workload}")

    def inputs(self, system: str | None = None) -> tuple:
        """The arguments, at the reduced size for `system` if the workload has one."""
        return self.module.inputs(**self.reduced(system)[0])

    def reduced(self, system: str | None) -> tuple[dict, float]:
        """The parameters `system` runs at and the factor its times are scaled by (1: the full size)."""
        reduced = getattr(self.module, "REDUCED", {}).get(system)
        if reduced is None:
            return self.params, 1.0
        params, factor = reduced
        return {**self.params, **params}, factor


def all_cases() -> list[Case]:
    """Every case of every workload, in table order."""
    return [case for name in WORKLOADS for case in importlib.import_module(f"bench.workloads.{name}").cases()]


def rebind(fn: types.FunctionType, **names) -> types.FunctionType:
    """`fn` with the globals in `names` replaced (e.g. `np=jax.numpy`), together with every function
    of its module that it may call, so the same source runs on another array library."""
    namespace = dict(fn.__globals__)
    namespace.update(names)
    for key, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == fn.__module__:
            namespace[key] = types.FunctionType(value.__code__, namespace, value.__name__, value.__defaults__,
                                                value.__closure__)
    return namespace[fn.__name__]


def njit_module(fn: types.FunctionType, numba: types.ModuleType):
    """`fn` compiled by `numba.njit`, with every function of its module that it may call compiled
    too (numba calls only compiled functions), so the same source runs under numba."""
    namespace = dict(fn.__globals__)
    for key, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == fn.__module__:
            namespace[key] = numba.njit(types.FunctionType(value.__code__, namespace, value.__name__,
                                                           value.__defaults__, value.__closure__))
    return namespace[fn.__name__]
