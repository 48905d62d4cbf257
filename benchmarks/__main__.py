"""Run the benchmark suite: ``python -m benchmarks [--tiny] [--only a,b] [--json PATH]``.

Prints a table (time per case and implementation, and each target's ratio
with met / MISSED) and writes the same as JSON.
"""
from __future__ import annotations

import argparse
import os
import sys

from .cases import CASES
from .harness import format_markdown, format_table, machine_info, run_case, write_json


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true",
                        help="run every case at tiny sizes, once (a smoke test, not a measurement)")
    parser.add_argument("--only", default="", help="comma-separated case names, e.g. a,b")
    parser.add_argument("--json", default=os.path.join("benchmarks", "results", "latest.json"),
                        help="where to write the results (default: %(default)s)")
    parser.add_argument("--markdown", help="also write the table as Markdown to this file")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and PyTorch threads (default: 1; BLAS takes it at start-up)")
    args = parser.parse_args(argv)
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        pass
    wanted = {n for n in args.only.split(",") if n}
    unknown = wanted - {c.name for c in CASES}
    if unknown:
        parser.error(f"unknown case(s) {sorted(unknown)}; valid: {[c.name for c in CASES]}")
    info = machine_info()
    results = []
    for case in CASES:
        if wanted and case.name not in wanted:
            continue
        print(f"running {case.name}: {case.title} ...", file=sys.stderr, flush=True)
        results.append(run_case(case, "tiny" if args.tiny else "full"))
    print(format_table(results, info))
    write_json(args.json, results, info)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(format_markdown(results, info) + "\n")
    print(f"\nwritten to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
