"""``mg.save`` / ``mg.load``: checkpoints in ``.npz`` that never unpickle.

A saved object is a tree of dicts, lists and tuples whose leaves are numpy
arrays, Tensors, numpy scalars, Python numbers, strings, booleans and None:
module and optimizer state dicts, or whole checkpoints such as
``{"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}``.

The file is a plain ``np.savez`` archive: every array (and Tensor, and numpy
scalar) is an entry of its own, and the tree is JSON text in one more entry,
``__minigrad__``, a 0-d unicode array.  The JSON keeps what JSON alone
would lose: tuples stay tuples, dict keys keep their types (the int
parameter indices of an optimizer's ``"state"`` come back as ints), ints
stay ints, floats (NaN and infinities too) round-trip exactly, an
``OrderedDict`` stays one, Tensors come back as Tensors with their
``requires_grad`` (``nn.Parameter`` as ``Parameter``).  Arrays come back
bit for bit with their dtype and shape.  Not kept: gradients and graph
history, and sharing (an array stored twice loads as two arrays).

Loading calls ``np.load(path, allow_pickle=False)``: nothing in the file is
ever executed, and a file holding pickled objects is refused.
"""
from __future__ import annotations

import collections
import json
import math
import os

import numpy as np

from .nn.module import Parameter
from .tensor import Tensor

STRUCTURE = "__minigrad__"      # the entry holding the JSON tree
_FORMAT, _VERSION = "minigrad.save", 1
_SUPPORTED = ("dicts, lists and tuples of numpy arrays, Tensors, numbers, strings, "
              "booleans and None")


def _step(where, key):
    """``where`` followed by ``[key]``, strings in double quotes: obj["model"]["w"]."""
    return f"{where}[{json.dumps(key) if isinstance(key, str) else repr(key)}]"


class _Writer:
    """Turns an object into a JSON tree, collecting its arrays as entries."""

    def __init__(self):
        self.entries, self._open = {}, set()

    def entry(self, arr, where):
        if arr.dtype.hasobject:
            raise TypeError(f"mg.save cannot store {where}: it is an array of dtype "
                            f"{arr.dtype}, which np.savez would pickle (and mg.load never "
                            "unpickles); convert it to a numeric or string array")
        name = f"a{len(self.entries)}"
        self.entries[name] = arr
        return name

    def encode(self, obj, where):
        if obj is None or isinstance(obj, bool):
            return obj
        if isinstance(obj, np.generic):
            return {"scalar": self.entry(np.asarray(obj), where)}
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
        if isinstance(obj, Tensor):
            return {"tensor": self.entry(obj.data, where), "requires_grad": obj.requires_grad,
                    "parameter": isinstance(obj, Parameter)}
        if isinstance(obj, np.ndarray):
            return {"array": self.entry(np.asarray(obj), where)}
        if isinstance(obj, (list, tuple, dict)):
            return self.container(obj, where)
        raise TypeError(f"mg.save cannot store {where}: a {type(obj).__name__} ({obj!r:.60}); "
                        f"it stores {_SUPPORTED}")

    def container(self, obj, where):
        if id(obj) in self._open:
            raise ValueError(f"mg.save cannot store {where}: it contains itself")
        self._open.add(id(obj))
        try:
            if isinstance(obj, dict):
                pairs = [[self.key(k, where), self.encode(v, _step(where, k))]
                         for k, v in obj.items()]
                return {"dict": pairs, "ordered": isinstance(obj, collections.OrderedDict)}
            items = [self.encode(v, _step(where, i)) for i, v in enumerate(obj)]
            return {"tuple" if isinstance(obj, tuple) else "list": items}
        finally:
            self._open.discard(id(obj))

    def key(self, k, where):
        plain = k is None or isinstance(k, (str, int, float, tuple, np.generic))
        if isinstance(k, Tensor) or not plain:
            raise TypeError(f"mg.save cannot store the key {k!r:.60} of {where}: dict keys "
                            "must be strings, numbers, booleans, None or tuples of those")
        return self.encode(k, f"{where} (a key)")


def save(obj, path):
    """Save ``obj`` (a tree of dicts, lists and tuples of arrays, Tensors,
    numbers, strings, booleans and None) to ``path`` in ``.npz`` format.

    Parameters
    ----------
    obj : object
        E.g. ``model.state_dict()``, ``optimizer.state_dict()`` or a dict of
        those with other training state.
    path : str, os.PathLike or a binary file object
        Written as given: no ``.npz`` is appended (unlike ``np.savez``).

    Raises
    ------
    TypeError
        For anything else in ``obj`` (a set, a function, an object array),
        naming where it is, e.g. ``obj["model"]["w"]``; nothing is written.

    Examples
    --------
    >>> import io
    >>> import minigrad as mg
    >>> buf = io.BytesIO()
    >>> mg.save({"w": mg.tensor([1.0, 2.0], requires_grad=True), "epoch": 3}, buf)
    >>> _ = buf.seek(0)
    >>> mg.load(buf)
    {'w': tensor([1., 2.], requires_grad=True), 'epoch': 3}
    """
    writer = _Writer()
    root = writer.encode(obj, "obj")
    header = json.dumps({"format": _FORMAT, "version": _VERSION, "root": root},
                        allow_nan=False, ensure_ascii=False)
    entries = {**writer.entries, STRUCTURE: np.array(header)}
    if hasattr(path, "write"):
        np.savez(path, **entries)
    else:
        with open(os.fspath(path), "wb") as f:
            np.savez(f, **entries)


def _describe(path):
    return repr(os.fspath(path)) if isinstance(path, (str, os.PathLike)) else "the file"


def _pickled(what):
    return ValueError(f"{what} holds pickled objects; mg.load never unpickles (unpickling can "
                      "run code from the file), so it refuses this file. mg.save never writes "
                      "pickles: this file came from elsewhere")


def _read_entries(path):
    """Every entry of the archive at ``path`` as arrays, never unpickling."""
    what = _describe(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as e:
        if "pickle" in str(e):
            raise _pickled(what) from None
        raise
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{what} is a single numpy array, not a file mg.save wrote "
                         "(read it with np.load)")
    with archive:
        if STRUCTURE not in archive.files:
            raise ValueError(f"{what} is not a file mg.save wrote: it has no {STRUCTURE!r} "
                             f"entry (its entries: {archive.files[:8]}); a plain np.savez "
                             "archive is read with np.load")
        arrays = {}
        for name in archive.files:
            try:
                arrays[name] = archive[name]
            except ValueError as e:
                if "pickle" in str(e) or "Object arrays" in str(e):
                    raise _pickled(f"entry {name!r} of {what}") from None
                raise
    return arrays


def _header(arr, what):
    if arr.ndim != 0 or arr.dtype.kind != "U":
        raise ValueError(f"{what}: the {STRUCTURE!r} entry is not a 0-d string; "
                         "not a file mg.save wrote")
    try:
        header = json.loads(str(arr[()]))
    except json.JSONDecodeError as e:
        raise ValueError(f"{what}: the {STRUCTURE!r} entry is not valid JSON ({e})") from None
    if not isinstance(header, dict) or header.get("format") != _FORMAT or "root" not in header:
        raise ValueError(f"{what}: the {STRUCTURE!r} entry is not a minigrad structure")
    if header.get("version") != _VERSION:
        raise ValueError(f"{what} has format version {header.get('version')!r}; this "
                         f"minigrad reads version {_VERSION}")
    return header["root"]


class _Reader:
    """Rebuilds the object from the JSON tree and the archive's arrays."""

    TAGS = ("dict", "list", "tuple", "float", "array", "scalar", "tensor")

    def __init__(self, arrays, what):
        self.arrays, self.what, self.used = arrays, what, set()

    def bad(self, where, why):
        return ValueError(f"{self.what} is damaged or was not written by mg.save: "
                          f"at {where}, {why}")

    def array(self, name, where):
        if not isinstance(name, str) or name not in self.arrays:
            raise self.bad(where, f"the structure refers to entry {name!r}, which the file "
                                  "does not hold")
        self.used.add(name)
        return self.arrays[name]

    def decode(self, node, where):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        tag = next((t for t in self.TAGS if isinstance(node, dict) and t in node), None)
        if tag is None:
            raise self.bad(where, f"an unknown node {str(node)[:60]}")
        value = node[tag]
        if tag in ("list", "tuple"):
            if not isinstance(value, list):
                raise self.bad(where, f"a {tag} node without a list")
            items = [self.decode(v, _step(where, i)) for i, v in enumerate(value)]
            return items if tag == "list" else tuple(items)
        if tag == "dict":
            return self.mapping(value, node.get("ordered", False), where)
        if tag == "float":
            if value not in ("nan", "inf", "-inf"):
                raise self.bad(where, f"a float node {value!r}")
            return float(value)
        arr = self.array(value, where)
        if tag == "array":
            return arr
        if tag == "scalar":
            if arr.ndim != 0:
                raise self.bad(where, f"a scalar stored with shape {arr.shape}")
            return arr[()]
        cls = Parameter if node.get("parameter") else Tensor
        return cls(arr, requires_grad=bool(node.get("requires_grad", False)))

    def mapping(self, pairs, ordered, where):
        out = collections.OrderedDict() if ordered else {}
        if not isinstance(pairs, list):
            raise self.bad(where, "a dict node without a list of pairs")
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise self.bad(where, f"a dict entry {str(pair)[:60]} that is not a pair")
            key = self.decode(pair[0], f"{where} (a key)")
            try:
                hash(key)
            except TypeError:
                raise self.bad(where, f"an unhashable key {key!r:.60}") from None
            out[key] = self.decode(pair[1], _step(where, key))
        return out


def load(path):
    """Load what :func:`save` wrote, without ever unpickling.

    Parameters
    ----------
    path : str, os.PathLike or a binary file object

    Returns
    -------
    object
        The saved tree: dicts (``OrderedDict`` where one was saved), lists,
        tuples, numpy arrays (bit for bit, same dtype and shape), Tensors
        (with ``requires_grad``), numpy scalars, Python numbers, strings,
        booleans and None, keys with their types.

    Raises
    ------
    ValueError
        If the file holds pickled objects (refused: mg.load never unpickles,
        whatever the file holds), is not a file mg.save wrote (no
        ``__minigrad__`` entry), or its structure refers to entries the file
        lacks.

    Examples
    --------
    >>> import io
    >>> import minigrad as mg
    >>> buf = io.BytesIO()
    >>> mg.save({0: {"step": 2, "betas": (0.9, 0.999)}, "names": ["w", "b"]}, buf)
    >>> _ = buf.seek(0)
    >>> mg.load(buf)
    {0: {'step': 2, 'betas': (0.9, 0.999)}, 'names': ['w', 'b']}
    """
    what = _describe(path)
    arrays = _read_entries(path)
    reader = _Reader(arrays, what)
    obj = reader.decode(_header(arrays.pop(STRUCTURE), what), "obj")
    extra = sorted(set(arrays) - reader.used)
    if extra:
        raise reader.bad("the top", f"entries {extra[:8]} belong to no part of the structure")
    return obj
