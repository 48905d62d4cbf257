"""The ``minigrad`` command (also ``python -m minigrad``).

Subcommands: ``demo`` (train a logistic regression from scratch), ``explain``
(a loss step by step), ``plot`` (loss and training plots), ``graph`` (draw
the graph of a loss).  A bad argument gets one line on stderr and exit
status 2, as argparse does.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import shlex
import sys

from .explain import LOSSES, resolve
from .lossdefs.registry import OPTIONS

# What argparse takes for a negative number rather than an option: its own
# pattern (-1, -.5) misses scientific notation (-1e3, -1E-5) and -inf/-nan,
# which then fail as "expected one argument"; with this one they reach the
# option's type, which says what is wrong with them.
_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$",
                              re.IGNORECASE)


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit status 2,
    and negative numbers in any notation are values, not options."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(kind=float, low=None, high=None, low_open=False):
    """An argparse type: a finite number of ``kind`` (int or float) in
    ``[low, high]`` (``(low, high]`` when ``low_open``), else one line that
    says what to pass."""
    what = "an integer" if kind is int else "a number"
    bounds = ("" if low is None and high is None else
              f" > {low:g}" if low_open and high is None else
              f" >= {low:g}" if high is None else
              f" in {'(' if low_open else '['}{low:g}, {high:g}]")

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not finite; give {what}{bounds}")
        if kind is int:
            if value != int(value):
                raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
            value = int(text) if re.fullmatch(r"[-+]?\d+", text.strip()) else int(value)
        if (low is not None and (value < low or low_open and value == low)
                or high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text!r} is out of range: give {what}{bounds}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _loss_name(text):
    """An argparse type: any name or alias of a loss that ``mg.explain`` knows."""
    try:
        return resolve(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _figure_path(text):
    """An argparse type: a file name ending in one of the suffixes graph.write knows."""
    from .graph import FORMATS

    if os.path.splitext(text)[1].lower().lstrip(".") not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: unknown suffix; use {', '.join('.' + f for f in FORMATS)}")
    return text


# ------------------------------------------------------------------ demo

def _cmd_demo(args):
    """Train a logistic regression from scratch (scikit-learn's breast cancer
    set when scikit-learn is installed, a toy set otherwise): check its
    gradient against finite differences, train with full-batch steps, compare
    accuracy and coefficients with scikit-learn, and plot."""
    from . import demo

    report = demo.run(out=args.out, l2=args.l2, steps=args.steps, seed=args.seed,
                      dataset=args.dataset, plots=not args.no_plots)
    return 0 if report["gradient_check"] else 1


def _subcommand(sub, run, summary):
    """The parser of the subcommand that ``run`` (``_cmd_NAME``) runs: its
    description is run's docstring, ``summary`` its line in ``--help``."""
    p = sub.add_parser(run.__name__[len("_cmd_"):], help=summary, description=run.__doc__)
    p.set_defaults(run=run)
    return p


def _add_training_options(p, l2, steps, prefix=""):
    p.add_argument("--l2", type=_number(float, 0, 1e4, low_open=True), default=l2,
                   help=f"{prefix}L2 penalty strength, in (0, 1e4]: beyond, the finite-difference "
                   "gradient check loses its precision (default: %(default)s)")
    p.add_argument("--steps", type=_number(int, 1), default=steps,
                   help=f"{prefix}most full-batch steps (default: %(default)s)")
    p.add_argument("--seed", type=_number(int, 0), default=0,
                   help=f"{prefix}seed of the data, >= 0 (default: 0)")


def _add_data_options(p, datasets, dataset_help, out, out_what):
    """--dataset (the first of ``datasets`` by default) and the --out folder."""
    p.add_argument("--dataset", choices=datasets, default=datasets[0], help=dataset_help)
    p.add_argument("--out", default=out,
                   help=f"folder for {out_what}, made if missing (default: %(default)s)")


def _add_demo(sub):
    d = _subcommand(sub, _cmd_demo, "train a logistic regression from scratch and check it")
    _add_data_options(d, ["auto", "breast_cancer", "toy"], "which data (default: "
                      "breast_cancer if scikit-learn is installed)", "minigrad-demo", "the plots")
    _add_training_options(d, 1e-2, 3000)
    d.add_argument("--no-plots", action="store_true", help="do not draw plots")


# --------------------------------------------------------------- explain

def _explain_inputs(args):
    """y_true and y_pred from the command line; --classes makes rows."""
    import numpy as np

    y_true, y_pred = np.array(args.y_true, dtype=float), np.array(args.y_pred, dtype=float)
    info = LOSSES[args.loss]
    if info.targets == "elements":
        if y_true.size != y_pred.size:
            raise ValueError(f"--y-true has {y_true.size} numbers but --y-pred has "
                             f"{y_pred.size}")
        return y_true, y_pred
    if not args.classes:
        raise ValueError(f"{info.short} needs --classes C: y_pred is read as rows of C class "
                         "scores")
    if y_pred.size % args.classes:
        raise ValueError(f"--y-pred has {y_pred.size} numbers, not a multiple of "
                         f"--classes {args.classes}")
    y_pred = y_pred.reshape(-1, args.classes)
    n = y_pred.shape[0]
    sparse = info.targets == "labels"
    if y_true.size == n and not sparse:       # labels given to cce: one-hot them
        if np.any(y_true != np.round(y_true)) or np.any((y_true < 0) | (y_true >= args.classes)):
            raise ValueError("--y-true holds labels outside 0..C-1")
        y_true = np.eye(args.classes)[y_true.astype(int)]
    elif y_true.size == n * args.classes and not sparse:
        y_true = y_true.reshape(n, args.classes)
    elif y_true.size != n:
        raise ValueError(f"--y-true needs {n} labels" + ("" if sparse else
                         f" or {n * args.classes} one-hot numbers"))
    return y_true, y_pred


def _cmd_explain(args):
    """Explain a loss step by step: each term, the sums, the mean and the
    sign; the gradient per element; and the value under the textbook
    formula, Keras 3, tf.keras 2.x and PyTorch, in float32 and float64.
    Example: minigrad explain bce --y-true 0 1 0 0 --y-pred 0.1 0.95 0.2 0.6"""
    from .explain import explain

    info = LOSSES[args.loss]
    options = {name: getattr(args, name) for name in OPTIONS
               if getattr(args, name) is not None and getattr(args, name) is not False}
    for key in options:
        if key not in info.options:
            valid = ", ".join(OPTIONS[k].flag for k in info.options) or "none"
            raise ValueError(f"{OPTIONS[key].flag} does not apply to {info.short} "
                             f"(its options: {valid})")
    if args.from_logits and not info.logits:
        raise ValueError(f"{info.short} has no logits; leave out --from-logits")
    y_true, y_pred = _explain_inputs(args)
    print(explain(args.loss, y_true, y_pred, from_logits=args.from_logits, **options))
    return 0


def _loss_help():
    return ("which loss: " + ", ".join(info.short for info in LOSSES.values()) +
            ", or a Keras name such as binary_crossentropy (any case)")


def _shorts(test):
    """The short names of the explained losses that pass ``test(info)``, as words."""
    names = [info.short for info in LOSSES.values() if test(info)]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def _add_option(e, option):
    """The flag of an explain option, for the losses that take it."""
    takers = _shorts(lambda info: option.name in info.options)
    if option.is_switch:
        e.add_argument(option.flag, dest=option.name, action="store_true",
                       help=f"{takers}: {option.help}")
    else:
        e.add_argument(option.flag, dest=option.name, help=f"{takers}: {option.help}",
                       type=_number(float, option.low, option.high, option.low_open))


def _add_explain(sub):
    e = _subcommand(sub, _cmd_explain, "a loss and its gradient step by step, under each "
                    "framework's convention")
    e.add_argument("loss", type=_loss_name, metavar="LOSS", help=_loss_help())
    number = _number(float)
    e.add_argument("--y-true", type=number, nargs="+", required=True, metavar="Y",
                   help="targets (labels for "
                   + _shorts(lambda info: info.targets == "labels") + ", or for "
                   + _shorts(lambda info: info.targets == "one_hot") + " with --classes)")
    e.add_argument("--y-pred", type=number, nargs="+", required=True, metavar="P",
                   help="predictions: probabilities, or logits with --from-logits "
                   "(negative numbers in any notation: -2, -1e3)")
    e.add_argument("--from-logits", action="store_true", help="y_pred holds logits")
    e.add_argument("--classes", type=_number(int, 1),
                   help="number of classes: y_pred is read as rows of this many ("
                   + _shorts(lambda info: info.targets != "elements") + ")")
    for option in OPTIONS.values():
        _add_option(e, option)


# ------------------------------------------------------------------ plot

def _cmd_plot(args):
    """'losses': each loss and its gradient against the prediction, for y = 0
    and y = 1, and binary cross-entropy near 0 and 1 where Keras clips and
    PyTorch clamps. 'logreg': a logistic regression trained from scratch:
    its training curves and decision boundary."""
    from . import demo, plots

    if not plots.have_matplotlib():
        raise ImportError("plots need matplotlib: pip install 'minigrad[plot]'")
    demo.prepare_folder(args.out)
    if args.what == "losses":
        paths = [plots.bce_conventions(os.path.join(args.out, "bce_conventions.png")),
                 plots.loss_gallery(os.path.join(args.out, "losses.png"))]
    else:
        paths = _plot_logreg(args)
    print("plots: " + ", ".join(paths))
    return 0


def _plot_logreg(args):
    from . import demo, ops, plots
    from .datasets import make_blobs, make_moons, train_test_split
    from .tensor import Tensor

    make = {"blobs": lambda: make_blobs(400, noise=2.0, seed=args.seed, centers=2),
            "moons": lambda: make_moons(400, noise=0.2, seed=args.seed)}[args.dataset]
    X, y = make()
    Xtr, Xte, ytr, yte = train_test_split(X, y, 0.25, seed=args.seed)
    Xtr, Xte = demo.standardize(Xtr, Xte)
    model = demo.LogisticRegression(2)
    hist = demo.fit(model, Xtr, ytr, args.l2, steps=args.steps, tol=1e-9, every=10**9)
    acc = demo.accuracy(model, Tensor(Xte), yte)
    w, b = model.w.numpy(), model.b.item()
    return [plots.training_curves(hist, os.path.join(args.out, "logreg_training.png"),
                                  f"logistic regression on {args.dataset}"),
            plots.probability_map(lambda pts: ops.sigmoid(Tensor(pts @ w + b)).numpy(), Xte, yte,
                                  os.path.join(args.out, "logreg_boundary.png"),
                                  f"logistic regression on {args.dataset} (test set): "
                                  f"accuracy {acc:.1%}")]


def _add_plot(sub):
    pl = _subcommand(sub, _cmd_plot, "draw the losses and their gradients, or a training run")
    pl.add_argument("what", choices=["losses", "logreg"], help="which plots")
    _add_data_options(pl, ["blobs", "moons"], "logreg: the 2-D toy set (default: %(default)s)",
                      "minigrad-plots", "the PNG files")
    _add_training_options(pl, 1e-3, 2000, prefix="logreg: ")


# ----------------------------------------------------------------- graph

def _loss_of(info, flavour, from_logits):
    """``loss(y, p)`` of the loss ``info`` in the family ``flavour``."""
    if flavour == "pytorch" and info.torch is None:
        raise ValueError(f"{info.short} has no PyTorch flavour here; use --flavour keras")
    if from_logits and not info.logits:
        raise ValueError(f"{info.short} has no logits; leave out --from-logits")
    if flavour == "pytorch":
        return lambda y, p: info.torch(y, p, from_logits)
    loss = info.keras(from_logits=from_logits) if info.logits else info.keras()
    return lambda y, p: loss(y, p)


def _example(info):
    """The example of the BCE/CCE walkthroughs for ``info``: y and y_pred (float64)."""
    import numpy as np

    y_true, y_pred = info.example
    return np.array(y_true, dtype=np.float64), np.array(y_pred, dtype=np.float64)


def _graph_loss(info, flavour, from_logits):
    """The loss ``info`` of its example, built with every value kept, and y_pred."""
    from .engine import keep_values
    from .tensor import Tensor

    loss_of = _loss_of(info, flavour, from_logits)
    y, y_pred = _example(info)
    p = Tensor(y_pred, requires_grad=True)
    with keep_values():     # so that every box can show its value
        loss = loss_of(y, p)
    return loss, p


def _cmd_graph(args):
    """Build a loss on the example of the BCE/CCE walkthroughs (TensorFlow,
    Keras, PyTorch and numpy) and write its graph: an SVG picture (laid out
    by Graphviz when it is installed, else by minigrad), DOT text, or a
    PNG/PDF drawn by Graphviz. Each box shows the op, its shape, its value
    and its gradient."""
    from . import graph

    info = LOSSES[args.loss]
    loss, p = _graph_loss(info, args.flavour, args.from_logits)
    what = f"the graph of {args.flavour} {info.short} (value {loss.item():.10g})"
    out = args.out or "minigrad-graph.svg"
    fmt = os.path.splitext(out)[1].lower().lstrip(".")
    if fmt in ("dot", "svg") or graph.have_graphviz():
        graph.to_dot(loss, path=out, names={"y_pred": p})
        view = {"svg": "open it in a web browser",
                "dot": f"render it with: dot -Tsvg {shlex.quote(out)} -o graph.svg"}.get(fmt)
        print(f"{what}: {out}" + (f" ({view})" if view else ""))
        return 0
    svg_path = os.path.splitext(out)[0] + ".svg"
    graph.to_dot(loss, path=svg_path, names={"y_pred": p})
    print(f"minigrad graph: error: {out} was not drawn: .{fmt} needs Graphviz's dot program, "
          f"which is not installed; {what} is in {svg_path} (open it in a web browser; "
          f"or install Graphviz: apt-get install graphviz, brew install graphviz or conda "
          f"install graphviz)", file=sys.stderr)
    return 1


def _add_graph(sub):
    from .graph import FORMATS

    g = _subcommand(sub, _cmd_graph, "draw the computation graph of a loss")
    g.add_argument("loss", nargs="?", default="bce", type=_loss_name, metavar="LOSS",
                   help=_loss_help() + " (default: bce)")
    g.add_argument("--flavour", choices=["keras", "pytorch"], default="keras",
                   help="which family's loss to draw (default: keras)")
    g.add_argument("--from-logits", action="store_true",
                   help="treat the example predictions as logits")
    g.add_argument("--out", type=_figure_path,
                   help=f"output file: {', '.join('.' + f for f in FORMATS)} (default: "
                   "minigrad-graph.svg, laid out by Graphviz when it is installed, else by "
                   "minigrad; .png and .pdf need Graphviz: without it the SVG goes beside "
                   "them and the exit status is 1)")


# ------------------------------------------------------------------ code

def _cmd_code(args):
    """Print the numpy code that computes a loss's gradient, on the example of
    the BCE/CCE walkthroughs: the backward pass as mg.compile records and runs
    it, one numpy call per line, reading what the forward pass saved.
    Example: minigrad code bce --from-logits"""
    from .compiler import compile as compile_step
    from .tensor import Tensor

    info = LOSSES[args.loss]
    loss_of = _loss_of(info, args.flavour, args.from_logits)

    def loss_and_gradient(y_true, y_pred):
        loss = loss_of(y_true, y_pred)
        loss.backward()
        return loss
    name = info.short.replace("-", "_") + ("_from_logits" if args.from_logits else "")
    loss_and_gradient.__name__ = f"{name}_{args.flavour}"
    step = compile_step(loss_and_gradient)
    y, y_pred = _example(info)
    p = Tensor(y_pred, requires_grad=True)
    loss = step(y, p)
    print(f"# {args.flavour} {info.short}{' from logits' if args.from_logits else ''} on "
          f"y_true = {y.tolist()}, y_pred = {y_pred.tolist()}:")
    print(f"# loss = {loss.item():.10g}, y_pred.grad = {p.grad.numpy().tolist()}")
    print(step.code, end="")
    return 0


def _add_code(sub):
    c = _subcommand(sub, _cmd_code, "print the numpy code of a loss's gradient")
    c.add_argument("loss", type=_loss_name, metavar="LOSS", help=_loss_help())
    c.add_argument("--flavour", choices=["keras", "pytorch"], default="keras",
                   help="which family's loss (default: keras)")
    c.add_argument("--from-logits", action="store_true",
                   help="treat the example predictions as logits")


# ------------------------------------------------------------------ main

def build_parser():
    """The argument parser of the ``minigrad`` command.

    Examples
    --------
    >>> from minigrad.cli import build_parser
    >>> args = build_parser().parse_args(["explain", "BCE", "--y-true", "1", "--y-pred", "-1e3",
    ...                                   "--from-logits"])
    >>> args.loss, args.y_pred
    ('binary_crossentropy', [-1000.0])
    """
    from . import __version__

    parser = _Parser(prog="minigrad", description="minigrad: a small, exact autograd "
                     "framework on numpy. Run a subcommand with --help for its options.")
    parser.add_argument("--version", action="version", version=f"minigrad {__version__}",
                        help="print minigrad's version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    for add in (_add_demo, _add_explain, _add_plot, _add_graph, _add_code):
        add(sub)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status.

    Examples
    --------
    >>> from minigrad.cli import main
    >>> main(["explain", "mse", "--y-true", "0", "--y-pred", "0.5"])   # doctest: +ELLIPSIS
    Mean squared error (Keras and PyTorch agree)
    ...
    0
    """
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ImportError, ValueError, TypeError, IndexError, OSError, RuntimeError,
            ArithmeticError) as e:
        print(f"minigrad {args.command}: error: {in_cli_words(str(e))}", file=sys.stderr)
        return 2


#: The library's words for an option, in an error message -> the command line's.
_CLI_WORDS = {"from_logits=True": "--from-logits", "from_logits": "--from-logits",
              "y_true": "--y-true", "y_pred": "--y-pred"}


def in_cli_words(message):
    """An error message of the library as the command line says it: its
    options as flags (``pass from_logits=True`` -> ``pass --from-logits``).

    Examples
    --------
    >>> from minigrad.cli import in_cli_words
    >>> in_cli_words("y_pred holds values outside [0, 1]; pass from_logits=True if logits")
    '--y-pred holds values outside [0, 1]; pass --from-logits if logits'
    """
    pattern = "|".join(re.escape(w) for w in sorted(_CLI_WORDS, key=len, reverse=True))
    return re.sub(rf"(?<![\w.-])({pattern})(?![\w])", lambda m: _CLI_WORDS[m.group(1)], message)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
