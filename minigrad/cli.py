"""The ``minigrad`` command (also ``python -m minigrad``).

Subcommands: ``demo`` trains a logistic regression from scratch.
"""
from __future__ import annotations

import argparse
import sys


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _cmd_demo(args):
    from . import demo

    report = demo.run(out=args.out, l2=args.l2, steps=args.steps, seed=args.seed,
                      dataset=args.dataset, plots=not args.no_plots)
    return 0 if report["gradient_check"] else 1


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be positive")
        return value

    parse.__name__ = kind.__name__
    return parse


def build_parser():
    parser = _Parser(prog="minigrad", description="minigrad: a small, exact autograd "
                     "framework on numpy. Run a subcommand with --help for its options.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    d = sub.add_parser("demo", help="train a logistic regression from scratch and check it",
                       description="Train a logistic regression from scratch (scikit-learn's "
                       "breast cancer set when scikit-learn is installed, a toy set otherwise): "
                       "check its gradient against finite differences, train with full-batch "
                       "steps, compare accuracy and coefficients with scikit-learn, and plot.")
    d.add_argument("--dataset", choices=["auto", "breast_cancer", "toy"], default="auto",
                   help="which data (default: breast_cancer if scikit-learn is installed)")
    d.add_argument("--l2", type=_positive(float), default=1e-2,
                   help="L2 penalty strength (default: %(default)s)")
    d.add_argument("--steps", type=_positive(int), default=3000,
                   help="most full-batch steps (default: %(default)s)")
    d.add_argument("--seed", type=int, default=0, help="seed of the split (default: 0)")
    d.add_argument("--out", default="minigrad-demo",
                   help="folder for the plots (default: %(default)s)")
    d.add_argument("--no-plots", action="store_true", help="do not draw plots")
    d.set_defaults(run=_cmd_demo)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ImportError, ValueError, OSError) as e:
        print(f"minigrad {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
