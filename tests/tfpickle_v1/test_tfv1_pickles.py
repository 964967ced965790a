"""ProGAN / StyleGAN (v1) TF pickles end to end: found, read safely, rendered, converted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from odyssey.adapters import describe, load_generator
from odyssey.adapters.tfpickle import progan_tf, sg1_tf
from odyssey.api import convert_checkpoint
from odyssey.errors import CheckpointError
from tests.tfpickle.tf_testkit import dumps_tf_pickle, stand_in
from tfv1_testkit import progan_record, sg1_record, write_v1_pickle

CASES = {
    "progan": (lambda: progan_record(label_size=2, seed=1), progan_tf, "progan"),
    "stylegan1": (lambda: sg1_record(seed=2), sg1_tf, "stylegan1"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_pickle_is_found_by_its_contents_and_renders_as_its_record(case: str, tmp_path: Path) -> None:
    make, module, family = CASES[case]
    path = write_v1_pickle(tmp_path / "network.dat", make())  # no .pkl suffix: sniffed
    assert describe(path)["adapter"] == "tfpickle" and describe(path)["family"] == family
    gen = load_generator(path)
    direct = module.from_tf(make(), str(path))
    z = torch.stack([gen.seed_latent(s) for s in range(2)])
    labels = torch.eye(2) if gen.info.conditional else None
    assert torch.equal(gen.synthesize(z, labels), direct.synthesize(z, labels))
    assert torch.equal(load_generator(path, options={"key": "G"}).synthesize(z, labels), direct.synthesize(z, labels))


@pytest.mark.parametrize("case", list(CASES))
def test_convert_gives_a_native_file_with_identical_frames(case: str, tmp_path: Path) -> None:
    make, _, family = CASES[case]
    path = write_v1_pickle(tmp_path / "network.pkl", make())
    info = convert_checkpoint(path, tmp_path / "converted.safetensors")
    assert info.family == family
    native, original = load_generator(tmp_path / "converted.safetensors"), load_generator(path)
    assert describe(tmp_path / "converted.safetensors")["adapter"] == "native"
    z = torch.stack([original.seed_latent(s) for s in range(3)])
    labels = torch.eye(2)[[0, 1, 0]] if original.info.conditional else None
    psi = torch.tensor([1.0, 0.5, 0.0])
    assert torch.equal(native.synthesize(z, labels, psi), original.synthesize(z, labels, psi))


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("progan", [True, False])
def test_a_payload_in_the_kwargs_is_refused_and_nothing_runs(tmp_path: Path, progan: bool) -> None:
    marker = tmp_path / "ran"
    record = progan_record() if progan else sg1_record()
    record.static_kwargs["resolution"] = _Payload(marker)
    path = tmp_path / "evil.pkl"
    path.write_bytes(dumps_tf_pickle(tuple(stand_in(record, progan=progan) for _ in range(3))))
    with pytest.raises(CheckpointError, match="refused global (posix|nt).system") as exc:
        load_generator(path, format="tfpickle")
    assert "\n" not in str(exc.value) and str(path) in str(exc.value)
    assert not marker.exists()
