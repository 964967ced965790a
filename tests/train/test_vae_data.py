"""Image folders: bad images are reported and skipped; bad folders give one clear error; preprocessing is right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from odyssey.cli import app
from odyssey.models.images import image_tensor, load_image
from odyssey.train.data import load_folder, skipped_summary
from odyssey.train.errors import TrainingError
from odyssey.train.vae import train_vae
from vae_testkit import TINY, make_images


def test_unreadable_and_odd_sized_images_are_skipped_with_reasons(tmp_path: Path) -> None:
    folder = make_images(tmp_path / "imgs", count=12)
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (folder / "notes.jpg").write_text("a text file with an image name")
    Image.new("RGB", (6, 6)).save(folder / "tiny.png")
    Image.new("RGB", (200, 20)).save(folder / "banner.png")
    (folder / "readme.txt").write_text("ignored: not an image suffix")
    data = load_folder(folder, 32, 3)
    assert len(data.files) == 12 and data.images.shape == (12, 3, 32, 32)
    reasons = {path.name: reason for path, reason in data.skipped}
    assert set(reasons) == {"broken.png", "notes.jpg", "tiny.png", "banner.png"}
    assert "not an image file" in reasons["notes.jpg"] or "cannot read" in reasons["notes.jpg"]
    assert "odd size 6x6" in reasons["tiny.png"] and "odd size 200x20" in reasons["banner.png"]
    line = skipped_summary(data.skipped, 16, shown=2)
    assert line.startswith("skipped 4 of 16 images: ") and line.endswith("and 2 more")


def test_a_run_reports_skipped_images_and_trains_on_the_rest(tmp_path: Path) -> None:
    folder = make_images(tmp_path / "imgs", count=10)
    (folder / "broken.png").write_bytes(b"garbage")
    said: list[str] = []
    result = train_vae(folder, tmp_path / "m.safetensors", epochs=1, progress=False, log=said.append, **TINY)
    assert [p.name for p, _ in result.skipped] == ["broken.png"]
    assert said[0].startswith("skipped 1 of 11 images: broken.png")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: root / "missing", "missing: no such folder"),
        (lambda root: (root / "a.png").write_bytes(b"x") and root / "a.png", "is a file, not a folder"),
        (lambda root: (root / "empty").mkdir() or root / "empty", "no image files found"),
        (lambda root: (root / "txt").mkdir() or (root / "txt" / "a.txt").write_text("x") and root / "txt", "no image files found"),
        (lambda root: (root / "bad").mkdir() or (root / "bad" / "a.png").write_bytes(b"x") and root / "bad", "none of the 1 image files could be used"),
    ],
    ids=["missing", "file", "empty", "no-images", "all-broken"],
)
def test_bad_folders_give_one_clear_error(tmp_path: Path, make, message: str) -> None:
    folder = make(tmp_path)
    with pytest.raises(TrainingError, match=message):
        load_folder(folder, 32, 3)
    result = CliRunner().invoke(app, ["train-vae", str(folder), "--out", str(tmp_path / "m.safetensors"), "-q"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_subfolders_are_read_and_hidden_files_are_not(tmp_path: Path) -> None:
    make_images(tmp_path / "a", count=2)
    make_images(tmp_path / "a" / "sub", count=3, seed=1)
    make_images(tmp_path / "a" / ".thumbnails", count=4, seed=2)
    assert len(load_folder(tmp_path / "a", 32, 1).files) == 5


def test_transparency_becomes_white_paper_and_the_crop_is_central(tmp_path: Path) -> None:
    rgba = np.zeros((40, 80, 4), np.uint8)  # fully transparent, except an opaque black centre square
    rgba[10:30, 30:50] = (0, 0, 0, 255)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "ink.png")
    gray = load_image(tmp_path / "ink.png", 32, 1)  # (1, 32, 32): the central 40x40 crop, resized
    assert gray.shape == (1, 32, 32) and gray.dtype == np.uint8
    assert gray[0, 0, 0] == 255 and gray[0, 16, 16] == 0
    assert load_image(tmp_path / "ink.png", 32, 3).shape == (3, 32, 32)


def test_image_keyframe_tensor_is_in_the_model_range(tmp_path: Path) -> None:
    Image.fromarray(np.full((16, 16, 3), 255, np.uint8)).save(tmp_path / "white.png")
    x = image_tensor(tmp_path / "white.png", (32, 32), 3, (0.0, 1.0))
    assert x.shape == (1, 3, 32, 32) and float(x.min()) == 1.0
    x = image_tensor(tmp_path / "white.png", (32, 32), 1, (-1.0, 1.0))
    assert x.shape == (1, 1, 32, 32) and float(x.max()) == 1.0
