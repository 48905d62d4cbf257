"""mg.load on mutated checkpoints, as a property: a valid checkpoint (a
model's and an optimizer's state dicts, tensors, a Parameter, numbers) with
its bytes flipped, cut or spliced, its JSON structure's fields replaced, its
arrays' .npy headers given other shapes and dtypes, or its zip directory's
sizes changed.  Whatever the file holds, mg.load returns an object or raises
ValueError or OSError (nothing else), never unpickles (pickle is swapped for
a tripwire), and its memory peak stays under a fixed bound.

A long run: ``pytest -m fuzz --fuzz-examples 20000 -k checkpoints tests/fuzz``.
"""
import io
import json
import pickle
import random
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from fuzz.report import STATS, fuzz_settings
from minigrad.serialization import STRUCTURE

pytestmark = pytest.mark.fuzz

PEAK_LIMIT = 16 * 2**20       # bytes; the checkpoint itself is a few KB


def _checkpoint():
    model = mg.nn.Sequential(mg.nn.Linear(4, 3), mg.nn.ReLU(), mg.nn.Linear(3, 1))
    opt = mg.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    for _ in range(2):
        opt.zero_grad()
        model(mg.ones((2, 4))).sum().backward()
        opt.step()
    buf = io.BytesIO()
    mg.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
             "t": mg.tensor([1.0, 2.0], requires_grad=True), "ints": np.arange(5),
             "p": mg.nn.Parameter(mg.zeros(2)), "names": ("w", "b"), "nan": float("nan"),
             "s": np.float32(2.5)}, buf)
    return buf.getvalue()


BASE = _checkpoint()


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, payload in members.items():
            z.writestr(name, payload)
    return buf.getvalue()


def _npy(header_text, payload):
    h = header_text.encode("latin1", "replace")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + payload


def _structure_text(members):
    arr = np.lib.format.read_array(io.BytesIO(members[STRUCTURE + ".npy"]))
    return str(arr[()])


def _with_structure(members, text):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array(text))
    return _zip({**members, STRUCTURE + ".npy": buf.getvalue()})


# ------------------------------------------------------------------ mutations
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                 st.floats(allow_nan=False), st.text(max_size=20),
                 st.sampled_from(["a0", "a1", "a3", "a99", "no", "nan", "tensor", "dict"]),
                 st.lists(st.integers(0, 3), max_size=3),
                 st.dictionaries(st.sampled_from(["dict", "list", "tuple", "float", "array",
                                                  "scalar", "tensor", "requires_grad",
                                                  "parameter", "ordered"]),
                                 st.one_of(st.booleans(), st.sampled_from(["a0", "a2", "no"]),
                                           st.lists(st.integers(0, 2), max_size=2)),
                                 max_size=3))


def _nodes(tree, out):
    """Every (container, key) in a JSON tree, to replace one of them."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    for k, v in items:
        out.append((tree, k))
        if isinstance(v, (dict, list)):
            _nodes(v, out)
    return out


@st.composite
def mutated(draw):
    kind = draw(st.sampled_from(["bytes", "json", "json_text", "npy", "zip_sizes"]))
    rnd = random.Random(draw(st.integers(0, 2**32)))
    data = bytearray(BASE)
    if kind == "bytes":
        how = draw(st.sampled_from(["flip", "cut", "splice", "zero"]))
        if how == "flip":
            for _ in range(draw(st.integers(1, 8))):
                data[rnd.randrange(len(data))] = rnd.randrange(256)
        elif how == "cut":
            del data[rnd.randrange(len(data)):]
        elif how == "splice":
            at = rnd.randrange(len(data))
            data[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 64)))
        else:
            at = rnd.randrange(len(data))
            data[at:at + rnd.randrange(1, 200)] = bytes(200)[:len(data[at:at + 200])]
        return kind, bytes(data)
    members = _members(BASE)
    if kind == "json":
        tree = json.loads(_structure_text(members))
        nodes = _nodes(tree, [])
        for _ in range(draw(st.integers(1, 3))):
            container, key = nodes[rnd.randrange(len(nodes))]
            container[key] = draw(JUNK)
        return kind, _with_structure(members, json.dumps(tree))
    if kind == "json_text":
        text = _structure_text(members)
        depth = draw(st.sampled_from([10, 99, 100, 101, 1000, 100_000]))
        at = rnd.randrange(len(text))
        nest = draw(st.sampled_from(["[" * depth + "]" * depth,
                                     '{"list": ' * depth + "[]" + "}" * depth,
                                     "[" * depth, "1" * 5000, '"\\ud800"']))
        return kind, _with_structure(members, text[:at] + nest + text[at:])
    if kind == "npy":
        names = [n for n in members if n != STRUCTURE + ".npy"]
        name = names[rnd.randrange(len(names))]
        payload = members[name][np.lib.format.MAGIC_LEN + 2 + struct.unpack(
            "<H", members[name][8:10])[0]:]
        shape = draw(st.one_of(st.lists(st.integers(-3, 10), max_size=3).map(tuple),
                               st.sampled_from([(10**12,), (3 * 10**8,), (2**62, 4), (-1,),
                                                (1.5,), "x"])))
        descr = draw(st.sampled_from(["<f8", "<f4", "<i8", "|b1", "|O", "<U1000000000",
                                      "|V16", ">f4", "<c16", "bogus", "<f2", "|S0",
                                      [("a", "<f8")], [("a", "|O")]]))
        fortran = draw(st.sampled_from([False, True, "no"]))
        header = f"{{'descr': {descr!r}, 'fortran_order': {fortran!r}, 'shape': {shape!r}, }}"
        if draw(st.booleans()):
            header = header[:rnd.randrange(len(header))]
        return kind, _zip({**members, name: _npy(header.ljust(118) + "\n", payload)})
    # zip_sizes: change an entry's sizes in the central directory
    starts = [i for i in range(len(data)) if data[i:i + 4] == b"PK\x01\x02"]
    at = starts[rnd.randrange(len(starts))]
    field = draw(st.sampled_from([20, 24]))           # compressed / uncompressed size
    value = draw(st.sampled_from([0, 1, 2**31, 2**32 - 1]) | st.integers(0, 2**32 - 1))
    data[at + field:at + field + 4] = struct.pack("<I", value)
    return kind, bytes(data)


def _no_pickle(*args, **kwargs):
    raise AssertionError("mg.load called pickle")


@fuzz_settings(300)
@given(mutated())
def test_mutated_checkpoints_load_or_raise_value_error(monkeypatch, case):
    kind, data = case
    monkeypatch.setattr(pickle, "load", _no_pickle)
    monkeypatch.setattr(pickle, "loads", _no_pickle)
    monkeypatch.setattr(pickle, "Unpickler", _no_pickle)
    tracemalloc.start()
    try:
        mg.load(io.BytesIO(data))
        outcome = "loaded"
    except (ValueError, OSError) as e:
        assert "mg.load" in str(e) or "the file" in str(e), str(e)
        outcome = "refused"
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    STATS.count(f"checkpoints {kind} {outcome}")
    key = "checkpoints: largest memory peak (KB)"
    STATS.counts[key] = max(STATS.counts[key], peak // 1024)
    assert peak < PEAK_LIMIT, f"{kind}: peak {peak} bytes"
