"""odyssey.models.checkpoint: the native format's writer/reader and safe torch.save loading."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from adapters_testkit import Tutorial, native_meta, tiny_net
from odyssey.adapters import load_generator
from odyssey.errors import CheckpointError
from odyssey.models.checkpoint import (
    load_torch_file,
    read_native,
    read_native_metadata,
    sha256_file,
    write_native,
)


class TouchMarker:
    """Unpickling this object opens (creates) ``marker``: code execution made visible."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple:
        return (open, (self.marker, "w"))


# ------------------------------------------------------------------ safety


def test_pickle_that_runs_code_is_refused_and_never_runs(tmp_path: Path) -> None:
    live_marker, marker = tmp_path / "live", tmp_path / "pwned"
    # The payload is real: an unsafe load creates its marker.
    live = tmp_path / "live.pt"
    torch.save({"x": TouchMarker(live_marker)}, live)
    torch.load(live, weights_only=False)
    assert live_marker.exists()

    evil = tmp_path / "evil.pt"
    torch.save({"main.0.weight": torch.zeros(1), "x": TouchMarker(marker)}, evil)
    for load in (load_torch_file, load_generator):
        with pytest.raises(CheckpointError, match="refuses to execute code") as err:
            load(evil)
        assert str(evil) in str(err.value) and re.search(r"(io|builtins)\.open", str(err.value))
    assert not marker.exists()


def test_pickled_module_is_refused_with_a_fix(tmp_path: Path) -> None:
    path = tmp_path / "whole_model.pth"
    torch.save(Tutorial(), path)  # the whole nn.Module, not its state dict
    with pytest.raises(CheckpointError, match=r"state_dict\(\)"):
        load_generator(path)


@pytest.mark.parametrize("content", [b"", b"hello world" * 10, b"PK\x03\x04 truncated zip"])
def test_corrupt_torch_file(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="corrupt") as err:
        load_torch_file(path)
    assert str(path) in str(err.value)


def test_truncated_real_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "cut.pth"
    torch.save(Tutorial().state_dict(), path)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(CheckpointError, match="corrupt"):
        load_generator(path, format="dcgan")


# ------------------------------------------------------------------ native write / read


def test_write_native_round_trip_fp16(tmp_path: Path) -> None:
    net = tiny_net()
    path = tmp_path / "sub" / "m.safetensors"
    digest = write_native(path, net.state_dict(), native_meta(net, nz=16), dtype=torch.float16)
    assert digest == sha256_file(path)
    assert [p.name for p in path.parent.iterdir()] == ["m.safetensors"]  # no temp file left
    tensors, meta = read_native(path)
    assert meta["format_version"] == 1 and meta["kwargs"] == net.kwargs() and meta["class_names"] is None
    assert read_native_metadata(path) == meta
    state = net.state_dict()
    assert tensors.keys() == state.keys()
    for key, value in tensors.items():
        if state[key].is_floating_point():
            assert value.dtype == torch.float16
            torch.testing.assert_close(value.float(), state[key], atol=1e-3, rtol=1e-3)
        else:
            assert value.dtype == state[key].dtype and torch.equal(value, state[key])
    gen = load_generator(path)
    assert gen.parameters_dtype() == torch.float32


def test_write_native_is_deterministic(tmp_path: Path) -> None:
    net = tiny_net()
    first = write_native(tmp_path / "a.safetensors", net.state_dict(), native_meta(net, nz=16))
    second = write_native(tmp_path / "b.safetensors", net.state_dict(), native_meta(net, nz=16))
    assert first == second


def _native_with(tmp_path: Path, header: dict | None) -> Path:
    path = tmp_path / "m.safetensors"
    save_file({"w": torch.zeros(2)}, str(path), metadata=header)
    return path


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "without odyssey metadata"),
        ({"format": "pt"}, "without odyssey metadata"),
        ({"odyssey": "{not json"}, "not JSON"),
        ({"odyssey": "[1, 2]"}, "not a JSON object"),
        ({"odyssey": json.dumps({"format_version": 2})}, "format_version 2"),
        ({"odyssey": json.dumps({"format_version": 1, "architecture": "dcgan"})}, "missing kwargs"),
    ],
)
def test_invalid_native_headers(header: dict | None, message: str, tmp_path: Path) -> None:
    path = _native_with(tmp_path, header)
    with pytest.raises(CheckpointError, match=message) as err:
        read_native(path)
    assert str(path) in str(err.value)


def test_native_missing_and_not_safetensors(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="does not exist"):
        read_native_metadata(tmp_path / "nope.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 64)
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        read_native(junk)


def test_native_unknown_architecture_lists_known(tmp_path: Path) -> None:
    net = tiny_net()
    meta = native_meta(net, nz=16) | {"architecture": "stylegan9"}
    path = tmp_path / "m.safetensors"
    write_native(path, net.state_dict(), meta)
    with pytest.raises(CheckpointError, match=r"stylegan9.*known: dcgan"):
        load_generator(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kwargs": {"in_channels": 16, "widths": [8, 8], "out_channels": 3, "bias": False}}, "do not fit"),
        ({"kwargs": {"in_channels": 16, "depth": 3}}, "cannot build dcgan"),
        ({"latent_shape": [12]}, "metadata disagrees with the weights"),
    ],
)
def test_native_metadata_inconsistent_with_weights(change: dict, message: str, tmp_path: Path) -> None:
    net = tiny_net()
    path = tmp_path / "m.safetensors"
    write_native(path, net.state_dict(), native_meta(net, nz=16) | change)
    with pytest.raises(CheckpointError, match=message):
        load_generator(path)


def test_native_takes_no_options(tmp_path: Path) -> None:
    net = tiny_net()
    path = tmp_path / "m.safetensors"
    write_native(path, net.state_dict(), native_meta(net, nz=16))
    with pytest.raises(CheckpointError, match="takes no options"):
        load_generator(path, options={"nz": 16})


def test_torch_file_named_safetensors_is_read_by_contents(tmp_path: Path) -> None:
    # The name says native, the contents say torch.save: sniffing finds dcgan, and the
    # loader must not let torch.load dispatch on the ".safetensors" name.
    path = tmp_path / "mislabelled.safetensors"
    torch.save(Tutorial().state_dict(), path)
    assert load_generator(path).info.family == "dcgan"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"channels": 0}, "0 channels"),
        ({"channels": -3}, "-3 channels"),
        ({"resolution": [-16, 16]}, "resolution"),
        ({"resolution": [10**9, 10**9]}, "resolution"),
        ({"latent_shape": [0]}, "latent_shape"),
        ({"latent_shape": [10**7, 10**7]}, "latent_shape"),
        ({"output_range": [1.0, 1.0]}, "output_range"),
        ({"output_range": [0.0, float("nan")]}, "output_range"),
        ({"class_names": "abc"}, "class_names"),
        ({"kwargs": {"in_channels": 16, "widths": [1 << 20, 4], "out_channels": 3, "bias": False}}, "beyond any generator's sizes"),
        ({"kwargs": {"in_channels": 16, "widths": [4096, 4096], "out_channels": 3, "bias": False}}, "do not fit"),
    ],
)
def test_native_metadata_that_lies_is_refused_before_building(change: dict, message: str, tmp_path: Path) -> None:
    """Metadata is checked against what a model can be, and kwargs against the stored weights
    (on the meta device: a 4096-channel network is never allocated)."""
    net = tiny_net()
    path = tmp_path / "m.safetensors"
    write_native(path, net.state_dict(), native_meta(net, nz=16) | change)
    with pytest.raises(CheckpointError, match=message) as info:
        load_generator(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_nan_weights_are_refused(tmp_path: Path) -> None:
    net = tiny_net()
    state = net.state_dict()
    state["blocks.0.conv.weight"][0, 0, 0, 0] = float("nan")
    path = tmp_path / "nan.safetensors"
    write_native(path, state, native_meta(net, nz=16))
    with pytest.raises(CheckpointError, match="holds NaN or infinite values"):
        load_generator(path)


@pytest.mark.parametrize("lie", ["shape", "dtype"])
def test_a_safetensors_header_that_lies_about_its_tensors_is_refused(tmp_path: Path, lie: str) -> None:
    import json as json_module
    import struct

    net = tiny_net()
    path = tmp_path / "m.safetensors"
    write_native(path, net.state_dict(), native_meta(net, nz=16))
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    header = json_module.loads(data[8 : 8 + size])
    entry = header["blocks.0.conv.weight"]
    if lie == "shape":
        entry["shape"] = [entry["shape"][0] * 1000, *entry["shape"][1:]]
    else:
        entry["dtype"] = "F64"
    text = json_module.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + size :])
    with pytest.raises(CheckpointError) as info:
        load_generator(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
