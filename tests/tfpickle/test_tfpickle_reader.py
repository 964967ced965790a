"""The restricted reader of NVIDIA's TensorFlow-era pickles (``adapters.tfpickle.reader``): what it
reads, and that nothing in a file runs and nothing huge is allocated.

Pickles are written by ``tf_testkit`` with the globals and state of NVIDIA's ``Network``
classes; that NVIDIA's own unpickling (``legacy.py`` of stylegan2-ada-pytorch) reads the
same bytes was checked outside the repo (docs/models/tensorflow-pickles.md).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from odyssey.adapters.stylegan.nvpickle import is_network_pickle
from odyssey.adapters.tfpickle.reader import is_tf_pickle, read_tf_pickle
from odyssey.adapters.tfpickle.record import TFNetwork
from odyssey.errors import CheckpointError
from tests.stylegan.stylegan_testkit import write_pickle
from tests.tfpickle.tf_testkit import (
    SOURCE,
    Network,
    dumps_tf_pickle,
    sg2_record,
    stand_in,
    write_tf_pickle,
)


class Payload:
    """A pickle payload: ``func(arg)`` runs at load time under Python's own pickle."""

    def __init__(self, func, arg) -> None:
        self.func, self.arg = func, arg

    def __reduce__(self):
        return (self.func, (self.arg,))


def _same(a: TFNetwork, b: TFNetwork) -> None:
    assert (a.name, a.build_func_name, a.static_kwargs, list(a.components)) == (b.name, b.build_func_name, b.static_kwargs, list(b.components))
    assert list(a.variables) == list(b.variables)
    for name, value in a.variables.items():
        assert value.dtype == np.float32 and value.shape == b.variables[name].shape and np.array_equal(value, b.variables[name]), name
    for key in a.components:
        _same(a.components[key], b.components[key])


@pytest.mark.parametrize(("protocol", "spelling"), [(2, "numpy.core"), (3, "numpy.core"), (4, "numpy._core"), (5, "numpy._core")])
def test_reads_what_nvidia_wrote(tmp_path: Path, protocol: int, spelling: str) -> None:
    gs = sg2_record("config-f-resnet")
    path = write_tf_pickle(tmp_path / "net.pkl", gs, protocol=protocol, numpy_spelling=spelling)
    assert is_tf_pickle(path) and not is_network_pickle(path)
    networks = read_tf_pickle(path)
    assert list(networks) == ["G", "D", "Gs"]
    read = networks["Gs"]
    _same(read, gs)
    assert read.component("synthesis").variables["4x4/Conv/noise_strength"].shape == ()  # a numpy scalar in the file
    assert read.format_version == 4 and read.module_name == ""
    assert read.source_sha256 == hashlib.sha256(SOURCE.encode()).hexdigest()
    assert networks["D"].build_func_name == "D_stylegan2"
    with pytest.raises(KeyError, match="has: synthesis, mapping"):
        read.component("encoder")


def test_progan_and_single_networks(tmp_path: Path) -> None:
    gs = TFNetwork("Gs", "G_paper", {"resolution": 16, "dtype": np.float32(1.5)}, {"lod": np.zeros((), np.float32), "4x4/Dense/weight": np.ones((4, 8), np.float32)})
    path = write_tf_pickle(tmp_path / "progan.pkl", gs, progan=True, protocol=4)
    assert is_tf_pickle(path)
    read = read_tf_pickle(path)["Gs"]
    assert read.format_version == 2 and read.components == {}
    assert read.static_kwargs == {"resolution": 16, "dtype": 1.5}  # numpy scalars in kwargs become numbers
    (tmp_path / "one.pkl").write_bytes(dumps_tf_pickle(stand_in(sg2_record("orig"))))
    assert list(read_tf_pickle(tmp_path / "one.pkl")) == ["Gs"]
    (tmp_path / "dict.pkl").write_bytes(dumps_tf_pickle({"Gs": stand_in(sg2_record("orig")), "G": stand_in(sg2_record("orig"))}))
    assert list(read_tf_pickle(tmp_path / "dict.pkl")) == ["Gs", "G"]


def test_the_embedded_build_source_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w').write('the build module ran')\n"
    path = write_tf_pickle(tmp_path / "net.pkl", sg2_record(), source=source)
    read = read_tf_pickle(path)
    assert read["Gs"].source_sha256 == hashlib.sha256(source.encode()).hexdigest()
    assert not marker.exists()


@pytest.mark.parametrize("where", ["top", "kwargs", "variable", "component"])
def test_payloads_are_refused_and_never_run(tmp_path: Path, where: str) -> None:
    marker = tmp_path / "ran"
    payload = Payload(os.system, f"touch {marker}")
    gs = stand_in(sg2_record("orig"))
    if where == "top":
        data = (gs, payload, gs)
    elif where == "kwargs":
        gs.state["static_kwargs"]["resolution"] = payload
        data = (gs, gs, gs)
    elif where == "variable":
        gs.state["variables"].append(("dlatent_avg2", payload))
        data = (gs, gs, gs)
    else:
        gs.state["components"]["synthesis"].state["build_func_name"] = Payload(eval, f"open({str(marker)!r}, 'w')")
        data = (gs, gs, gs)
    path = tmp_path / "evil.pkl"
    path.write_bytes(dumps_tf_pickle(data))
    with pytest.raises(CheckpointError, match=r"evil\.pkl: refused global (posix|nt|os)\.system|evil\.pkl: refused global builtins\.eval") as caught:
        read_tf_pickle(path)
    assert "\n" not in str(caught.value)
    assert not marker.exists()


@pytest.mark.parametrize(("value", "named"), [
    (pickle.PickleBuffer, "pickle.PickleBuffer"),
    (Path, "pathlib"),
    (np.random.RandomState, "numpy.random"),
])  # fmt: skip
def test_unknown_globals_are_named(tmp_path: Path, value: object, named: str) -> None:
    gs = stand_in(sg2_record("orig"))
    gs.state["static_kwargs"]["extra"] = value
    path = tmp_path / "odd.pkl"
    path.write_bytes(dumps_tf_pickle((gs, gs, gs)))
    with pytest.raises(CheckpointError, match=rf"odd\.pkl: refused global {named}"):
        read_tf_pickle(path)


def test_pytorch_classes_and_torch_globals_are_not_allowed(tmp_path: Path) -> None:
    """The allow-list is the TF pickles' own: a PyTorch network pickle's globals are refused here."""
    path, _ = write_pickle(tmp_path / "torch.pkl", "sg2-skip")
    assert not is_tf_pickle(path)
    with pytest.raises(CheckpointError, match=r"torch\.pkl: refused global torch_utils\.persistence\._reconstruct_persistent_obj"):
        read_tf_pickle(path)


def _huge_array_pickle() -> bytes:
    """An array whose BUILD state declares 2**40 float32 values but holds 4 bytes."""

    class Huge:
        def __reduce__(self):
            reconstruct = np.ndarray.__reduce__(np.zeros(1, np.float32))[0]
            return (reconstruct, (np.ndarray, (0,), b"b"), (1, (1 << 40,), np.dtype(np.float32), False, b"\0\0\0\0"))

    gs = stand_in(sg2_record("orig"))
    gs.state["variables"].append(("huge", Huge()))
    return dumps_tf_pickle((gs, gs, gs))


def test_huge_declared_sizes_fail_fast(tmp_path: Path) -> None:
    cases = {
        "array.pkl": (_huge_array_pickle(), r"declares a numpy array of shape \(1099511627776,\) \(4,398,046,511,104 bytes\)"),
        "bytes8.pkl": (b"\x80\x04" + pickle.BINBYTES8 + struct.pack("<Q", 1 << 50) + b"x" * 16, r"declares 1125899906842624 bytes where 16 remain"),
        "frame.pkl": (b"\x80\x04" + pickle.FRAME + struct.pack("<Q", 1 << 45) + b"x" * 16, r"declares 35184372088832 bytes"),
        "bytearray8.pkl": (b"\x80\x05" + pickle.BYTEARRAY8 + struct.pack("<Q", 1 << 50) + b"x" * 16, r"declares a 1125899906842624-byte buffer"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        start = time.perf_counter()
        with pytest.raises(CheckpointError, match=message):
            read_tf_pickle(tmp_path / name)
        assert time.perf_counter() - start < 1.0, name


def test_malformed_files_fail_with_one_line(tmp_path: Path) -> None:
    gs = stand_in(sg2_record("orig"))
    loop = stand_in(sg2_record("orig"))
    loop.state["components"]["itself"] = loop
    odd_state = stand_in(sg2_record("orig"))
    odd_state.state["run_me"] = "print('hi')"
    twice = stand_in(sg2_record("orig"))
    twice.state["variables"].append(twice.state["variables"][0])
    objects = stand_in(sg2_record("orig"))
    objects.state["variables"].append(("names", np.array(["a", None], dtype=object)))
    full = dumps_tf_pickle((gs, gs, gs))
    cases = {
        "cycle.pkl": (dumps_tf_pickle((loop, loop, loop)), "holds a value that contains itself"),
        "state.pkl": (dumps_tf_pickle((odd_state,) * 3), r"state entries NVIDIA's Network never writes \(run_me\)"),
        "twice.pkl": (dumps_tf_pickle((twice,) * 3), "has variable 'lod' twice"),
        "objects.pkl": (dumps_tf_pickle((objects,) * 3), "object dtype"),
        "truncated.pkl": (full[: len(full) // 2], "truncated|corrupt"),
        "tuple.pkl": (dumps_tf_pickle((gs, gs)), r"not NVIDIA's \(G, D, Gs\) networks"),
        "plain.pkl": (pickle.dumps({"a": 1}), r"not NVIDIA's \(G, D, Gs\) networks"),
        "text.pkl": (b"hello", "not a pickle of protocol 2-5"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(CheckpointError, match=message) as caught:
            read_tf_pickle(tmp_path / name)
        assert "\n" not in str(caught.value) and name in str(caught.value), name
    with pytest.raises(CheckpointError, match="does not exist"):
        read_tf_pickle(tmp_path / "missing.pkl")


def test_sniff_reads_only_the_first_global(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    names_as_data = tmp_path / "names.pkl"
    names_as_data.write_bytes(pickle.dumps({"module": "dnnlib.tflib.network", "name": "Network"}))
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(dumps_tf_pickle((Payload(os.system, f"touch {marker}"), Network({}))))  # a payload before the network
    assert not is_tf_pickle(names_as_data) and not is_tf_pickle(evil) and not is_tf_pickle(tmp_path / "missing.pkl")
    assert not marker.exists()
