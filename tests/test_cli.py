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
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert result.exit_code == 1 and len(errors) == 1 and "Traceback" not in result.stderr, result.output
        assert str(model.name) in errors[0]


def test_unwritable_output(tmp_path, path_file):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke("render", path_file, "--out", blocker / "sub" / "o.mp4", "--quiet")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")


def test_debug_shows_traceback(tmp_path, tiny_dcgan):
    path_file = write_path_file(tmp_path, tiny_dcgan, "path: {keyframes: [1], lop: true}")
    result = invoke("--debug", "check", path_file)
    assert result.exit_code != 0 and result.exception is not None


# -- a new user's first hour (issue 11) ---------------------------------------------------


def test_help_is_plain_and_names_what_to_type():
    for command in ("render", "check", "seeds", "join", "plan", "preview", "models", "convert", "train-vae"):
        text = invoke(command, "--help").stdout
        assert "<bool>" not in text and "{" not in text.splitlines()[0], text
    render = invoke("render", "--help").stdout
    assert "Usage: odyssey render [OPTIONS] PATH.yaml" in render
    assert "pip install 'odyssey[ray]'" in " ".join(render.split())  # option text is printed as written
    assert "--force" in render and "--quiet" in render


def test_render_says_where_it_goes_first_and_where_it_went_last(tmp_path, path_file):
    out = tmp_path / "o.mp4"
    loud = invoke("render", path_file, "--out", out, "--set", "size=32")
    assert loud.exit_code == 0, loud.output
    notes = loud.stderr.splitlines()
    assert notes[0].startswith("rendering ") and notes[0].endswith(f"to {out}") and any(n.startswith("loading model") for n in notes)
    assert loud.stdout.startswith(f"wrote {out} (20 frames, ")
    again = invoke("render", path_file, "--out", out, "--set", "size=32", "--quiet")
    assert again.exit_code == 0 and again.stderr == ""
    assert again.stdout.strip() == f"{out} is already this render (nothing changed); --force renders it again"
    changed = invoke("render", path_file, "--out", out, "--set", "size=16", "--quiet")
    errors = changed.stderr.strip().splitlines()
    assert changed.exit_code == 1 and len(errors) == 1 and "add --force to replace it" in errors[0]
    forced = invoke("render", path_file, "--out", out, "--set", "size=16", "--quiet", "--force")
    assert forced.exit_code == 0 and forced.stdout.startswith(f"wrote {out} (20 frames, ")


def test_quiet_still_says_where_the_file_went(tmp_path, path_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("render", path_file, "--quiet", "--set", "size=16")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("wrote renders/p.mp4 (20 frames, ")  # the default, in the current folder


@pytest.mark.parametrize(
    ("model", "body", "expected"),
    [
        ("tiny_cdcgan", "class: purple\npath: {keyframes: [1, 2]}", "class: unknown class 'purple'"),
        ("tiny_dcgan", "class: 1\npath: {keyframes: [1, 2]}", "class: model tiny is not conditional"),
        ("tiny_dcgan", "truncation: {psi: 0.7, cutoff: 4}\npath: {keyframes: [1, 2]}", "truncation: model tiny (dcgan) has no w space"),
        ("tiny_dcgan", "path: {keyframes: [1, {vector: missing.npy}]}", "path.keyframes.1.vector: no such file"),
        ("tiny_dcgan", "path: {legs: [{type: direction, direction: nope.npy, duration: 1}]}", "path.legs.0.direction: no such file"),
    ],
)
def test_errors_found_while_planning_name_the_path_file(tmp_path, request, model, body, expected):
    path_file = write_path_file(tmp_path, request.getfixturevalue(model), body)
    result = invoke("check", path_file)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.exit_code == 1 and len(errors) == 1 and "Traceback" not in result.output, result.output
    assert errors[0].startswith(f"error: {path_file}: ") and expected in errors[0]


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_check_fails_where_render_would_fail(tmp_path, tiny_dcgan):
    for body, expected in [("device: cuda\npath: {keyframes: [1, 2]}", "device: cuda was asked for"), ("precision: fp16\ndevice: cpu\npath: {keyframes: [1, 2]}", "precision: fp16 is not supported on the CPU")]:
        path_file = write_path_file(tmp_path, tiny_dcgan, body)
        for command in ("check", "render"):
            result = invoke(command, path_file, "--out", tmp_path / "o.mp4")
            errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
            assert result.exit_code == 1 and errors == [errors[0]] and errors[0].startswith(f"error: {path_file}: ") and expected in errors[0], result.output
    assert not (tmp_path / "o.mp4").exists() and not (tmp_path / ".odyssey-work").exists()


def test_check_tells_how_a_render_would_run_and_what_to_know(tmp_path, path_file):
    text = invoke("check", path_file, "--set", "size=[64,32]", "--set", "fit=crop")
    assert text.exit_code == 0, text.output
    assert "render    cpu, fp32, batches of " in text.stdout and "mp4: libx264, crf 18, preset medium" in text.stdout
    assert "note      size 64x32 has another aspect than the model's 16x16: fit crop" in text.stdout
    data = json.loads(invoke("check", path_file, "--json").stdout)
    assert data["render"]["device"] == "cpu" and data["notes"] == []


def test_seeds_draws_a_labelled_sheet_of_a_models_seeds(tmp_path, tiny_cdcgan):
    out = tmp_path / "seeds.png"
    result = invoke("seeds", tiny_cdcgan, "3,10-12", "--class", "1", "--truncation", "0.8", "--out", out)
    assert result.exit_code == 0, result.output
    sheet = Image.open(out)
    assert sheet.size == (2 * 16, 2 * (16 + 14))  # four 16 px tiles, 2 x 2, each with a label strip
    for args, expected in [(["3"], "is conditional: give --class"), (["5-2", "--class", "0"], "runs backwards")]:
        bad = invoke("seeds", tiny_cdcgan, *args, "--out", out)
        assert bad.exit_code == 1 and expected in bad.stderr
    default = invoke("seeds", "dcgan-faces", "0-3", "--size", "24", "--out", tmp_path / "faces.png")
    assert default.exit_code == 0 and Image.open(tmp_path / "faces.png").size == (48, 2 * (24 + 14))
