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

Loading never unpickles: nothing in the file is ever executed, and a file
holding pickled objects is refused.  Every malformed file is a ValueError
that names the file and the field (a zip entry, an array's shape, a key of
the structure).  Nothing is allocated before it is checked against the
archive's real sizes: an entry must be stored (not compressed) and fit in
the file, and an array's shape and dtype must need exactly the bytes its
entry holds, so what is allocated is at most the file's size, whatever its
headers say.  The structure nests at most ``MAX_DEPTH``
(100) containers, in ``save`` and in ``load``.
"""
from __future__ import annotations

import collections
import json
import math
import os
import struct
import zipfile
import zlib

import numpy as np

from .nn.module import Parameter
from .tensor import Tensor

STRUCTURE = "__minigrad__"      # the entry holding the JSON tree
MAX_DEPTH = 100                 # the deepest nesting of containers saved and loaded
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
        if isinstance(obj, Parameter) and obj.dtype not in (np.float32, np.float64):
            raise TypeError(f"mg.save cannot store {where}: a Parameter of dtype {obj.dtype} "
                            "(mg.load takes float32 and float64 parameters); store it as a "
                            "Tensor, e.g. mg.tensor(p.numpy())")
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
        if len(self._open) >= MAX_DEPTH:
            raise ValueError(f"mg.save cannot store {where}: containers nested more than "
                             f"{MAX_DEPTH} deep")
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


class _Refused(ValueError):
    """A file mg.load refuses (a ValueError whose message names the file)."""


def _pickled(what):
    return _Refused(f"{what} holds pickled objects; mg.load never unpickles (unpickling can "
                    "run code from the file), so it refuses this file. mg.save never writes "
                    "pickles: this file came from elsewhere")


def _damaged(what, field, why):
    """The error for a malformed file: names the file and the field."""
    return _Refused(f"{what} is damaged or was not written by mg.save: {field}: {why}")


# what makes reading a damaged zip archive fail, besides ValueError
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error,
               NotImplementedError, RuntimeError, struct.error, OverflowError,
               UnicodeDecodeError, KeyError, OSError, ValueError)
_MAX_HEADER = 10_000            # the longest .npy header read (np.load's default)


def _open(path):
    """``path`` opened for reading (or the file object itself), and whether we opened it."""
    if hasattr(path, "read"):
        return path, False
    return open(os.fspath(path), "rb"), True


def _size(f):
    """The file's size in bytes, leaving its position where it was."""
    here = f.tell()
    end = f.seek(0, os.SEEK_END)
    f.seek(here)
    return end - here


def _sniff(f, what):
    """Refuse, by what it starts with, a file that is not a zip archive."""
    here = f.tell()
    start = f.read(8)
    f.seek(here)
    if start.startswith(b"PK"):
        return
    if start.startswith(b"\x93NUMPY"):
        raise _Refused(f"{what} is a single numpy array, not a file mg.save wrote "
                       "(read it with np.load)")
    if start[:1] == b"\x80":
        raise _pickled(what)
    raise _Refused(f"{what} is not a file mg.save wrote: it is not an .npz (zip) archive "
                   f"(it starts with {start!r})")


def _read_entries(path):
    """Every entry of the archive at ``path`` as arrays, never unpickling,
    never allocating more than the archive's real sizes allow."""
    what = _describe(path)
    f, opened = _open(path)
    try:
        _sniff(f, what)
        size = _size(f)
        try:
            with zipfile.ZipFile(f) as archive:
                return _entries(archive, size, what)
        except _Refused:
            raise
        except _ZIP_ERRORS as e:
            raise _damaged(what, "the zip archive", f"{type(e).__name__}: {e}") from None
    finally:
        if opened:
            f.close()


def _entries(archive, size, what):
    """The archive's arrays by entry name, each entry's sizes checked first."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise _damaged(what, "the zip archive", "it holds an entry name twice")
    for info in infos:
        _check_entry_size(info, size, what)
    arrays = {}
    for info in infos:
        if not info.filename.endswith(".npy"):
            raise _Refused(f"{what} is not a file mg.save wrote: its entry "
                           f"{info.filename!r} is not a numpy array")
        arrays[info.filename[:-4]] = _read_array(archive, info, what)
    if STRUCTURE not in arrays:
        raise _Refused(f"{what} is not a file mg.save wrote: it has no {STRUCTURE!r} "
                       f"entry (its entries: {sorted(arrays)[:8]}); a plain np.savez "
                       "archive is read with np.load")
    return arrays


def _check_entry_size(info, size, what):
    """Refuse an entry whose sizes the archive cannot hold."""
    field = f"entry {info.filename!r}"
    if info.header_offset + info.compress_size > size:
        raise _damaged(what, field, f"it says it holds {info.compress_size} bytes from byte "
                                    f"{info.header_offset}, past the end of the file "
                                    f"({size} bytes): is the file truncated?")
    if info.compress_type != zipfile.ZIP_STORED:
        raise _damaged(what, field, "it is compressed; mg.save stores entries as they are, "
                                    "so that what they hold is checked against the file's "
                                    "own size")
    if info.file_size != info.compress_size:
        raise _damaged(what, field, f"a stored entry of {info.compress_size} bytes says it "
                                    f"holds {info.file_size}")


def _npy_header(fp, field, what):
    """Shape, Fortran order, dtype and header length of the .npy stream ``fp``."""
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp, _MAX_HEADER)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp, _MAX_HEADER)
    else:
        shape, fortran, dtype = np.lib.format._read_array_header(fp, version, _MAX_HEADER)
    if not all(isinstance(n, int) and n >= 0 for n in shape):
        raise _damaged(what, f"{field} shape", f"{shape!r} is not a shape")
    return shape, fortran, dtype, fp.tell()


def _read_array(archive, info, what):
    """One .npy entry, its header checked against its real size first."""
    field = f"entry {info.filename[:-4]!r}"
    with archive.open(info) as fp:
        try:
            shape, fortran, dtype, offset = _npy_header(fp, field, what)
        except _Refused:
            raise
        except Exception as e:     # noqa: BLE001 - numpy parses untrusted text: any failure
            raise _damaged(what, f"{field} header", str(e).split("\n")[0][:200]) from None
    if dtype.hasobject:
        raise _pickled(f"{field} of {what}")
    nbytes = math.prod(shape) * dtype.itemsize
    if offset + nbytes != info.file_size:
        raise _damaged(what, f"{field} shape", f"shape {shape} of dtype {dtype} needs "
                                               f"{nbytes} bytes; the entry holds "
                                               f"{info.file_size - offset}")
    with archive.open(info) as fp:
        return np.lib.format.read_array(fp, allow_pickle=False, max_header_size=_MAX_HEADER)


def _header(arr, what):
    if arr.ndim != 0 or arr.dtype.kind != "U":
        raise _Refused(f"{what}: the {STRUCTURE!r} entry is not a 0-d string; "
                       "not a file mg.save wrote")
    try:
        header = json.loads(str(arr[()]))
    except RecursionError:
        raise _damaged(what, f"the {STRUCTURE!r} entry", "its JSON is nested too deep "
                       f"(mg.save nests at most {MAX_DEPTH} containers)") from None
    except ValueError as e:
        raise _Refused(f"{what}: the {STRUCTURE!r} entry is not valid JSON "
                       f"({str(e)[:200]})") from None
    if not isinstance(header, dict) or header.get("format") != _FORMAT or "root" not in header:
        raise _Refused(f"{what}: the {STRUCTURE!r} entry is not a minigrad structure")
    if header.get("version") != _VERSION:
        raise _Refused(f"{what} has format version {header.get('version')!r:.40}; this "
                       f"minigrad reads version {_VERSION}")
    return header["root"]


class _Reader:
    """Rebuilds the object from the JSON tree and the archive's arrays."""

    TAGS = ("dict", "list", "tuple", "float", "array", "scalar", "tensor")

    def __init__(self, arrays, what):
        self.arrays, self.what, self.used = arrays, what, set()

    def bad(self, where, why):
        return _Refused(f"{self.what} is damaged or was not written by mg.save: "
                        f"at {where}, {why}")

    def array(self, name, where):
        if not isinstance(name, str) or name not in self.arrays:
            raise self.bad(where, f"the structure refers to entry {str(name)[:60]!r}, which "
                                  "the file does not hold")
        if name in self.used:
            raise self.bad(where, f"the structure refers to entry {name!r} a second time "
                                  "(mg.save stores each array once)")
        self.used.add(name)
        return self.arrays[name]

    def flag(self, node, key, where):
        value = node.get(key, False)
        if not isinstance(value, bool):
            raise self.bad(where, f"{key!r} is {str(value)[:40]!r}, not true or false")
        return value

    def decode(self, node, where, depth=0):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if depth >= MAX_DEPTH:
            raise self.bad(where, f"containers nested more than {MAX_DEPTH} deep")
        tag = next((t for t in self.TAGS if isinstance(node, dict) and t in node), None)
        if tag is None:
            raise self.bad(where, f"an unknown node {str(node)[:60]}")
        value = node[tag]
        if tag in ("list", "tuple"):
            if not isinstance(value, list):
                raise self.bad(where, f"a {tag} node without a list")
            items = [self.decode(v, _step(where, i), depth + 1) for i, v in enumerate(value)]
            return items if tag == "list" else tuple(items)
        if tag == "dict":
            return self.mapping(value, self.flag(node, "ordered", where), where, depth + 1)
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
        return self.tensor(arr, node, where)

    def tensor(self, arr, node, where):
        requires_grad = self.flag(node, "requires_grad", where)
        parameter = self.flag(node, "parameter", where)
        if (requires_grad or parameter) and arr.dtype not in (np.float32, np.float64):
            what = "a parameter" if parameter else "a tensor that requires grad"
            raise self.bad(where, f"{what} of dtype {arr.dtype} (only float32 and float64 "
                                  "tensors can be parameters or require grad)")
        try:
            return (Parameter if parameter else Tensor)(arr, requires_grad=requires_grad)
        except TypeError as e:
            raise self.bad(where, f"a tensor minigrad cannot hold: {e}") from None

    def mapping(self, pairs, ordered, where, depth):
        out = collections.OrderedDict() if ordered else {}
        if not isinstance(pairs, list):
            raise self.bad(where, "a dict node without a list of pairs")
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise self.bad(where, f"a dict entry {str(pair)[:60]} that is not a pair")
            key = self.decode(pair[0], f"{where} (a key)", depth)
            try:
                hash(key)
            except TypeError:
                raise self.bad(where, f"an unhashable key {key!r:.60}") from None
            shown = key[:40] + "..." if isinstance(key, str) and len(key) > 40 else key
            out[key] = self.decode(pair[1], _step(where, shown), depth)
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
        whatever the file holds), is not a file mg.save wrote (not a zip
        archive, no ``__minigrad__`` entry), or is damaged (truncated, sizes
        or shapes that do not match the bytes it holds, a structure nested
        too deep, referring to entries the file lacks, flags that are not
        booleans, a parameter of an integer dtype); the message names the
        file and the field.
    OSError
        If the file cannot be opened or read.

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
