"""The command line: `python -m zyg.fuzz --minutes N [--seed S] [--programs M] [--kinds scalar,array]
[--out DIR] [--all-constructs]` runs a campaign and prints its report; reproducers go to DIR."""

from __future__ import annotations

import argparse
import sys

from zyg.fuzz import campaign
from zyg.fuzz.constructs import HELD_BACK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zyg.fuzz", description=__doc__)
    parser.add_argument("--minutes", type=float, default=None, help="stop after this long")
    parser.add_argument("--programs", type=int, default=None, help="stop after this many programs")
    parser.add_argument("--seed", type=int, default=0, help="program i is generated from seed + i")
    parser.add_argument("--kinds", default="scalar,array", help="comma-separated: scalar, array")
    parser.add_argument("--out", default="fuzz-out", help="where the reduced reproducers go")
    parser.add_argument("--all-constructs", action="store_true",
                        help=f"also generate the held-back constructs ({', '.join(sorted(HELD_BACK)) or 'none now'})")
    parser.add_argument("--jit-every", type=int, default=4, help="also check zyg.jit on every n-th program")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a program counts as a hang")
    parser.add_argument("--reduce-seconds", type=float, default=120.0, help="time to reduce each failure")
    args = parser.parse_args(argv)
    if args.minutes is None and args.programs is None:
        parser.error("give --minutes or --programs")
    kinds = [kind for kind in args.kinds.split(",") if kind]
    unknown = set(kinds) - set(campaign.GENERATORS)
    if unknown:
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    report = campaign.run(kinds, args.programs, args.minutes, args.seed, args.out, args.all_constructs,
                          args.jit_every, args.reduce_seconds, args.timeout)
    print(report.text())
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
