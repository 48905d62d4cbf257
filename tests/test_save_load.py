"""mg.save / mg.load: round trips, state dicts, refusals (pickles, damage, bad types)."""
import collections
import json
import math
import pickle
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.serialization import STRUCTURE


def _round_trip(obj, tmp_path):
    path = tmp_path / "ckpt.mg"
    mg.save(obj, path)
    return mg.load(path)


def _same(a, b):
    """Equal in value, type and (for arrays) dtype, shape and bits."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, mg.Tensor):
        assert a.requires_grad == b.requires_grad
        a, b = a.data, b.data
    if isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
    elif isinstance(a, dict):
        assert list(a) == list(b) and [type(k) for k in a] == [type(k) for k in b]
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


@pytest.mark.parametrize("arr", [
    np.array(3.5), np.array(7, np.int8), np.zeros((0,)), np.zeros((2, 0, 3), np.float32),
    np.arange(12, dtype=np.uint16).reshape(3, 4), np.array([True, False]),
    np.array([np.nan, -0.0, np.inf, 1e-310]), np.asfortranarray(np.ones((3, 2))),
    np.arange(10.0)[::3], np.array(["a", "bé"]), np.float16([1.5, 2.0]),
    np.array([1 + 2j], np.complex64),
])
def test_arrays_round_trip_bit_for_bit(arr, tmp_path):
    _same(arr, _round_trip(arr, tmp_path))


def test_leaves_and_nesting_round_trip(tmp_path):
    obj = {
        "none": None, "yes": True, "no": False, "int": 3, "big": 2**70, "neg": -1,
        "float": 0.1, "negzero": -0.0, "nan": float("nan"), "inf": -math.inf,
        "text": "héllo \"quoted\" {json}", "": "",
        "scalars": [np.float32(1.25), np.int64(4), np.bool_(True), np.float64(2.5)],
        "tuple": (1, (2.0, [3, {"x": ()}]), []),
        "tensors": [mg.tensor([1.0, 2.0], requires_grad=True), mg.tensor(np.arange(3)),
                    mg.tensor(np.zeros((0, 2), np.float64)), mg.nn.Parameter([[0.5]])],
        "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
        0: "int key", 1.5: "float key", None: "none key", True: "bool key", (1, "a"): "tuple key",
    }
    back = _round_trip(obj, tmp_path)
    _same(obj, back)
    assert isinstance(back["tensors"][3], mg.nn.Parameter)
    assert type(back["ordered"]) is collections.OrderedDict
    assert back[True] == "bool key" and back[0] == "int key"


def test_file_objects_and_no_npz_suffix_added(tmp_path):
    path = tmp_path / "model.pt"
    mg.save([1, 2], str(path))
    assert path.exists() and not (tmp_path / "model.pt.npz").exists()
    assert mg.load(str(path)) == [1, 2]
    with open(path, "rb") as f:
        assert mg.load(f) == [1, 2]


def test_the_file_is_a_plain_npz_with_json_structure(tmp_path):
    path = tmp_path / "x.npz"
    mg.save({"w": np.ones(2)}, path)
    with np.load(path, allow_pickle=False) as z:
        header = z[STRUCTURE]
        assert header.shape == () and header.dtype.kind == "U"
        tree = json.loads(str(header))
        assert tree["format"] == "minigrad.save"
        assert sorted(z.files) == sorted([STRUCTURE, "a0"])


def test_linear_state_dict_loads_back_into_a_module(tmp_path):
    net = mg.nn.Sequential(mg.nn.Linear(2, 3, rng=0), mg.nn.Tanh(), mg.nn.Linear(3, 1, rng=1))
    sd = _round_trip(net.state_dict(), tmp_path)
    _same(net.state_dict(), sd)
    other = mg.nn.Sequential(mg.nn.Linear(2, 3, rng=5), mg.nn.Tanh(), mg.nn.Linear(3, 1, rng=6))
    other.load_state_dict(sd)
    x = mg.tensor(np.random.default_rng(0).normal(size=(4, 2)).astype(np.float32))
    np.testing.assert_array_equal(other(x).numpy(), net(x).numpy())


def _train(net, opt, steps, X, y):
    for _ in range(steps):
        opt.zero_grad()
        loss = mg.nn.CrossEntropyLoss()(net(X), y)
        loss.backward()
        opt.step()


@pytest.mark.parametrize("make_opt", [
    lambda ps: mg.optim.Adam(ps, lr=0.05),
    lambda ps: mg.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
])
def test_checkpoint_resumes_training_bit_for_bit(make_opt, tmp_path):
    X_np, y = mg.datasets.make_moons(64, noise=0.1, seed=0)
    X = mg.tensor(X_np.astype(np.float32))

    def model():
        return mg.nn.Sequential(mg.nn.Linear(2, 8, rng=0), mg.nn.Tanh(), mg.nn.Linear(8, 2, rng=1))

    net = model()
    opt = make_opt(net.parameters())
    _train(net, opt, 5, X, y)
    path = tmp_path / "ckpt"
    mg.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 5}, path)
    _train(net, opt, 5, X, y)                       # the uninterrupted run

    ckpt = mg.load(path)
    assert ckpt["epoch"] == 5
    assert all(isinstance(k, int) for k in ckpt["optimizer"]["state"])
    _same(ckpt["optimizer"]["param_groups"], opt.state_dict()["param_groups"])
    net2 = model()
    net2.load_state_dict(ckpt["model"])
    opt2 = make_opt(net2.parameters())
    opt2.load_state_dict(ckpt["optimizer"])
    _train(net2, opt2, 5, X, y)                     # the resumed run
    for a, b in zip(net.parameters(), net2.parameters()):
        assert a.numpy().tobytes() == b.numpy().tobytes()


# ----------------------------------------------------------------- refusals
def test_object_array_entry_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    evil = np.array([{"a": 1}, None], dtype=object)
    np.savez(path, **{STRUCTURE: np.array('{"format": "minigrad.save", "version": 1, '
                                          '"root": {"array": "a0"}}'), "a0": evil})
    with pytest.raises(ValueError, match="holds pickled objects; mg.load never unpickles"):
        mg.load(path)


def test_a_pickle_file_is_refused_and_not_run(tmp_path):
    path = tmp_path / "evil.pkl"
    marker = tmp_path / "ran"

    class Boom:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(ValueError, match="holds pickled objects; mg.load never unpickles"):
        mg.load(path)
    assert not marker.exists()


def test_not_a_minigrad_save(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, x=np.ones(3))
    with pytest.raises(ValueError, match="not a file mg.save wrote.*'__minigrad__'"):
        mg.load(path)
    np.save(tmp_path / "one.npy", np.ones(3))
    with pytest.raises(ValueError, match="single numpy array"):
        mg.load(tmp_path / "one.npy")


def _craft(path, root, **arrays):
    header = json.dumps({"format": "minigrad.save", "version": 1, "root": root})
    np.savez(path, **{STRUCTURE: np.array(header)}, **arrays)


def test_structure_referring_to_a_missing_entry(tmp_path):
    path = tmp_path / "broken.npz"
    _craft(path, {"dict": [["w", {"array": "a7"}]], "ordered": False}, a0=np.ones(2))
    with pytest.raises(ValueError, match=r"at obj\[\"w\"\].*entry 'a7', which the file "
                                         r"does not hold"):
        mg.load(path)


@pytest.mark.parametrize("root, arrays, match", [
    ({"set": [1, 2]}, {}, "unknown node"),
    ([1, 2], {}, "unknown node"),
    ({"float": "1e5"}, {}, "float node"),
    ({"scalar": "a0"}, {"a0": np.ones(2)}, "scalar stored with shape"),
    ({"list": []}, {"a0": np.ones(2)}, r"entries \['a0'\] belong to no part"),
    ({"dict": [[{"list": []}, 1]]}, {}, "unhashable key"),
])
def test_malformed_structures(root, arrays, match, tmp_path):
    path = tmp_path / "bad.npz"
    _craft(path, root, **arrays)
    with pytest.raises(ValueError, match=match):
        mg.load(path)


def test_bad_headers(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, **{STRUCTURE: np.array("{not json")})
    with pytest.raises(ValueError, match="not valid JSON"):
        mg.load(path)
    np.savez(path, **{STRUCTURE: np.array(json.dumps({"format": "minigrad.save",
                                                      "version": 99, "root": 1}))})
    with pytest.raises(ValueError, match="format version 99"):
        mg.load(path)
    np.savez(path, **{STRUCTURE: np.zeros(3)})
    with pytest.raises(ValueError, match="not a 0-d string"):
        mg.load(path)


@pytest.mark.parametrize("obj, where", [
    ({"model": {"w": {1, 2}}}, 'obj["model"]["w"]'),
    ({"model": {"w": lambda x: x}}, 'obj["model"]["w"]'),
    ([1, (2, object())], "obj[1][1]"),
    ({"state": {0: {"step": np.array([{}], dtype=object)}}}, 'obj["state"][0]["step"]'),
    ({"a": b"bytes"}, 'obj["a"]'),
])
def test_unsupported_types_are_refused_naming_where(obj, where, tmp_path):
    path = tmp_path / "never.npz"
    with pytest.raises(TypeError, match="mg.save cannot store " + re.escape(where)):
        mg.save(obj, path)
    assert not path.exists()


def test_bad_keys_and_cycles(tmp_path):
    with pytest.raises(TypeError, match="key"):
        mg.save({mg.tensor([1.0]): 1}, tmp_path / "k")
    with pytest.raises(TypeError, match="key"):
        mg.save({frozenset(): 1}, tmp_path / "k")
    loop = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match=r"obj\[1\]: it contains itself"):
        mg.save(loop, tmp_path / "k")


def test_exported():
    assert mg.save.__module__ == mg.load.__module__ == "minigrad.serialization"
    assert {"save", "load", "data", "metrics", "manual_seed"} <= set(mg.__all__)


# ------------------------------------------------------- malformed files (issue 19)
def _zip_entries(path, entries):
    """A zip archive of raw .npy entries (bytes), however wrong they are."""
    import zipfile
    with zipfile.ZipFile(path, "w") as z:
        for name, payload in entries.items():
            z.writestr(name + ".npy", payload)


def _npy_bytes(header):
    import struct
    h = (repr(header) + " ").ljust(118).encode("latin1") + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h


def _structure(root):
    import io
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array(json.dumps(
        {"format": "minigrad.save", "version": 1, "root": root})))
    return buf.getvalue()


def test_a_text_file_is_not_called_pickled(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("epoch 3, loss 0.25\n")
    with pytest.raises(ValueError, match=r"'.*notes.txt' is not a file mg.save wrote: it is "
                                         r"not an .npz \(zip\) archive") as e:
        mg.load(path)
    assert "pickle" not in str(e.value)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_a_truncated_checkpoint_is_a_value_error_naming_the_file(keep, tmp_path):
    path = tmp_path / "ckpt.mg"
    mg.save({"w": np.arange(1000.0), "epoch": 3}, path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(ValueError, match=r"'.*ckpt.mg' is damaged or was not written by "
                                         r"mg.save: the zip archive"):
        mg.load(path)


def test_json_nested_100000_deep_is_a_value_error(tmp_path):
    path = tmp_path / "deep.npz"
    header = ('{"format": "minigrad.save", "version": 1, "root": '
              + "[" * 100_000 + "]" * 100_000 + "}")
    np.savez(path, **{STRUCTURE: np.array(header)})
    with pytest.raises(ValueError, match=r"deep.npz' is damaged .*'__minigrad__' entry: its "
                                         "JSON is nested too deep"):
        mg.load(path)
    root = {"list": []}
    for _ in range(150):                  # parses, but deeper than mg.save ever writes
        root = {"list": [root]}
    _craft(path, root)
    with pytest.raises(ValueError, match="containers nested more than 100 deep"):
        mg.load(path)


def test_saving_nesting_deeper_than_load_reads_is_refused(tmp_path):
    deep = []
    for _ in range(150):
        deep = [deep]
    with pytest.raises(ValueError, match="nested more than 100 deep"):
        mg.save(deep, tmp_path / "never.npz")
    ok = []
    for _ in range(99):
        ok = [ok]
    assert _round_trip(ok, tmp_path) == ok


@pytest.mark.parametrize("shape", [(10**12,), (3 * 10**8,), (2**62, 4), (-1,), (5,)])
def test_a_declared_shape_is_checked_against_the_entry_before_allocating(shape, tmp_path):
    import tracemalloc
    path = tmp_path / "shape.npz"
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    _zip_entries(path, {STRUCTURE: _structure({"array": "a0"}),
                        "a0": _npy_bytes(header) + np.ones(4).tobytes()})
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"shape.npz' is damaged .*: entry 'a0' shape: "):
            mg.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20


def test_an_entry_larger_than_the_archive_is_refused_before_reading(tmp_path):
    import struct
    path = tmp_path / "ckpt.mg"
    mg.save({"w": np.arange(100.0)}, path)
    data = bytearray(path.read_bytes())
    at = data.index(b"PK\x01\x02")                # the first entry in the directory
    data[at + 20:at + 28] = struct.pack("<II", 2**31, 2**31)
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="ckpt.mg' is damaged .*: entry 'a0.npy': it says it "
                                         "holds 2147483648 bytes .* past the end of the file"):
        mg.load(path)


@pytest.mark.parametrize("field, value, match", [
    ("requires_grad", "no", r"at obj\[\"w\"\], 'requires_grad' is 'no', not true or false"),
    ("requires_grad", 1, "'requires_grad' is '1', not true or false"),
    ("parameter", "yes", "'parameter' is 'yes', not true or false"),
])
def test_tensor_flags_must_be_booleans(field, value, match, tmp_path):
    path = tmp_path / "flags.npz"
    node = {"tensor": "a0", "requires_grad": False, "parameter": False, field: value}
    _craft(path, {"dict": [["w", node]], "ordered": False}, a0=np.ones(2))
    with pytest.raises(ValueError, match="flags.npz' is damaged .*" + match):
        mg.load(path)


@pytest.mark.parametrize("requires_grad, parameter", [(False, True), (True, False),
                                                      (True, True)])
def test_an_int_array_marked_as_a_parameter_is_refused(requires_grad, parameter, tmp_path):
    path = tmp_path / "int.npz"
    _craft(path, {"tensor": "a0", "requires_grad": requires_grad, "parameter": parameter},
           a0=np.arange(3))
    with pytest.raises(ValueError, match=r"int.npz' is damaged .*at obj, a (parameter|tensor "
                                         r"that requires grad) of dtype int64"):
        mg.load(path)
    _craft(path, {"tensor": "a0", "requires_grad": False, "parameter": False}, a0=np.arange(3))
    assert mg.load(path).dtype == np.int64        # an int Tensor is fine


def test_an_int_parameter_is_not_saved(tmp_path):
    p = mg.nn.Parameter(np.arange(2), requires_grad=False)
    with pytest.raises(TypeError, match=r"obj\[\"p\"\]: a Parameter of dtype int64"):
        mg.save({"p": p}, tmp_path / "never.npz")


def test_an_entry_used_twice_is_refused(tmp_path):
    path = tmp_path / "twice.npz"
    _craft(path, {"list": [{"array": "a0"}, {"array": "a0"}]}, a0=np.ones(2))
    with pytest.raises(ValueError, match=r"at obj\[1\], the structure refers to entry 'a0' a "
                                         "second time"):
        mg.load(path)


def test_a_string_array_as_a_tensor_is_a_value_error(tmp_path):
    path = tmp_path / "str.npz"
    _craft(path, {"tensor": "a0"}, a0=np.array(["a", "b"]))
    with pytest.raises(ValueError, match="a tensor minigrad cannot hold"):
        mg.load(path)


def test_a_compressed_entry_is_refused(tmp_path):
    path = tmp_path / "zipped.npz"
    np.savez_compressed(path, **{STRUCTURE: np.array(json.dumps(
        {"format": "minigrad.save", "version": 1, "root": {"array": "a0"}})),
        "a0": np.zeros(10_000)})
    with pytest.raises(ValueError, match=r"zipped.npz' is damaged .*entry '.*\.npy': it is "
                                         "compressed"):
        mg.load(path)
