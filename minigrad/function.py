"""Custom ops, PyTorch style: subclass :class:`Function`, call ``apply``."""
from __future__ import annotations

import numpy as np

from . import engine
from .engine import Node
from .tensor import Tensor


class FunctionNode(Node):
    """The node (and ``ctx``) of a :class:`Function` call.

    Like PyTorch's ctx, it accepts any attribute (``ctx.alpha = 2``), and
    offers ``save_for_backward``, ``saved_tensors`` and ``needs_input_grad``.
    """

    function = None  # the Function subclass, set per subclass
    save_args = save_out = False   # forward saves what backward needs, in ctx

    def save_for_backward(self, *tensors):
        """Keep tensors for ``backward``; read them back from ``saved_tensors``.

        They are held in the node's ``ctx`` slot, which backward frees."""
        self.ctx = tensors

    @property
    def saved_tensors(self):
        if self.freed:
            raise RuntimeError(engine._FREED)
        saved = getattr(self, "ctx", None) or ()
        lifted = getattr(self, "_lifted_out", None)
        if lifted is not None:
            return tuple(lifted if s is self._out_tensor else s for s in saved)
        return saved

    @property
    def needs_input_grad(self):
        return tuple(e is not None for e in self.next)

    def saved_arrays(self):
        """The saved tensors' arrays, for the version check."""
        return [(f"saved tensor {i}", t._data) for i, t in enumerate(self.saved_tensors)
                if isinstance(t, Tensor)]

    def name(self):
        return self.function.__name__ + "Backward"

    def backward(self, g, out, *args):
        fn = self.function
        create = type(g) is Tensor
        if create:
            self._lifted_out = out
            grads = fn.backward(self, g)
        else:
            with engine.no_grad():
                grads = fn.backward(self, engine._make(g, None))
        self._lifted_out = None
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(self.next):
            raise ValueError(
                f"{fn.__name__}.backward returned {len(grads)} gradients, but forward "
                f"took {len(self.next)} inputs; return one per input (None for those "
                "that need none)"
            )
        result = []
        for i, (gi, shape, e) in enumerate(zip(grads, self._shapes, self.next)):
            if gi is None or e is None:
                result.append(None)
                continue
            data = gi._data if isinstance(gi, Tensor) else np.asarray(gi)
            if data.shape != shape:
                raise ValueError(
                    f"{fn.__name__}.backward returned a gradient of shape {data.shape} "
                    f"for input {i}, which has shape {shape}; they must match"
                )
            if create:
                result.append(gi if isinstance(gi, Tensor) else engine._make(data, None))
            else:
                result.append(data)
        return tuple(result)


class Function:
    """Base class for custom ops with a hand-written gradient.

    Subclass it with two static methods, ``forward(ctx, *inputs)`` returning
    one Tensor and ``backward(ctx, grad)`` returning one gradient per input
    (``None`` where none is needed); call it with ``MyOp.apply(*inputs)``.
    ``forward`` runs without recording; ``backward`` runs with recording
    only under ``create_graph=True``, so a backward written with minigrad
    ops supports higher-order gradients.

    Examples
    --------
    >>> import minigrad as mg
    >>> class Square(mg.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * grad
    >>> x = mg.tensor([3.0], requires_grad=True)
    >>> y = Square.apply(x)
    >>> y.backward(mg.ones(1))
    >>> y, x.grad
    (tensor([9.], grad_fn=<SquareBackward>), tensor([6.]))
    """

    @staticmethod
    def forward(ctx, *inputs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def _node_class(cls):
        node_cls = cls.__dict__.get("_node_cls")
        if node_cls is None:
            node_cls = type(cls.__name__, (FunctionNode,), {"function": cls})
            cls._node_cls = node_cls
        return node_cls

    @classmethod
    def apply(cls, *inputs):
        """Run ``forward`` and record the call for backward."""
        node_cls = cls._node_class()
        ctx = object.__new__(node_cls)
        ctx.next = tuple((t.grad_fn or t) if isinstance(t, Tensor) and t.requires_grad else None
                         for t in inputs)
        with engine.no_grad():
            out = cls.forward(ctx, *inputs)
        if isinstance(out, tuple):
            raise TypeError(f"{cls.__name__}.forward must return one Tensor, not a tuple")
        out_tensor = out if isinstance(out, Tensor) else None
        data = out._data if isinstance(out, Tensor) else np.asarray(out)
        result = engine.record(node_cls, data, inputs)
        if result.grad_fn is None:
            return result
        # record() made a fresh node; carry over what forward put on ctx
        node = result.grad_fn
        for k, v in vars(ctx).items():
            setattr(node, k, v)
        node.ctx = getattr(ctx, "ctx", None) or ()   # the saved tensors (a slot)
        node._out_tensor = out_tensor
        node._lifted_out = None
        if out_tensor is not None and any(x is out_tensor for x in node.saved_tensors):
            node.out = data      # saved by forward: keep it for create_graph's lifting
        node._shapes = tuple(np.shape(t.data if isinstance(t, Tensor) else t) for t in inputs)
        return result
