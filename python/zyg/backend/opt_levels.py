"""The two LLVM optimisation levels of zyg's native code (see `zyg.tier_up`).

A fresh compile first runs code LLVM compiled at `QUICK_OPT_LEVEL` (-O0: no IR optimisation, the fast
instruction selector), while a process of its own compiles the same module at `OPT_LEVEL`, which then
takes over its calls and is what the disk cache keeps. Measured on the GMM gradient (d=20 K=10): LLVM
takes 0.28 s at -O0, 0.89 s at -O1, 0.92 s at -O2 and 1.16 s at -O3; the gradient runs in 2.10, 1.12,
1.10 and 1.12 ms.
"""

# LLVM -O2 vectorises and inlines as -O3 does for zyg's code; on the MLP gradient it compiles in 0.40 s
# instead of 0.56 s with no measurable change in run time.
OPT_LEVEL = 2
QUICK_OPT_LEVEL = 0
