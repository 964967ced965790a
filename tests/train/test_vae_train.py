"""Training: the loss drops, runs are repeatable, resume continues from the saved step, files are right."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from odyssey.adapters import load_generator
from odyssey.cli import app
from odyssey.models.checkpoint import read_native
from odyssey.train.errors import TrainingError
from odyssey.train.state import load_state, state_path
from odyssey.train.vae import split_indices, train_vae
from vae_testkit import TINY

QUIET = {"progress": False, "log": lambda _: None}


def test_training_lowers_the_loss(trained) -> None:
    first, last = trained.history[0], trained.history[-1]
    assert last["loss"] < 0.6 * first["loss"], [round(h["loss"], 4) for h in trained.history]
    assert last["val_loss"] < first["val_loss"]
    assert trained.events == [] and trained.skipped == []
    assert trained.step == 10 * math.ceil(29 / 8)  # 32 images, 3 held out, batches of 8


def test_each_epoch_writes_model_state_and_sheet(trained) -> None:
    tensors, meta = read_native(trained.model)
    assert meta["architecture"] == "vae" and meta["family"] == "vae" and meta["latent_shape"] == [4]
    assert meta["training"]["epochs"] == 10 and meta["training"]["step"] == trained.step
    assert all(torch.isfinite(t).all() for t in tensors.values())
    state = load_state(state_path(trained.model))
    assert state["epoch"] == 10 and state["step"] == trained.step and len(state["history"]) == 10
    sheets = sorted(trained.samples.glob("epoch-*.png"))
    assert [p.name for p in sheets] == [f"epoch-{e:04d}.png" for e in range(1, 11)]
    with Image.open(sheets[-1]) as sheet:  # 4 rows x 8 columns of 32 px tiles enlarged to 64 px, 2 px grid
        assert sheet.size == (8 * 66 + 2, 4 * 66 + 2) and sheet.mode == "RGB"


def test_the_trained_file_renders_through_the_registry(trained) -> None:
    gen = load_generator(trained.model)
    assert gen.info.family == "vae" and gen.info.resolution == (32, 32) and gen.info.channels == 3
    images = gen.synthesize(torch.stack([gen.seed_latent(s) for s in range(3)]))
    assert images.shape == (3, 3, 32, 32) and images.abs().max() <= 1


def test_resume_continues_from_the_saved_step_and_matches_an_uninterrupted_run(disc_folder: Path, tmp_path: Path) -> None:
    whole = train_vae(disc_folder, tmp_path / "whole.safetensors", epochs=3, **TINY, **QUIET)
    part = train_vae(disc_folder, tmp_path / "part.safetensors", epochs=2, **TINY, **QUIET)
    steps = math.ceil(29 / 8)
    assert part.step == 2 * steps
    said: list[str] = []
    resumed = train_vae(disc_folder, tmp_path / "part.safetensors", epochs=3, resume=True, progress=False, log=said.append, **TINY)
    assert any("resuming" in line and f"step {2 * steps}" in line for line in said)
    assert resumed.step == 3 * steps and [h["epoch"] for h in resumed.history] == [1, 2, 3]
    assert [h["step"] for h in resumed.history] == [steps, 2 * steps, 3 * steps]
    a, _ = read_native(whole.model)
    b, _ = read_native(resumed.model)
    assert all(torch.equal(a[k], b[k]) for k in a)  # bit-identical on the CPU


def test_the_same_seed_gives_the_same_model_and_another_seed_does_not(disc_folder: Path, tmp_path: Path) -> None:
    runs = [train_vae(disc_folder, tmp_path / f"{i}.safetensors", epochs=1, seed=s, **TINY, **QUIET) for i, s in enumerate((0, 0, 1))]
    a, b, c = (read_native(r.model)[0] for r in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["from_latent.weight"], c["from_latent.weight"])


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        ({}, {"latent_dim": 8}, "--latent 4 -> 8"),
        ({}, {"epochs": 1}, "raise --epochs"),
    ],
)
def test_resume_refuses_what_it_cannot_continue(disc_folder: Path, tmp_path: Path, first: dict, then: dict, message: str) -> None:
    out = tmp_path / "m.safetensors"
    train_vae(disc_folder, out, epochs=1, **{**TINY, **first}, **QUIET)
    with pytest.raises(TrainingError, match=message):
        train_vae(disc_folder, out, resume=True, **{**TINY, "epochs": 2, **then}, **QUIET)


def test_resume_without_saved_state_says_how_to_start(disc_folder: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="no training state to resume; run without --resume"):
        train_vae(disc_folder, tmp_path / "new.safetensors", resume=True, **TINY, **QUIET)


def test_resume_keeps_metadata_not_given_again(disc_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.safetensors"
    train_vae(disc_folder, out, epochs=1, name="mine", licence="CC0", **TINY, **QUIET)
    train_vae(disc_folder, out, epochs=2, resume=True, **TINY, **QUIET)
    meta = read_native(out)[1]
    assert meta["name"] == "mine" and meta["licence"] == "CC0"
    said: list[str] = []
    train_vae(disc_folder, out, epochs=1, progress=False, log=said.append, **TINY)  # forgot --resume: say so
    assert any("starting afresh" in line and "--resume" in line for line in said)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"resolution": 48}, "--resolution 48: must be one of 32, 64, 128, 256"),
        ({"loss": "huber"}, "--loss 'huber': use one of mse, l1, bce"),
        ({"val_split": 1.0}, "--val-split 1.0"),
        ({"lr": 0}, "--lr 0"),
        ({"colour": True}, "unknown training option"),
    ],
)
def test_bad_options_name_the_flag(disc_folder: Path, tmp_path: Path, options: dict, message: str) -> None:
    with pytest.raises(TrainingError, match=message):
        train_vae(disc_folder, tmp_path / "m.safetensors", **options, **QUIET)
    assert not (tmp_path / "m.safetensors").exists()


def test_out_must_be_a_safetensors_file(disc_folder: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="ending in .safetensors"):
        train_vae(disc_folder, tmp_path / "m.pt", **TINY, **QUIET)


def test_split_is_seeded_disjoint_and_keeps_a_training_image() -> None:
    train, val = split_indices(10, 0.3, seed=0)
    assert len(val) == 3 and set(train.tolist()) | set(val.tolist()) == set(range(10))
    assert torch.equal(val, split_indices(10, 0.3, seed=0)[1])
    assert len(split_indices(1, 0.5, seed=0)[0]) == 1


@pytest.mark.parametrize("loss", ["l1", "bce"])
def test_other_losses_and_grayscale_with_flips_train(disc_folder: Path, tmp_path: Path, loss: str) -> None:
    result = train_vae(disc_folder, tmp_path / "g.safetensors", epochs=2, loss=loss, grayscale=True, flip=True, **TINY, **QUIET)
    assert result.history[-1]["loss"] < result.history[0]["loss"] and result.events == []
    assert load_generator(result.model).info.channels == 1


def test_the_command_trains_and_says_where_the_model_is(disc_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.safetensors"
    args = ["train-vae", str(disc_folder), "--out", str(out), "-r", "32", "--latent", "4", "--width", "8", "-e", "1", "-b", "8", "-q"]
    result = CliRunner().invoke(app, [*args, "--meta", "name=from-cli"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (1 epochs, 4 steps, val loss " in result.stdout
    assert load_generator(out).info.name == "from-cli"
    bad = CliRunner().invoke(app, [*args, "--meta", "epochs=3"])
    assert bad.exit_code == 2 and "--meta" in bad.output


def test_ctrl_c_points_at_resume(disc_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    import odyssey.api as api

    monkeypatch.setattr(api, "train_vae", interrupted)
    result = CliRunner().invoke(app, ["train-vae", str(disc_folder), "--out", str(tmp_path / "m.safetensors")])
    assert result.exit_code == 130 and "go on with --resume" in result.output
