"""The training step and its safety net: ``Trainer`` (used by ``odyssey.train.vae``).

* Loss: pixels in [-1, 1]; reconstruction MSE (L1 or BCE on request) summed per image;
  KL(q(z|x) || N(0, I)) summed per image, weighted by ``beta`` times a warm-up ramp from
  0 over ``kl_warmup`` epochs. The optimised loss is ``(rec + w * kl) / pixels``; the
  progress bar shows that ``loss``, ``rec`` per pixel and ``kl`` per image in nats.
* Adam, gradient norms clipped to ``clip``, log-variances clamped to [-30, 20] (``VAENet.encode``),
  mixed precision on CUDA (bf16 where supported, else fp16 with loss scaling, whose
  overflow skips are normal and handled by the scaler).
* Every step is checked: a NaN/inf loss, NaN/inf gradients (outside loss scaling) or
  NaN/inf weights restore the last good state (kept every ``SNAPSHOT_EVERY`` steps and at
  each epoch end), halve the learning rate and tell the user. More than
  ``MAX_RECOVERIES`` in a row (no good step and snapshot in between) stop the run with a
  ``TrainingError``.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any, Callable

import torch
import torch.nn.functional as F

from odyssey.adapters.vae_net import VAENet
from odyssey.models.images import to_unit_range
from odyssey.train.errors import TrainingError
from odyssey.train.options import TrainOptions
from odyssey.train.state import all_finite

SNAPSHOT_EVERY = 20
MAX_RECOVERIES = 5


def vae_loss(h: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, kind: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image means of the reconstruction loss and KL(q(z|x) || N(0, I)).

    ``h`` is the decoder pre-activation ``(N, C, H, W)`` (image = tanh(h)), ``x`` the
    target in [-1, 1], ``mu``/``logvar`` ``(N, latent_dim)``. Returns two scalars.
    """
    if kind == "bce":  # tanh(h) = 2 sigmoid(2h) - 1: 2h are Bernoulli logits of (x + 1) / 2
        rec = F.binary_cross_entropy_with_logits(2 * h, (x + 1) / 2, reduction="none")
    elif kind == "l1":
        rec = (torch.tanh(h) - x).abs()
    else:
        rec = (torch.tanh(h) - x).square()
    kl = 0.5 * (mu.square() + logvar.exp() - 1 - logvar)  # (N, latent_dim)
    return rec.flatten(1).sum(1).mean(), kl.sum(1).mean()


class Trainer:
    """One network, its optimiser and the recovery machinery; knows nothing of files."""

    def __init__(self, net: VAENet, options: TrainOptions, device: torch.device, steps_per_epoch: int, log: Callable[[str], None]) -> None:
        self.net, self.options, self.device, self.log = net, options, device, log
        self.steps_per_epoch = steps_per_epoch
        self.pixels = net.channels * net.resolution**2
        self.optimizer = torch.optim.Adam(net.parameters(), lr=options.lr)
        use_amp = options.amp and device.type == "cuda"
        self.amp_dtype = (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16) if use_amp else None
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype is torch.float16)
        self.step, self.lr_scale, self.failures, self.progressed = 0, 1.0, 0, True
        self.events: list[dict[str, Any]] = []
        self.snapshot: dict[str, Any] = {}

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=self.amp_dtype)

    def kl_weight(self) -> float:
        ramp = self.options.kl_warmup * self.steps_per_epoch
        return self.options.beta * (min(1.0, (self.step + 1) / ramp) if ramp > 0 else 1.0)

    def take_snapshot(self) -> bool:
        """Keep the current state as the last good one; recover instead if it is not finite."""
        model = {k: v.detach().clone() for k, v in self.net.state_dict().items()}
        if not all_finite(model):
            self.recover("the weights became NaN/inf")
            return False
        self.snapshot = {"model": model, "optimizer": copy.deepcopy(self.optimizer.state_dict()), "step": self.step}
        if self.progressed:  # a good step since the last recovery: the run is moving again
            self.failures = 0
        return True

    def recover(self, reason: str) -> None:
        """Restore the last good state, halve the learning rate, tell the user; give up if it keeps failing."""
        self.failures += 1
        self.progressed = False
        self.net.load_state_dict(self.snapshot["model"])
        self.optimizer.load_state_dict(copy.deepcopy(self.snapshot["optimizer"]))  # load would alias the snapshot
        self.lr_scale *= 0.5
        lr = self.options.lr * self.lr_scale
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.events.append({"step": self.step, "reason": reason, "restored_step": self.snapshot["step"], "lr": lr})
        self.log(
            f"step {self.step}: {reason}; restored the last good weights (step {self.snapshot['step']}) "
            f"and lowered the learning rate to {lr:.3g}"
        )
        if self.failures > MAX_RECOVERIES:
            raise TrainingError(
                f"training diverged {self.failures} times in a row (last at step {self.step}: {reason}); the files of the "
                f"last finished epoch are kept; check the images, or lower --lr (now {lr:.3g}) or --beta and --resume"
            )

    def train_step(self, x: torch.Tensor, eps: torch.Tensor) -> dict[str, float] | None:
        """One optimiser step on ``x`` ``(B, C, R, R)`` with noise ``eps`` ``(B, latent_dim)``; None if recovered."""
        net, optimizer = self.net, self.optimizer
        weight = self.kl_weight()
        self.step += 1
        with self.autocast():
            mu, logvar = net.encode(x)  # (B, D), (B, D)
            h = net.decode_raw(mu + eps * torch.exp(0.5 * logvar))  # (B, C, R, R)
        rec, kl = vae_loss(h.float(), x, mu.float(), logvar.float(), self.options.loss)
        loss = (rec + weight * kl) / self.pixels
        if not bool(torch.isfinite(loss)):
            self.recover("the loss became NaN/inf")
            return None
        optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(optimizer)
        norm = torch.nn.utils.clip_grad_norm_(net.parameters(), self.options.clip)
        if not bool(torch.isfinite(norm)) and not self.scaler.is_enabled():
            self.recover("the gradients became NaN/inf")
            return None
        self.scaler.step(optimizer)  # with loss scaling, an overflowing step is skipped here
        self.scaler.update()
        self.progressed = True
        if self.step % SNAPSHOT_EVERY == 0 and not self.take_snapshot():
            return None
        return {"loss": loss.item(), "rec": rec.item() / self.pixels, "kl": kl.item()}

    @torch.no_grad()
    def evaluate(self, images: torch.Tensor) -> dict[str, float]:
        """Mean losses on uint8 ``images`` ``(N, C, R, R)``, reconstructing through the posterior mean."""
        self.net.eval()
        rec_sum = kl_sum = 0.0
        for start in range(0, len(images), self.options.batch_size):
            x = to_unit_range(images[start : start + self.options.batch_size].to(self.device))
            with self.autocast():
                mu, logvar = self.net.encode(x)
                h = self.net.decode_raw(mu)
            rec, kl = vae_loss(h.float(), x, mu.float(), logvar.float(), self.options.loss)
            rec_sum, kl_sum = rec_sum + rec.item() * len(x), kl_sum + kl.item() * len(x)
        self.net.train()
        rec, kl = rec_sum / len(images), kl_sum / len(images)
        return {"val_loss": (rec + self.options.beta * kl) / self.pixels, "val_rec": rec / self.pixels, "val_kl": kl}

    def state(self) -> dict[str, Any]:
        return {
            "model": {k: v.detach().cpu() for k, v in self.net.state_dict().items()},
            "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(),
            "step": self.step,
            "lr_scale": self.lr_scale,
            "events": self.events,
        }

    def load(self, saved: dict[str, Any]) -> None:
        self.net.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        if saved.get("scaler"):
            self.scaler.load_state_dict(saved["scaler"])
        self.step, self.lr_scale = int(saved["step"]), float(saved["lr_scale"])
        self.events = list(saved.get("events", []))
        for group in self.optimizer.param_groups:
            group["lr"] = self.options.lr * self.lr_scale
