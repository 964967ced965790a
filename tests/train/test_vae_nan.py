"""Divergence: a NaN/inf is caught at its step, the last good state comes back, the learning rate halves,
the user is told, and no NaN is ever written."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import odyssey.train.trainer as trainer_module
from odyssey.models.checkpoint import read_native
from odyssey.train.errors import TrainingError
from odyssey.adapters.vae_net import VAENet
from odyssey.train.options import make_options
from odyssey.train.state import save_model
from odyssey.train.vae import train_vae
from odyssey.train.trainer import MAX_RECOVERIES, Trainer
from vae_testkit import TINY


def _trainer(log: list[str]) -> Trainer:
    options = make_options({**TINY, "lr": 1e-3})
    torch.manual_seed(0)
    net = VAENet(32, 3, 4, 8, 64)
    trainer = Trainer(net, options, torch.device("cpu"), steps_per_epoch=4, log=log.append)
    trainer.take_snapshot()
    return trainer


def _batch(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(8, 3, 32, 32, generator=gen) * 2 - 1, torch.randn(8, 4, generator=gen)


def _state(trainer: Trainer) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in trainer.net.state_dict().items()}


def test_a_nan_loss_restores_the_last_good_state_and_halves_the_lr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trainer_module, "SNAPSHOT_EVERY", 5)
    log: list[str] = []
    trainer = _trainer(log)
    for _ in range(5):  # a new snapshot is taken at step 5
        assert trainer.train_step(*_batch()) is not None
    good = _state(trainer)
    for _ in range(3):
        trainer.train_step(*_batch())
    assert not all(torch.equal(good[k], v) for k, v in trainer.net.state_dict().items())

    real = trainer_module.vae_loss
    monkeypatch.setattr(trainer_module, "vae_loss", lambda *a: (real(*a)[0] * float("nan"), real(*a)[1]))
    assert trainer.train_step(*_batch()) is None
    assert all(torch.equal(good[k], v) for k, v in trainer.net.state_dict().items())
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(5e-4)
    assert trainer.events == [{"step": 9, "reason": "the loss became NaN/inf", "restored_step": 5, "lr": 5e-4}]
    assert "step 9: the loss became NaN/inf; restored the last good weights (step 5)" in log[-1]
    assert "learning rate to 0.0005" in log[-1]

    monkeypatch.setattr(trainer_module, "vae_loss", real)
    losses = trainer.train_step(*_batch())  # and training goes on from there
    assert losses is not None and all(map(torch.isfinite, map(torch.tensor, losses.values())))


def test_nan_gradients_are_caught_before_the_weights_change() -> None:
    trainer = _trainer([])
    before = _state(trainer)
    weight = trainer.net.from_latent.weight
    handle = weight.register_hook(lambda grad: grad * float("nan"))
    assert trainer.train_step(*_batch()) is None
    handle.remove()
    assert trainer.events[0]["reason"] == "the gradients became NaN/inf"
    assert all(torch.equal(before[k], v) for k, v in trainer.net.state_dict().items())


def test_nan_weights_are_caught_at_the_next_step() -> None:
    trainer = _trainer([])
    with torch.no_grad():
        trainer.net.to_stats.bias[0] = float("inf")
    assert trainer.train_step(*_batch()) is None
    assert torch.isfinite(trainer.net.to_stats.bias).all()


def test_an_injected_nan_during_a_run_is_recovered_and_the_run_finishes(disc_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = trainer_module.vae_loss, {"n": 0}

    def once_nan(*args):
        rec, kl = real(*args)
        if not torch.is_grad_enabled():  # validation
            return rec, kl
        calls["n"] += 1
        return (rec * float("nan") if calls["n"] == 6 else rec), kl

    monkeypatch.setattr(trainer_module, "vae_loss", once_nan)
    said: list[str] = []
    result = train_vae(disc_folder, tmp_path / "m.safetensors", epochs=3, progress=False, log=said.append, **TINY)
    assert [e["step"] for e in result.events] == [6] and result.history[-1]["lr"] == pytest.approx(TINY["lr"] / 2)
    assert any("the loss became NaN/inf" in line for line in said)
    tensors, meta = read_native(result.model)
    assert all(torch.isfinite(t).all() for t in tensors.values()) and meta["training"]["recoveries"] == 1


def test_a_run_that_keeps_diverging_stops_and_leaves_the_last_good_epoch(disc_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "m.safetensors"
    train_vae(disc_folder, out, epochs=1, progress=False, log=lambda _: None, **TINY)
    saved = out.read_bytes()
    monkeypatch.setattr(trainer_module, "vae_loss", lambda *a: (torch.tensor(float("nan")), torch.tensor(0.0)))
    said: list[str] = []
    with pytest.raises(TrainingError, match=f"diverged {MAX_RECOVERIES + 1} times in a row.*lower --lr"):
        train_vae(disc_folder, out, epochs=2, resume=True, progress=False, log=said.append, **{**TINY, "batch_size": 2})
    assert out.read_bytes() == saved
    assert sum("restored the last good weights" in line for line in said) == MAX_RECOVERIES + 1


def test_an_epoch_without_one_good_step_stops_the_run(disc_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trainer_module, "MAX_RECOVERIES", 100)
    monkeypatch.setattr(trainer_module, "vae_loss", lambda *a: (torch.tensor(float("inf")), torch.tensor(0.0)))
    with pytest.raises(TrainingError, match="every step of epoch 1 diverged"):
        train_vae(disc_folder, tmp_path / "m.safetensors", epochs=2, progress=False, log=lambda _: None, **TINY)
    assert not (tmp_path / "m.safetensors").exists()


def test_nan_weights_are_never_written(tmp_path: Path) -> None:
    net = VAENet(32, 1, 4, 8, 64)
    with torch.no_grad():
        net.to_stats.weight[0, 0] = float("nan")
    with pytest.raises(TrainingError, match="NaN or inf"):
        save_model(tmp_path / "m.safetensors", net, {}, {})
    assert not (tmp_path / "m.safetensors").exists()
