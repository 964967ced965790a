"""Every CLI command, its help, and the one-line error contract."""

from __future__ import annotations

import json

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from odyssey import __version__
from odyssey.cli import app
from tests.conftest import write_path_file

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def path_file(tmp_path, tiny_dcgan):
    return write_path_file(tmp_path, tiny_dcgan, "fps: 10\npath: {keyframes: [1, 2, 3], loop: true, duration: 2}\n")


def test_version_and_help():
    assert invoke("--version").stdout.strip() == f"odyssey {__version__}"
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("render", "check", "plan", "preview", "models", "schema"):
        assert command in result.stdout
        sub = invoke(command, "--help")
        assert sub.exit_code == 0 and "Usage" in sub.stdout


def test_render_writes_video(tmp_path, path_file):
    out = tmp_path / "o.mp4"
    result = invoke("render", path_file, "--out", out, "--quiet", "--set", "size=32")
    assert result.exit_code == 0, result.output
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 20
    assert imageio_ffmpeg.read_frames(str(out)).__next__()["size"] == (32, 32)


def test_check_text_and_json(path_file):
    text = invoke("check", path_file)
    assert text.exit_code == 0 and "20 at 10 fps" in text.stdout
    data = json.loads(invoke("check", path_file, "--json").stdout)
    assert data["frames"] == 20 and data["loop"] is True and data["model"]["latent_shape"] == [100]
    assert data["output"].endswith("p.mp4") and data["format"] == "mp4"


def test_plan_writes_trajectory(tmp_path, path_file):
    out = tmp_path / "z.npy"
    result = invoke("plan", path_file, "--latents", out, "--set", "fps=5")
    assert result.exit_code == 0, result.output
    z = np.load(out)
    assert z.shape == (10, 100) and z.dtype == np.float32


def test_preview_writes_contact_sheet(tmp_path, path_file):
    out = tmp_path / "sheet.png"
    result = invoke("preview", path_file, "--out", out, "--frames", "4")
    assert result.exit_code == 0, result.output
    image = Image.open(out)
    assert image.width >= 2 * 16 and image.height >= 2 * 16


def test_models_lists_bundled_and_describes_files(tiny_dcgan):
    listing = invoke("models")
    assert listing.exit_code == 0 and "dcgan-faces" in listing.stdout and "omniart-eyes" in listing.stdout
    described = invoke("models", tiny_dcgan, "--json")
    assert described.exit_code == 0, described.output
    assert json.loads(described.stdout)["resolution"] in ([16, 16], "16x16")


def test_schema_is_json():
    result = invoke("schema")
    assert result.exit_code == 0 and json.loads(result.stdout)["title"] == "odyssey path file"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("path: {keyframes: [1], lop: true}", "did you mean 'loop'"),
        ("output: x.avi\npath: {keyframes: [1, 2]}", "x.avi"),
        ("path: {keyframes: [1, 2]}\nmodel_file: 3", "unknown key 'model_file'"),
    ],
)
def test_user_errors_are_one_red_line(tmp_path, tiny_dcgan, body, expected):
    path_file = write_path_file(tmp_path, tiny_dcgan, body)
    result = invoke("render", path_file, "--quiet")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob("*.avi"))


def test_missing_and_corrupt_checkpoints(tmp_path):
    corrupt = tmp_path / "bad.pth"
    corrupt.write_bytes(b"not a checkpoint at all")
    for model in (tmp_path / "nope.pth", corrupt):
        path_file = write_path_file(tmp_path, model, "path: {keyframes: [1, 2]}")
        result = invoke("check", path_file)
        assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
        assert str(model.name) in result.stderr


def test_unwritable_output(tmp_path, path_file):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke("render", path_file, "--out", blocker / "sub" / "o.mp4", "--quiet")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")


def test_debug_shows_traceback(tmp_path, tiny_dcgan):
    path_file = write_path_file(tmp_path, tiny_dcgan, "path: {keyframes: [1], lop: true}")
    result = invoke("--debug", "check", path_file)
    assert result.exit_code != 0 and result.exception is not None
