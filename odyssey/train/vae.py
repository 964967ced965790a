"""Train a VAE on a folder of images: ``train_vae`` is what ``odyssey train-vae`` runs.

    odyssey train-vae drawings/ --out checkpoints/mine.safetensors --resolution 64 --epochs 30

Reads the folder once (``odyssey.train.data``: bad images are listed and skipped), holds
out ``val_split`` of it for validation, trains ``VAENet`` with ``Trainer`` (robust
defaults and NaN recovery, see ``odyssey.train.trainer``), and after every epoch writes
the model, the state for ``--resume`` and a PNG sheet (``odyssey.train.state``).

Repeatable: the network's initial weights, the split, the order of batches, flips and
the sampling noise all come from CPU generators seeded from ``seed`` (re-seeded per
epoch), so the same command gives the same model, and a run resumed at an epoch
boundary matches an uninterrupted one (bit-identical on CPU; on CUDA deterministic
cuDNN kernels are requested).
"""

from __future__ import annotations

import hashlib
import math
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import torch
from tqdm import tqdm

from odyssey import __version__
from odyssey.adapters.vae_net import VAENet
from odyssey.models.device import select_device
from odyssey.models.images import to_unit_range
from odyssey.train.data import ImageFolder, load_folder, skipped_summary
from odyssey.train.errors import TrainingError
from odyssey.train.options import TrainOptions, make_options, resume_conflicts
from odyssey.train.state import (
    load_state,
    samples_dir,
    save_model,
    save_state,
    state_path,
    write_sheet,
)
from odyssey.train.trainer import Trainer

SHEET_COLUMNS = 8
KEPT_ON_RESUME = ("name", "description", "source", "licence")  # metadata not given again stays


@dataclass
class TrainResult:
    """What a run produced: its files, where it stopped, per-epoch history, recoveries, skipped images."""

    model: Path
    state: Path
    samples: Path
    epochs: int
    step: int
    history: list[dict[str, float]]
    events: list[dict[str, Any]]
    skipped: list[tuple[Path, str]]
    seconds: float


def _log(message: str) -> None:
    tqdm.write(message, file=sys.stderr)


def _generator(seed: int, epoch: int = -1) -> torch.Generator:
    """A CPU generator for ``(seed, epoch)``; epoch -1 is the split and the sample latents."""
    return torch.Generator().manual_seed(seed * 1_000_003 + epoch + 1)


def split_indices(count: int, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(train, val)`` index tensors: a seeded shuffle, ``floor(count * fraction)`` held out (at least 1 kept)."""
    order = torch.randperm(count, generator=_generator(seed))
    held = min(int(count * fraction), count - 1)
    return order[held:].sort().values, order[:held].sort().values


def _init_net(options: TrainOptions) -> VAENet:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(options.seed)
        return VAENet(options.resolution, options.channels, options.latent_dim, options.width, 8 * options.width)


def _recorded(options: TrainOptions) -> dict[str, Any]:
    """The options worth keeping in the model's metadata: not local folders, not the metadata itself."""
    return {k: v for k, v in options.to_dict().items() if k not in ("samples_dir", *KEPT_ON_RESUME)}


def _fingerprint(data: ImageFolder, root: Path) -> str:
    names = "\n".join(str(p.relative_to(root)) for p in data.files)
    return hashlib.sha256(names.encode()).hexdigest()[:16]


def _check_out(out: Path) -> Path:
    out = out.expanduser()
    if out.suffix != ".safetensors":
        raise TrainingError(f"--out {out}: give a file name ending in .safetensors, e.g. checkpoints/mine.safetensors")
    if out.is_dir():
        raise TrainingError(f"--out {out} is a folder; give a file name ending in .safetensors")
    return out


def _make_folder(out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrainingError(f"--out {out}: cannot create its folder ({exc.strerror or exc})") from None


def train_vae(
    images: str | Path,
    out: str | Path,
    *,
    resume: bool = False,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    **options: Any,
) -> TrainResult:
    """Train a VAE on the images under ``images`` and save it to ``out`` (``.safetensors``).

    ``options`` are ``TrainOptions`` fields (``resolution=32, grayscale=True, epochs=10``...).
    ``resume=True`` continues from ``out``'s training state; the options that shape the
    network or the split must then be the same. ``log`` receives one-line messages
    (default: stderr). Raises ``TrainingError`` for bad folders, options or a run that
    keeps diverging.
    """
    started = time.perf_counter()
    opts = make_options(options)
    say = log or _log
    out = _check_out(Path(out))
    saved = load_state(state_path(out)) if resume else None
    if saved is not None:
        conflicts = resume_conflicts(saved["options"], opts)
        if conflicts:
            raise TrainingError(
                f"{out} was trained with other settings ({'; '.join(conflicts)}); repeat the first run's values with "
                "--resume, or train afresh without it"
            )
        kept = {k: saved["options"].get(k, "") for k in KEPT_ON_RESUME if not getattr(opts, k)}
        opts = replace(opts, **kept)
        if saved["epoch"] >= opts.epochs:
            raise TrainingError(f"{out} has already been trained for {saved['epoch']} epochs; raise --epochs above that to go on")
    device = select_device(opts.device)
    root = Path(images).expanduser()
    data = load_folder(root, opts.resolution, opts.channels, progress)
    _make_folder(out)
    if data.skipped:
        say(skipped_summary(data.skipped, len(data.files) + len(data.skipped)))
    if saved is None and state_path(out).exists():
        say(f"note: starting afresh; {out} and its training state will be replaced (add --resume to continue them)")
    if saved is not None and saved.get("data") != _fingerprint(data, root):
        say(f"note: {root} changed since the run being resumed; the split and batches differ from an uninterrupted run")
    train_idx, val_idx = split_indices(len(data.files), opts.val_split, opts.seed)
    train_images, val_images = data.images[train_idx].to(device), data.images[val_idx].to(device)
    batch = min(opts.batch_size, len(train_idx))
    steps = math.ceil(len(train_idx) / batch)

    trainer = Trainer(_init_net(opts).to(device), opts, device, steps, say)
    history: list[dict[str, float]] = []
    first = 0
    if saved is not None:
        trainer.load(saved)
        history, first = list(saved["history"]), int(saved["epoch"])
        say(f"resuming {out} at epoch {first + 1} (step {trainer.step})")
    trainer.take_snapshot()
    sheet_dir = samples_dir(out, opts.samples_dir)
    shown = (val_images if len(val_images) else train_images)[:SHEET_COLUMNS]
    sample_z = torch.randn(2 * SHEET_COLUMNS, opts.latent_dim, generator=_generator(opts.seed)).to(device)

    cudnn = torch.backends.cudnn
    flags = (cudnn.deterministic, cudnn.benchmark)
    cudnn.deterministic, cudnn.benchmark = True, False
    try:
        for epoch in range(first, opts.epochs):
            began = time.perf_counter()
            means = _run_epoch(trainer, train_images, batch, epoch, progress)
            trainer.take_snapshot()  # a good state to save; recovers first if the weights went bad
            row = {"epoch": epoch + 1, "step": trainer.step, **means, "lr": opts.lr * trainer.lr_scale}
            if len(val_images):
                row.update(trainer.evaluate(val_images))
            history.append(row)
            training = {
                "images": len(train_idx), "val_images": len(val_idx), "epochs": epoch + 1, "step": trainer.step,
                "history": history[-1], "recoveries": len(trainer.events), "options": _recorded(opts),
                "odyssey": __version__, "torch": torch.__version__.split("+")[0],
            }
            save_model(out, trainer.net, opts.to_dict(), training)
            save_state(state_path(out), {
                **trainer.state(), "epoch": epoch + 1, "options": opts.to_dict(), "history": history,
                "data": _fingerprint(data, root),
            })
            _sheet(trainer, shown, sample_z, sheet_dir / f"epoch-{epoch + 1:04d}.png")
            summary = ", ".join(f"{k} {v:.4g}" for k, v in row.items() if k not in ("epoch", "step"))
            say(f"epoch {epoch + 1}/{opts.epochs} ({time.perf_counter() - began:.1f} s): {summary}")
    finally:
        cudnn.deterministic, cudnn.benchmark = flags
    return TrainResult(
        out, state_path(out), sheet_dir, opts.epochs, trainer.step, history, trainer.events, data.skipped,
        time.perf_counter() - started,
    )


def _run_epoch(trainer: Trainer, images: torch.Tensor, batch: int, epoch: int, progress: bool) -> dict[str, float]:
    """One pass over ``images`` (uint8 ``(N, C, R, R)`` on the device) in a seeded order; mean losses."""
    opts, device = trainer.options, trainer.device
    gen = _generator(opts.seed, epoch)
    order = torch.randperm(len(images), generator=gen)
    totals = {"loss": 0.0, "rec": 0.0, "kl": 0.0}
    counted = 0
    trainer.net.train()
    bar = tqdm(total=trainer.steps_per_epoch, desc=f"epoch {epoch + 1}/{opts.epochs}", unit="step",
               disable=not progress, file=sys.stderr, dynamic_ncols=True, leave=False)
    with bar:
        for start in range(0, len(images), batch):
            index = order[start : start + batch]
            x = to_unit_range(images[index.to(device)])  # (B, C, R, R) in [-1, 1]
            flips = torch.rand(len(index), generator=gen) < 0.5  # drawn always, so --flip leaves the noise alone
            eps = torch.randn(len(index), opts.latent_dim, generator=gen).to(device)  # (B, latent_dim)
            if opts.flip:
                x = torch.where(flips.to(device).view(-1, 1, 1, 1), x.flip(-1), x)
            losses = trainer.train_step(x, eps)
            if losses is not None:
                for key, value in losses.items():
                    totals[key] += value * len(index)
                counted += len(index)
                bar.set_postfix({k: f"{v:.4g}" for k, v in losses.items()}, refresh=False)
            bar.update()
    if counted == 0:
        raise TrainingError(
            f"every step of epoch {epoch + 1} diverged; the files of the last finished epoch are kept; check the "
            "images, or lower --lr or --beta and --resume"
        )
    return {k: v / counted for k, v in totals.items()}


@torch.no_grad()
def _sheet(trainer: Trainer, shown: torch.Tensor, sample_z: torch.Tensor, path: Path) -> None:
    """Held-out images, their reconstructions, then samples from fixed z, as one PNG."""
    net = trainer.net.eval()
    x = to_unit_range(shown)
    rows = [x, net(x), net.decode(sample_z[:SHEET_COLUMNS]), net.decode(sample_z[SHEET_COLUMNS:])]
    net.train()
    write_sheet(path, rows, SHEET_COLUMNS)
