"""Image keyframes: ``image: drawing.png`` lands exactly where the VAE's encoder puts the drawing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from odyssey.adapters import load_generator
from odyssey.api import load_job
from odyssey.errors import ConfigError
from odyssey.models.images import image_tensor
from tests.conftest import write_path_file

BODY = """fps: 10
path:
  interpolation: {interpolation}
  hold: 0.3
  transition: 1
  keyframes:
    - {{image: drawings/a.png}}
    - 3
    - {{image: drawings/b.png}}
"""


@pytest.fixture
def drawings(tmp_path: Path, disc_folder: Path) -> Path:
    (tmp_path / "drawings").mkdir()
    shutil.copy(disc_folder / "img-000.png", tmp_path / "drawings" / "a.png")
    shutil.copy(disc_folder / "img-007.png", tmp_path / "drawings" / "b.png")
    return tmp_path / "drawings"


@pytest.mark.parametrize("interpolation", ["slerp", "spline"])
def test_image_keyframes_land_where_the_encoder_puts_them(trained, drawings: Path, tmp_path: Path, interpolation: str) -> None:
    path_file = write_path_file(tmp_path, trained.model, BODY.format(interpolation=interpolation))
    job = load_job(path_file, check_output=False)  # relative image paths resolve against the path file
    gen = load_generator(trained.model)
    expected = [gen.encode(image_tensor(drawings / name, (32, 32), 3, (-1.0, 1.0)))[0] for name in ("a.png", "b.png")]
    frames = job.trajectory.keyframe_frames()
    latents = job.trajectory.latents()  # (T, 4)
    torch.testing.assert_close(latents[frames[0]], expected[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(latents[frames[2]], expected[1], atol=1e-5, rtol=0)
    torch.testing.assert_close(latents[frames[1]], gen.seed_latent(3), atol=1e-5, rtol=0)
    assert not torch.allclose(expected[0], expected[1])


def test_an_image_keyframe_needs_a_model_with_an_encoder(tiny_dcgan: Path, drawings: Path, tmp_path: Path) -> None:
    path_file = write_path_file(tmp_path, tiny_dcgan, BODY.format(interpolation="slerp"))
    with pytest.raises(ConfigError, match=r"path\.keyframes\.0\.image: model tiny \(dcgan\) has no encoder"):
        load_job(path_file, check_output=False)


@pytest.mark.parametrize(
    ("keyframe", "message"),
    [
        ("{image: drawings/missing.png}", r"path\.keyframes\.0\.image: no such file .*missing\.png"),
        ("{image: drawings/notes.png}", r"path\.keyframes\.0\.image: .*notes\.png: not an image file"),
        ("{image: drawings/a.png, seed: 2}", "give either 'seed' or 'image', not both"),
    ],
)
def test_image_keyframe_mistakes_name_the_field(trained, drawings: Path, tmp_path: Path, keyframe: str, message: str) -> None:
    (drawings / "notes.png").write_text("not a picture")
    path_file = write_path_file(tmp_path, trained.model, f"path:\n  keyframes:\n    - {keyframe}\n    - 1\n")
    with pytest.raises(ConfigError, match=message):
        load_job(path_file, check_output=False)
