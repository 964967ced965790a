"""``odyssey convert`` over every family with a native form: bit-identical frames after converting."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from odyssey.adapters import load_generator
from odyssey.api import convert_checkpoint
from odyssey.errors import CheckpointError
from odyssey.models.checkpoint import read_native_metadata
from test_adapter_contract import CASES, FORMATS

NO_NATIVE_FORM = {"torchscript-vae"}  # code odyssey did not write (a factory returning odyssey's own VAENet converts)


@pytest.mark.parametrize("case", [c for c in CASES if c not in NO_NATIVE_FORM])
def test_converted_models_render_identical_frames(case: str, tmp_path: Path) -> None:
    _, make = CASES[case]
    source, options = make(tmp_path)
    target = tmp_path / "out" / "converted.safetensors"
    info = convert_checkpoint(source, target, format=FORMATS.get(case), options=options or None)
    original, converted = load_generator(source, FORMATS.get(case), options), load_generator(target)
    assert converted.info.name == "converted" == info.name
    assert (converted.info.latent_shape, converted.info.resolution, converted.info.class_names) == (
        original.info.latent_shape,
        original.info.resolution,
        original.info.class_names,
    )
    assert len(read_native_metadata(target)["original_sha256"]) == 64
    z = torch.stack([original.seed_latent(s) for s in range(3)])
    assert torch.equal(z, torch.stack([converted.seed_latent(s) for s in range(3)]))
    labels = torch.eye(original.info.num_classes)[:3] if original.info.conditional else None
    with torch.inference_mode():
        assert torch.equal(original.synthesize(z, labels), converted.synthesize(z, labels))


@pytest.mark.parametrize("case", sorted(NO_NATIVE_FORM))
def test_code_odyssey_did_not_write_is_not_converted(case: str, tmp_path: Path) -> None:
    source, options = CASES[case][1](tmp_path)
    with pytest.raises(CheckpointError, match="no native form"):
        convert_checkpoint(source, tmp_path / "c.safetensors", format=FORMATS.get(case), options=options)
    assert not (tmp_path / "c.safetensors").exists()


def test_the_target_must_be_safetensors_and_not_the_source(tmp_path: Path) -> None:
    source, _ = CASES["native-unconditional"][1](tmp_path)
    with pytest.raises(CheckpointError, match="must end in .safetensors"):
        convert_checkpoint(source, tmp_path / "c.pt")
    with pytest.raises(CheckpointError, match="the file being converted"):
        convert_checkpoint(source, source)
