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
# Own-model examples rendered with tiny models of other families than StyleGAN (default: StyleGAN).
OWN_FAMILIES = {"stylegan-w-loop.yaml": ["sg2-skip", "sg3-t", "tf-config-f"], "progan-zoo.yaml": ["gan_zoo-pgan", "gan_zoo-dcgan"], "rosinality-w-loop.yaml": ["rosinality-train", "rosinality-converted"]}
OWN_FAMILIES["biggan-classes.yaml"] = ["biggan"]  # a tiny pytorch-pretrained-BigGAN pair (tests/biggan), given by its config.json
OWN_FAMILIES.update({"progan-faces.yaml": ["tfv1-progan"], "stylegan1-w-loop.yaml": ["tfv1-stylegan1"]})  # TF-era pickles (tests/tfpickle_v1)
OWN_FAMILIES["art-dcgan-landscapes.yaml"] = ["torch7-landscapes"]  # a tiny Torch7 art-DCGAN .t7 (tests/torch7)


def test_there_are_examples():
    assert {p.name for p in OWN_MODEL_EXAMPLES} >= {"stylegan-w-loop.yaml", "stylegan3-turn.yaml"}
    names = {p.name for p in EXAMPLES}
    assert {"faces-loop.yaml", "eye-colours.yaml", "lerp-vs-slerp.yaml"} <= names


def _model_for(family: str | None, tmp_path: Path) -> list[str]:
    """Examples for the user's own StyleGAN take the pickle from --set model=...: a tiny one here."""
    if family is None:
        return []
    if family == "biggan":
        from tests.biggan.biggan_testkit import write_biggan

        return ["--set", f"model={write_biggan(tmp_path / 'biggan-deep-tiny')[0]}"]
    if family.startswith("torch7-"):
        from tests.torch7.t7_testkit import write_example as write_t7

        return ["--set", f"model={write_t7(tmp_path, family)}"]
    if family.startswith("gan_zoo-"):
        from tests.gan_zoo.gan_zoo_testkit import write_example

        return ["--set", f"model={write_example(tmp_path, family)}"]
    if family.startswith("rosinality-"):
        from tests.rosinality.rosinality_testkit import write_example as write_rosinality

        return ["--set", f"model={write_rosinality(tmp_path, family)}"]
    if family.startswith("tfv1-"):  # a TensorFlow-era ProGAN / StyleGAN (v1) pickle (tests/tfpickle_v1)
        from tests.tfpickle_v1.tfv1_testkit import progan_record, sg1_record, write_v1_pickle

        record = progan_record() if family == "tfv1-progan" else sg1_record()
        return ["--set", f"model={write_v1_pickle(tmp_path / 'network.pkl', record)}"]
    if family.startswith("tf-"):  # a TensorFlow-era StyleGAN2 pickle (tests/tfpickle)
        from tests.tfpickle.tf_testkit import sg2_record, write_tf_pickle

        return ["--set", f"model={write_tf_pickle(tmp_path / 'network.pkl', sg2_record(family[3:]))}"]
    from stylegan_testkit import write_pickle

    return ["--set", f"model={write_pickle(tmp_path / 'network.pkl', family)[0]}"]


def _cases() -> list:
    """Bundled-model examples as they are; each own-model example with every family it is for."""
    cases = [pytest.param(example, None, id=example.name) for example in EXAMPLES]
    for example in OWN_MODEL_EXAMPLES:
        families = ["sg3-t", "sg3-r"] if example.name.startswith("stylegan3") else ["sg2-skip", "sg3-t"]
        families = OWN_FAMILIES.get(example.name, families)
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
