"""The options of ``odyssey train-vae`` in one typed place, checked before any image is read.

Each field matches a command-line flag (``latent_dim`` is ``--latent``, ``grayscale``
is ``--gray``); errors name the flag and the allowed values. ``RESUME_FIXED`` are the
options a resumed run must share with the run it continues (they shape the network or
the data split); the others may change between runs, e.g. more ``epochs``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from odyssey.train.errors import TrainingError

LOSSES = ("mse", "l1", "bce")
DEVICES = ("auto", "cpu", "cuda", "mps")
RESUME_FIXED = ("resolution", "grayscale", "latent_dim", "width", "seed", "val_split")
FLAGS = {"latent_dim": "--latent", "grayscale": "--gray", "val_split": "--val-split", "batch_size": "--batch-size",
         "kl_warmup": "--kl-warmup", "samples_dir": "--samples"}


def flag(name: str) -> str:
    """The command-line flag of option ``name``."""
    return FLAGS.get(name, "--" + name.replace("_", "-"))


@dataclass(frozen=True)
class TrainOptions:
    """How to train; defaults suit a folder of a few hundred drawings on a laptop."""

    resolution: int = 64          # square side in px: 32, 64, 128 or 256
    grayscale: bool = False       # 1 channel instead of RGB
    latent_dim: int = 32          # size of z
    width: int = 32               # channels of the first level (doubling per level, at most 8x)
    beta: float = 1.0             # weight of the KL term (after warm-up)
    loss: str = "mse"             # reconstruction loss: mse | l1 | bce
    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-3              # Adam learning rate
    kl_warmup: float = 5.0        # epochs over which the KL weight ramps from 0 to beta
    clip: float = 1.0             # gradient-norm clipping
    seed: int = 0
    device: str = "auto"          # auto | cpu | cuda | mps
    amp: bool = True              # mixed precision on CUDA (bf16 where supported, else fp16 + loss scaling)
    flip: bool = False            # random horizontal flips
    val_split: float = 0.1        # fraction of images held out for validation
    samples_dir: str | None = None  # per-epoch PNGs; default: <out without .safetensors>-epochs/
    name: str = ""                # metadata: model name (default: the file's stem)
    description: str = ""
    source: str = ""
    licence: str = ""

    @property
    def channels(self) -> int:
        return 1 if self.grayscale else 3

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_options(values: dict[str, Any]) -> TrainOptions:
    """Typed, validated options from keyword values; TrainingError naming the flag at fault."""
    known = {f.name for f in fields(TrainOptions)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise TrainingError(f"unknown training option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    options = TrainOptions(**values)
    _check(options)
    return options


def _check(o: TrainOptions) -> None:
    from odyssey.adapters.vae_net import RESOLUTIONS  # here, so the CLI reads the defaults above without torch

    def need(ok: bool, name: str, rule: str) -> None:
        if not ok:
            raise TrainingError(f"{flag(name)} {getattr(o, name)!r}: {rule}")

    need(o.resolution in RESOLUTIONS, "resolution", f"must be one of {', '.join(map(str, RESOLUTIONS))}")
    need(isinstance(o.latent_dim, int) and 1 <= o.latent_dim <= 4096, "latent_dim", "must be a whole number from 1 to 4096")
    need(isinstance(o.width, int) and 4 <= o.width <= 256, "width", "must be a whole number from 4 to 256")
    need(o.beta >= 0, "beta", "must be 0 or more (1 is the standard VAE)")
    need(o.loss in LOSSES, "loss", f"use one of {', '.join(LOSSES)}")
    need(isinstance(o.epochs, int) and o.epochs >= 1, "epochs", "must be a whole number, 1 or more")
    need(isinstance(o.batch_size, int) and o.batch_size >= 1, "batch_size", "must be a whole number, 1 or more")
    need(0 < o.lr <= 1, "lr", "must be above 0 and at most 1 (1e-3 is a good start)")
    need(o.kl_warmup >= 0, "kl_warmup", "must be 0 or more epochs")
    need(o.clip > 0, "clip", "must be above 0")
    need(isinstance(o.seed, int) and o.seed >= 0, "seed", "must be a whole number, 0 or more")
    need(o.device in DEVICES, "device", f"use one of {', '.join(DEVICES)}")
    need(0 <= o.val_split < 1, "val_split", "must be at least 0 and below 1, e.g. 0.1")


def resume_conflicts(saved: dict[str, Any], current: TrainOptions) -> list[str]:
    """``--flag saved -> given`` for each option a resumed run may not change."""
    return [
        f"{flag(name)} {saved.get(name)!r} -> {getattr(current, name)!r}"
        for name in RESUME_FIXED
        if saved.get(name) != getattr(current, name)
    ]
