"""Differential fuzzing of zyg: random programs in, a report of where zyg disagrees with Python out.

`scalar_programs` and `array_programs` write random Python source over the language zyg supports
(`structured` adds structured arguments, statements and results to both, over the types of `trees`),
`oracle` runs one program through zyg and through CPython/NumPy and classifies it, `sandbox` does
that in a child process so a crash or a hang in compiled code is a result and not the fuzzer's end,
`reduce` shrinks a failing program, and `campaign` (behind `python -m zyg.fuzz`) ties them together.
"""
