"""The bundled checkpoints: present, small, as documented, and matching PROVENANCE.md.

The golden pixels pin today's output for seed 0. ``checkpoints/convert_bundled.py``
showed that output to be within 0.0034 of the original packages' networks, so a change
here means the loader or ``DCGANNet`` changed behaviour.
"""

from __future__ import annotations

import re

import pytest
import torch

from odyssey.adapters import BUNDLED, checkpoints_dir, describe, list_bundled, load_generator
from odyssey.models.checkpoint import read_native_metadata, sha256_file

EYES = ("amber", "blue", "brown", "gray", "grayscale", "green", "hazel", "red")
EXPECTED = {
    "dcgan-faces": {"latent_shape": (100,), "resolution": (64, 64), "channels": 3, "class_names": None},
    "omniart-eyes": {"latent_shape": (100,), "resolution": (128, 128), "channels": 3, "class_names": EYES},
    "vae-digits": {"latent_shape": (16,), "resolution": (32, 32), "channels": 1, "class_names": None},
}
# seed 0 (label "hazel" for the eyes): mean of the image and the pixel at the centre (R, G, B)
GOLDEN = {
    "dcgan-faces": (-0.33927, [0.31103, 0.02216, -0.07057]),
    "omniart-eyes": (-0.31985, [0.31122, 0.21790, 0.21374]),
    "vae-digits": (0.37180, [-0.55407]),
}


def _provenance_section(name: str) -> str:
    text = (checkpoints_dir() / "PROVENANCE.md").read_text()
    return text.split(f"## {name}\n", 1)[1].split("\n## ", 1)[0]


def test_bundled_names_match_files() -> None:
    assert set(BUNDLED) == set(EXPECTED)
    for file in BUNDLED.values():
        path = checkpoints_dir() / file
        assert path.is_file() and path.stat().st_size < 40_000_000


def test_list_bundled_reads_headers() -> None:
    infos = {info.name: info for info in list_bundled()}
    assert set(infos) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        for field, value in expected.items():
            assert getattr(infos[name], field) == value, (name, field)
        assert infos[name].licence.startswith("MIT")


@pytest.mark.parametrize("name", list(EXPECTED))
def test_bundled_model_loads_as_documented(name: str) -> None:
    gen = load_generator(name)
    for field, value in EXPECTED[name].items():
        assert getattr(gen.info, field) == value
    assert describe(name)["adapter"] == "native"
    labels = (
        torch.zeros(1, 8).index_fill_(1, torch.tensor([EYES.index("hazel")]), 1.0)
        if gen.info.conditional
        else None
    )
    out = gen.synthesize(gen.seed_latent(0)[None], labels)  # (1, 3, H, W)
    height, width = gen.info.resolution
    mean, centre = GOLDEN[name]
    torch.testing.assert_close(out.mean(), torch.tensor(mean), atol=1e-4, rtol=0)
    torch.testing.assert_close(out[0, :, height // 2, width // 2], torch.tensor(centre), atol=1e-4, rtol=0)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_hashes_match_provenance(name: str) -> None:
    section = _provenance_section(name)
    path = checkpoints_dir() / BUNDLED[name]
    original = re.search(r"original sha256 \| `([0-9a-f]{64})`", section)
    if original:  # converted from a published file
        converted = re.search(r"converted sha256 \| `([0-9a-f]{64})`", section)
        assert read_native_metadata(path)["original_sha256"] == original.group(1)
    else:  # trained here (vae-digits): one hash, of the file itself
        converted = re.search(r"\| sha256 \| `([0-9a-f]{64})`", section)
    assert converted and sha256_file(path) == converted.group(1)
    assert f"{path.stat().st_size:,} bytes" in section
