"""The Torch7 reader: every type tag, references and cycles, tensors on shared storages, ascii files,
and the files it refuses (Lua functions, unknown classes, sizes the file cannot hold), in one line."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import numpy as np
import pytest
from t7_testkit import Function, Obj, Storage, Tensor, Writer, save_t7, tensor

from odyssey.adapters.torch7.reader import (
    MAX_DEPTH,
    TorchObject,
    looks_like_t7,
    read_t7,
)
from odyssey.errors import CheckpointError


def _refused(path: Path, match: str, classes: tuple[str, ...] = ("nn.Sequential",)) -> str:
    started = time.perf_counter()
    with pytest.raises(CheckpointError, match=match) as info:
        read_t7(path, classes)
    assert time.perf_counter() - started < 2
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize("ascii", [False, True])
def test_plain_values_references_and_cycles(tmp_path: Path, ascii: bool) -> None:
    shared = {"x": 1.5}
    top = {1: None, 2: 3.0, "s": "héllo\nworld", "t": True, "f": False, "a": shared, "b": shared, "neg": -2.25e-300, "big": 1e300}
    top["self"] = top
    path = save_t7(tmp_path / "values.t7", top, ascii=ascii)
    assert looks_like_t7(path)
    got = read_t7(path, ())
    assert got["s"] == "héllo\nworld" and got["t"] is True and got["f"] is False and got[2] == 3.0
    assert got["neg"] == -2.25e-300 and got["big"] == 1e300
    assert 1 not in got or got[1] is None  # nil values: Lua drops them, the reader keeps None
    assert got["a"] is got["b"] and got["a"] == {"x": 1.5}  # one object, written once, read once
    assert got["self"] is got  # a cycle stays a cycle


@pytest.mark.parametrize(("ascii", "long_size"), [(False, 8), (True, 8), (False, 4)])
def test_tensors_views_of_shared_storages(tmp_path: Path, ascii: bool, long_size: int) -> None:
    flat = Storage("Float", np.arange(30, dtype=np.float32))
    transposed = Tensor("Float", flat, [3, 4], [1, 3], offset=5)  # a non-contiguous view at an offset
    block = Tensor("Float", flat, [2, 3], [3, 1], offset=20)
    cuda = tensor(np.full((2, 2), 0.25), "Cuda")
    top = Obj("nn.Sequential", {"a": transposed, "b": block, "cuda": cuda, "half": tensor([1.5, -2], "Half"),
                                "size": Storage("Long", np.array([3, -1, 7])), "bytes": Storage("Byte", np.array([0, 10, 255], np.uint8)),
                                "empty": Tensor("Float", None, [], []), "double": tensor([[1e-300, 2]], "Double")})
    path = save_t7(tmp_path / "tensors.t7", top, ascii=ascii, long_size=long_size)
    got = read_t7(path, ("nn.Sequential",), long_size=long_size)
    assert isinstance(got, TorchObject) and got.class_name == "nn.Sequential" and got.version == 1
    f = got.fields
    np.testing.assert_array_equal(f["a"].array, [[5 + i + 3 * j for j in range(4)] for i in range(3)])
    np.testing.assert_array_equal(f["b"].array, np.arange(20, 26).reshape(2, 3))
    assert f["cuda"].class_name == "torch.CudaTensor" and f["cuda"].array.dtype == np.float32
    assert f["half"].array.dtype == np.float16 and f["half"].array.tolist() == [1.5, -2]
    assert f["size"].array.tolist() == [3, -1, 7] and f["bytes"].array.tolist() == [0, 10, 255]
    assert f["empty"].array.size == 0 and f["double"].array[0, 0] == 1e-300
    assert not f["a"].array.flags.writeable


def test_sniff(tmp_path: Path) -> None:
    net = Obj("nn.Sequential", {"modules": {}})
    assert looks_like_t7(save_t7(tmp_path / "a.t7", net)) and looks_like_t7(save_t7(tmp_path / "b", net, ascii=True))
    (tmp_path / "c.t7").write_bytes(b"PK\x03\x04 a zip file, not torch7")
    (tmp_path / "d.t7").write_bytes(struct.pack("<iii", 4, 1, 1_000_000) + b"V 1")
    assert not looks_like_t7(tmp_path / "c.t7") and not looks_like_t7(tmp_path / "d.t7")


@pytest.mark.parametrize("tag", [6, 7, 8])
def test_lua_functions_are_refused(tmp_path: Path, tag: int) -> None:
    # string.dump output: a Lua bytecode header; loading it would run loadstring on the file's bytes
    payload = Function(b"\x1bLuaJ\x02\x0a" + b"os.execute('touch /tmp/pwned')", {1: {"name": "_ENV"}}, tag=tag)
    net = Obj("nn.Sequential", {"modules": {1: Obj("nn.Tanh", {"updateOutput": payload})}})
    message = _refused(save_t7(tmp_path / "payload.t7", net), "Lua function", ("nn.Sequential", "nn.Tanh"))
    assert "modules[1]" in message and "updateOutput" in message


def test_unknown_classes_are_refused_by_name(tmp_path: Path) -> None:
    net = Obj("nn.Sequential", {"modules": {1: Obj("tds.Hash", {})}})
    message = _refused(save_t7(tmp_path / "tds.t7", net), "tds.Hash")
    assert "refused" in message


def _storage_header(size: int, kind: str = "Float") -> bytes:
    name = f"torch.{kind}Storage".encode()
    return struct.pack("<iii", 4, 1, 3) + b"V 1" + struct.pack("<i", len(name)) + name + struct.pack("<q", size)


def test_huge_declarations_fail_fast(tmp_path: Path) -> None:
    (tmp_path / "storage.t7").write_bytes(_storage_header(1 << 40) + b"\0" * 64)
    assert "declares 1099511627776 values" in _refused(tmp_path / "storage.t7", "file has")
    (tmp_path / "table.t7").write_bytes(struct.pack("<iii", 3, 1, 1 << 30))
    _refused(tmp_path / "table.t7", "declares 1073741824 entries")
    (tmp_path / "string.t7").write_bytes(struct.pack("<ii", 2, (1 << 31) - 1))
    _refused(tmp_path / "string.t7", "ends early")
    past = Tensor("Float", Storage("Float", np.zeros(10, np.float32)), [3, 3], [3, 1], offset=2)
    _refused(save_t7(tmp_path / "past.t7", past), "reaches past its storage of 10 values")
    expanded = Tensor("Float", Storage("Float", np.zeros(1, np.float32)), [1 << 20, 1 << 20], [0, 0])
    _refused(save_t7(tmp_path / "expanded.t7", expanded), "claims 1099511627776 values from a storage of 1")
    wrong = Tensor("Float", Storage("Double", np.zeros(4)), [4], [1])
    _refused(save_t7(tmp_path / "wrong.t7", wrong), "not a torch.FloatStorage")


def test_depth_and_damage(tmp_path: Path) -> None:
    nested: dict = {}
    inner = nested
    for _ in range(MAX_DEPTH + 5):
        inner["x"] = {}
        inner = inner["x"]
    _refused(save_t7(tmp_path / "deep.t7", nested), "nest more than")
    whole = save_t7(tmp_path / "whole.t7", Obj("nn.Sequential", {"w": tensor(np.ones(100))})).read_bytes()
    (tmp_path / "cut.t7").write_bytes(whole[: len(whole) // 2])
    _refused(tmp_path / "cut.t7", "ends early|bytes left")
    (tmp_path / "tag.t7").write_bytes(struct.pack("<i", 42))
    _refused(tmp_path / "tag.t7", "unknown type tag 42")
    writer = Writer(ascii=True)
    writer.object({"x": 1.0})
    (tmp_path / "text.t7").write_bytes(bytes(writer.out).replace(b"1\n1\n", b"1\nabc\n", 1))
    _refused(tmp_path / "text.t7", "not a number")
