"""``mg.utils``: PyTorch's path to the data tools, ``mg.utils.data``."""
from . import data  # noqa: F401

__all__ = ["data"]
