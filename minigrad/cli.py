"""The ``minigrad`` command (also ``python -m minigrad``).

Subcommands: ``demo`` (train a logistic regression from scratch), ``explain``
(a loss step by step), ``plot`` (loss and training plots), ``graph`` (draw
the graph of a loss).
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


def _explain_inputs(args):
    """y_true and y_pred from the command line; --classes makes rows."""
    import numpy as np

    y_true, y_pred = np.array(args.y_true, dtype=float), np.array(args.y_pred, dtype=float)
    name = args.loss.lower()
    categorical = name in ("cce", "categorical_crossentropy", "sparse_cce", "scce",
                           "sparse_categorical_crossentropy")
    if categorical:
        if not args.classes:
            raise ValueError(f"{args.loss} needs --classes C: y_pred is read as rows of C "
                             "class scores")
        if y_pred.size % args.classes:
            raise ValueError(f"--y-pred has {y_pred.size} numbers, not a multiple of "
                             f"--classes {args.classes}")
        y_pred = y_pred.reshape(-1, args.classes)
        n = y_pred.shape[0]
        sparse = "sparse" in name or name == "scce"
        if y_true.size == n and not sparse:       # labels given to cce: one-hot them
            if np.any(y_true != np.round(y_true)) or np.any((y_true < 0) | (y_true >= args.classes)):
                raise ValueError("--y-true holds labels outside 0..C-1")
            y_true = np.eye(args.classes)[y_true.astype(int)]
        elif y_true.size == n * args.classes and not sparse:
            y_true = y_true.reshape(n, args.classes)
        elif y_true.size != n:
            raise ValueError(f"--y-true needs {n} labels" + ("" if sparse else
                             f" or {n * args.classes} one-hot numbers"))
    elif y_true.size != y_pred.size:
        raise ValueError(f"--y-true has {y_true.size} numbers but --y-pred has {y_pred.size}")
    return y_true, y_pred


def _cmd_explain(args):
    from .explain import explain

    y_true, y_pred = _explain_inputs(args)
    options = {}
    for key in ("label_smoothing", "gamma", "alpha", "delta"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    if args.class_balancing:
        options["apply_class_balancing"] = True
    explain(args.loss, y_true, y_pred, from_logits=args.from_logits, **options)
    return 0


def _cmd_plot(args):
    import os

    from . import plots

    if not plots.have_matplotlib():
        raise ImportError("plots need matplotlib: pip install 'minigrad[plot]'")
    if args.what == "losses":
        paths = [plots.bce_conventions(os.path.join(args.out, "bce_conventions.png")),
                 plots.loss_gallery(os.path.join(args.out, "losses.png"))]
    else:
        from . import demo, ops
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
        paths = [
            plots.training_curves(hist, os.path.join(args.out, "logreg_training.png"),
                                  f"logistic regression on {args.dataset}"),
            plots.probability_map(lambda pts: ops.sigmoid(Tensor(pts @ w + b)).numpy(), Xte, yte,
                                  os.path.join(args.out, "logreg_boundary.png"),
                                  f"logistic regression on {args.dataset} (test set): "
                                  f"accuracy {acc:.1%}")]
    print("plots: " + ", ".join(paths))
    return 0


# the seed documents' examples (y_true, y_pred)
_GRAPH_EXAMPLES = {
    "bce": ([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6]),
    "cce": ([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]],
            [[0.8, 0.05, 0.1, 0.05], [0.2, 0.5, 0.2, 0.1], [0.1, 0.1, 0.1, 0.7]]),
    "focal": ([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6]),
    "mse": ([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6]),
    "huber": ([0, 1, 0, 0], [0.1, 2.95, 0.2, 0.6]),
}


def _cmd_graph(args):
    import numpy as np

    from . import graph, losses, nn, ops
    from .engine import keep_values
    from .tensor import Tensor

    y_true, y_pred = _GRAPH_EXAMPLES[args.loss]
    y = np.array(y_true, dtype=np.float64)
    p = Tensor(np.array(y_pred, dtype=np.float64), requires_grad=True)
    keras = {"bce": losses.BinaryCrossentropy(from_logits=args.from_logits),
             "cce": losses.CategoricalCrossentropy(from_logits=args.from_logits),
             "focal": losses.BinaryFocalCrossentropy(from_logits=args.from_logits),
             "mse": losses.MeanSquaredError(), "huber": losses.Huber()}
    torch = {"bce": nn.BCEWithLogitsLoss() if args.from_logits else nn.BCELoss(),
             "cce": nn.CrossEntropyLoss(), "mse": nn.MSELoss(), "huber": nn.HuberLoss()}
    if args.flavour == "pytorch" and args.loss not in torch:
        raise ValueError(f"{args.loss} has no PyTorch flavour here; use --flavour keras")
    with keep_values():     # so that every box can show its value
        if args.flavour == "pytorch":
            fn = torch[args.loss]
            if args.loss == "cce":   # CrossEntropyLoss takes logits: log p of the probabilities
                loss = fn(p if args.from_logits else ops.log(p), y.argmax(1))
            else:
                loss = fn(p, Tensor(y))
        else:
            loss = keras[args.loss](y, p)
    out = args.out
    if out is None:
        out = "minigrad-graph.svg" if graph.have_graphviz() else "minigrad-graph.dot"
    dot = graph.to_dot(loss, names={"y_pred": p})
    if out.endswith(".dot") or graph.have_graphviz():
        graph.write(dot, out)
        print(f"the graph of {args.flavour} {args.loss} (value {loss.item():.10g}): {out}")
    else:
        dot_path = out.rsplit(".", 1)[0] + ".dot"
        graph.write(dot, dot_path)
        print(f"Graphviz's dot program is not installed, so {out} was not drawn; the DOT text is "
              f"in {dot_path} (render it with: dot -Tsvg {dot_path} -o {out})")
    return 0


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

    e = sub.add_parser("explain", help="a loss and its gradient step by step, under each "
                       "framework's convention",
                       description="Explain a loss step by step: each term, the sums, the "
                       "mean and the sign; the gradient per element; and the value under the "
                       "textbook formula, Keras 3, tf.keras 2.x and PyTorch, in float32 and "
                       "float64. Example: minigrad explain bce --y-true 0 1 0 0 --y-pred 0.1 "
                       "0.95 0.2 0.6")
    e.add_argument("loss", choices=["bce", "cce", "sparse_cce", "focal", "mse", "mae", "huber"],
                   help="which loss")
    e.add_argument("--y-true", type=float, nargs="+", required=True, metavar="Y",
                   help="targets (labels for sparse_cce, or for cce with --classes)")
    e.add_argument("--y-pred", type=float, nargs="+", required=True, metavar="P",
                   help="predictions: probabilities, or logits with --from-logits")
    e.add_argument("--from-logits", action="store_true", help="y_pred holds logits")
    e.add_argument("--classes", type=_positive(int),
                   help="number of classes: y_pred is read as rows of this many (cce, sparse_cce)")
    e.add_argument("--label-smoothing", type=float, help="bce, cce and focal")
    e.add_argument("--gamma", type=float, help="focal: the focusing exponent (default 2)")
    e.add_argument("--alpha", type=float, help="focal: the class weight (default 0.25)")
    e.add_argument("--class-balancing", action="store_true", help="focal: apply alpha")
    e.add_argument("--delta", type=_positive(float), help="huber: the threshold (default 1)")
    e.set_defaults(run=_cmd_explain)

    pl = sub.add_parser("plot", help="draw the losses and their gradients, or a training run",
                        description="'losses': each loss and its gradient against the "
                        "prediction, for y = 0 and y = 1, and binary cross-entropy near 0 and 1 "
                        "where Keras clips and PyTorch clamps. 'logreg': a logistic regression "
                        "trained from scratch: its training curves and decision boundary.")
    pl.add_argument("what", choices=["losses", "logreg"], help="which plots")
    pl.add_argument("--out", default="minigrad-plots",
                    help="folder for the PNG files (default: %(default)s)")
    pl.add_argument("--dataset", choices=["blobs", "moons"], default="blobs",
                    help="logreg: the 2-D toy set (default: %(default)s)")
    pl.add_argument("--l2", type=_positive(float), default=1e-3,
                    help="logreg: L2 penalty (default: %(default)s)")
    pl.add_argument("--steps", type=_positive(int), default=2000,
                    help="logreg: most full-batch steps (default: %(default)s)")
    pl.add_argument("--seed", type=int, default=0, help="logreg: data seed (default: 0)")
    pl.set_defaults(run=_cmd_plot)

    g = sub.add_parser("graph", help="draw the computation graph of a loss",
                       description="Build a loss on the seed documents' example and write its "
                       "graph: Graphviz DOT text, rendered to SVG/PNG when Graphviz is "
                       "installed. Each box shows the op, its shape, its value and its gradient.")
    g.add_argument("loss", nargs="?", default="bce", choices=sorted(_GRAPH_EXAMPLES),
                   help="which loss (default: bce)")
    g.add_argument("--flavour", choices=["keras", "pytorch"], default="keras",
                   help="which family's loss to draw (default: keras)")
    g.add_argument("--from-logits", action="store_true",
                   help="treat the example predictions as logits")
    g.add_argument("--out", help="output file: .svg, .png or .dot (default: minigrad-graph.svg, "
                   "or .dot without Graphviz)")
    g.set_defaults(run=_cmd_graph)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ImportError, ValueError, TypeError, IndexError, OSError, RuntimeError) as e:
        print(f"minigrad {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
