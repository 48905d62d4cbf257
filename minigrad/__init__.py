"""minigrad: a small, fast, exact tensor autograd framework on numpy.

>>> import minigrad as mg
>>> x = mg.tensor([0.5, -1.0], requires_grad=True)
>>> loss = mg.sigmoid(x).sum()
>>> loss.backward()
>>> x.grad
tensor([0.23500371, 0.19661193])
"""
from . import engine  # noqa: F401  (mg.engine, for the curious)
from .modes import (detect_anomaly, enable_grad, is_grad_enabled, keep_values, no_grad,
                    set_grad_enabled)
from .function import Function
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, jacobians
from .ops import *  # noqa: F401,F403  (the op functions: mg.exp, mg.sum, ...)
from .ops import __all__ as _ops_all
from .tensor import Tensor, as_tensor, from_numpy, get_default_dtype, grad, set_default_dtype, tensor

# constructors, the CPU device and PyTorch's dtype names (numpy's scalar types)
from .creation import (arange, empty, eye, full, full_like, linspace, ones, ones_like, rand,
                       rand_like, randint, randn, randn_like, zeros, zeros_like)
from .device import accelerator, backends, cuda, device
from numpy import bool_ as bool, float32, float64, int32, int64  # noqa: A004
from numpy import float32 as float, float64 as double, int32 as int, int64 as long  # noqa: A004

_CONSTRUCTORS = ["zeros", "ones", "empty", "full", "eye", "arange", "linspace", "rand", "randn",
                 "randint", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like"]
# (mg.float, mg.int and mg.bool exist too, but stay out of __all__: a star import must
# not shadow Python's float, int and bool)
_DTYPES = ["float32", "float64", "double", "int64", "long", "int32"]

# PyTorch's functional spellings of Tensor methods (issue 20)
from .ops.elementwise import clip as clamp  # noqa: E402
from .ops.indexing import gather  # noqa: E402
from .ops.shape import flatten, permute, transpose, unsqueeze  # noqa: E402

# nn before losses: the loss declarations (minigrad.lossdefs) subclass nn.Module, and
# nn's faces read their registry
from . import datasets, formulas, nn, losses, optim  # noqa: E402
from . import data, metrics, random, utils  # noqa: E402
from .random import manual_seed  # noqa: E402
from .serialization import load, save  # noqa: E402
from .explain import explain  # noqa: E402
from .graph import draw, to_dot, trace  # noqa: E402
from . import callbacks  # noqa: E402
from .training import History, fit  # noqa: E402
from .summary import summary  # noqa: E402
from .compiler import compile  # noqa: E402,A004

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "as_tensor", "from_numpy", *_CONSTRUCTORS, *_DTYPES, "device", "cuda",
    "accelerator", "backends",
    "utils", "get_default_dtype", "set_default_dtype", "grad", "no_grad", "enable_grad",
    "set_grad_enabled", "is_grad_enabled", "detect_anomaly", "keep_values", "Function", "gradcheck",
    "gradgradcheck", "jacobians", "GradcheckError", "losses", "nn", "formulas", "optim", "datasets", "explain", "trace", "to_dot", "draw",
    "data", "metrics", "random", "manual_seed", "save", "load",
    "callbacks", "fit", "History", "summary", "compile",
    "clamp", "gather", "flatten", "permute", "unsqueeze",
    *_ops_all,
]
