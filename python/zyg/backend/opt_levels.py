"""The LLVM optimisation levels of zyg's native code (see `zyg.tier_up`).

A fresh compile first runs quick code: LLVM's -O0 (no IR optimisation, the fast instruction selector
and register allocator; `quick_jit.py`, or `ExecutionEngine` at `QUICK_OPT_LEVEL` where that has no
target), while a process of its own compiles the same module at `OPT_LEVEL`, which then takes over its
calls and is what the disk cache keeps. Measured on the GMM gradient (d=20 K=10): LLVM takes 0.055 s for
the quick code, which runs in 4.5 ms, and 0.92 s at -O2 for 1.06 ms (the engine's -O1 and -O3: 0.89 s
and 1.16 s for 1.12 ms); the LSTM gradient (l=2): 0.061 s for 11.3 ms, against 3.4 ms optimised.
"""

# LLVM -O2 vectorises and inlines as -O3 does for zyg's code; on the MLP gradient it compiles in 0.40 s
# instead of 0.56 s with no measurable change in run time.
OPT_LEVEL = 2
QUICK_OPT_LEVEL = 0
