"""Every example in paths/ validates and renders (shortened with --set), with the bundled models."""

from __future__ import annotations

import json
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from typer.testing import CliRunner

from odyssey.cli import app
from tests.conftest import REPO

EXAMPLES = sorted((REPO / "paths").glob("*.yaml"))
# Examples for the user's own models (a StyleGAN pickle given with --set model=...): run here with tiny ones.
OWN_MODEL_EXAMPLES = sorted((REPO / "paths" / "your-models").glob("*.yaml"))
runner = CliRunner()


def test_there_are_examples():
    assert {p.name for p in OWN_MODEL_EXAMPLES} >= {"stylegan-w-loop.yaml", "stylegan3-turn.yaml"}
    names = {p.name for p in EXAMPLES}
    assert {"faces-loop.yaml", "eye-colours.yaml", "lerp-vs-slerp.yaml"} <= names


def _model_for(family: str | None, tmp_path: Path) -> list[str]:
    """Examples for the user's own StyleGAN take the pickle from --set model=...: a tiny one here."""
    if family is None:
        return []
    from stylegan_testkit import write_pickle

    return ["--set", f"model={write_pickle(tmp_path / 'network.pkl', family)[0]}"]


def _cases() -> list:
    """Bundled-model examples as they are; each own-model example with every family it is for."""
    cases = [pytest.param(example, None, id=example.name) for example in EXAMPLES]
    for example in OWN_MODEL_EXAMPLES:
        families = ["sg3-t", "sg3-r"] if example.name.startswith("stylegan3") else ["sg2-skip", "sg3-t"]
        cases += [pytest.param(example, family, id=f"{example.name}-{family}") for family in families]
    return cases


@pytest.mark.parametrize(("example", "family"), _cases())
def test_example_renders(tmp_path, example: Path, family: str | None):
    short = ["--set", "fps=3", "--set", "size=48", *_model_for(family, tmp_path)]
    check = runner.invoke(app, ["check", str(example), "--json", *short])
    assert check.exit_code == 0, check.output
    expected = json.loads(check.stdout)["frames"]
    out = tmp_path / "out.mp4"
    result = runner.invoke(app, ["render", str(example), "--quiet", "--out", str(out), *short])
    assert result.exit_code == 0, result.output
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == expected > 0


def test_default_faces_loop_has_no_seam(tmp_path):
    """The README's first render: the faces loop, decoded, flows from its last frame into its first."""
    out = tmp_path / "loop.mp4"
    result = runner.invoke(app, ["render", str(REPO / "paths/faces-loop.yaml"), "--quiet", "--out", str(out), "--set", "fps=8", "--set", "size=64"])
    assert result.exit_code == 0, result.output
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    w, h = meta["size"]
    frames = np.stack([np.frombuffer(f, np.uint8).reshape(h, w, 3).astype(float) for f in reader])
    steps = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
    seam = np.abs(frames[0] - frames[-1]).mean()
    assert len(frames) == 96
    assert seam < 2.0 * np.median(steps) and seam > 0.2 * np.median(steps)
