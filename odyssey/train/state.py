"""What training writes each epoch, and reads back for ``--resume``.

* ``NAME.safetensors``: the model, an odyssey native file (architecture ``vae``): what
  ``odyssey render`` loads. Its metadata records the training options and losses.
* ``NAME.train.pt``: the training state (weights, Adam moments, loss-scaler state, epoch,
  step, learning-rate scale, history) as plain tensors and numbers, written with
  ``torch.save`` and read back with ``weights_only=True`` (never unpickles code).
* ``NAME-epochs/epoch-0007.png``: a contact sheet: held-out images over their
  reconstructions, then random samples from fixed z.

Files are written under a temporary name and renamed, so a crash or Ctrl-C leaves the
previous epoch's files whole. Nothing non-finite is ever written (``require_finite``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from odyssey.adapters.vae_net import VAENet
from odyssey.errors import CheckpointError
from odyssey.models.checkpoint import load_torch_file, write_native
from odyssey.train.errors import TrainingError

STATE_FORMAT = "odyssey-vae-train"
STATE_VERSION = 1
MIN_TILE = 64  # px: small models' tiles are enlarged (nearest) so the sheet is legible


def state_path(out: Path) -> Path:
    """``checkpoints/NAME.safetensors`` -> ``checkpoints/NAME.train.pt``."""
    return out.with_name(out.name.removesuffix(".safetensors") + ".train.pt")


def samples_dir(out: Path, given: str | None) -> Path:
    return Path(given).expanduser() if given else out.with_name(out.name.removesuffix(".safetensors") + "-epochs")


def all_finite(tensors: dict[str, torch.Tensor]) -> bool:
    return all(bool(torch.isfinite(t).all()) for t in tensors.values() if t.is_floating_point())


def require_finite(tensors: dict[str, torch.Tensor], what: str) -> None:
    """The last guard before a write: TrainingError rather than a file holding NaN or inf."""
    if not all_finite(tensors):
        raise TrainingError(f"refusing to write {what}: it holds NaN or inf values; lower --lr and retrain")


def model_metadata(net: VAENet, out: Path, options: dict[str, Any], training: dict[str, Any]) -> dict[str, Any]:
    """Native metadata for a trained ``VAENet`` (see ``odyssey.models.checkpoint``)."""
    name = options.get("name") or out.name.removesuffix(".safetensors")
    return {
        "architecture": "vae",
        "kwargs": net.kwargs(),
        "name": name,
        "family": "vae",
        "latent_shape": [net.latent_dim],
        "resolution": [net.resolution, net.resolution],
        "channels": net.channels,
        "output_range": [-1.0, 1.0],
        "description": options.get("description")
        or f"VAE ({net.resolution}x{net.resolution}, latent {net.latent_dim}) trained with odyssey train-vae",
        "source": options.get("source") or "",
        "licence": options.get("licence") or "",
        "training": training,
    }


def save_model(out: Path, net: VAENet, options: dict[str, Any], training: dict[str, Any]) -> None:
    state = net.state_dict()
    require_finite(state, str(out))
    write_native(out, state, model_metadata(net, out, options, training))


def save_state(path: Path, state: dict[str, Any]) -> None:
    """``torch.save`` the training state atomically (temporary name, then rename)."""
    require_finite(state["model"], str(path))
    tmp = ""
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(handle)
        torch.save({"format": STATE_FORMAT, "version": STATE_VERSION, **state}, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise TrainingError(f"cannot write {path} ({exc}); check that its folder is writable") from exc
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def load_state(path: Path) -> dict[str, Any]:
    """The training state saved by ``save_state``; TrainingError if absent or not one."""
    if not path.is_file():
        raise TrainingError(f"{path}: no training state to resume; run without --resume to start training")
    try:
        state = load_torch_file(path)
    except CheckpointError as exc:
        raise TrainingError(f"cannot resume: {exc}") from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise TrainingError(f"{path} is not an odyssey training state; delete it or run without --resume")
    if state.get("version") != STATE_VERSION:
        raise TrainingError(f"{path} is training state version {state.get('version')!r}; this odyssey reads {STATE_VERSION}")
    return state


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """``(N, C, H, W)`` in [-1, 1] -> ``(N, H, W, C)`` uint8."""
    scaled = (images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5
    return scaled.round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def write_sheet(path: Path, rows: list[torch.Tensor], columns: int) -> Path:
    """Rows of ``(n <= columns, C, H, W)`` images in [-1, 1] -> one PNG (a 2 px grey grid)."""
    tiles = [to_uint8(r) for r in rows]
    height, width, channels = tiles[0].shape[1:]
    scale = max(1, -(-MIN_TILE // height))
    gap = 2
    sheet = np.full(
        (len(rows) * (height * scale + gap) + gap, columns * (width * scale + gap) + gap, channels), 128, np.uint8
    )
    for r, row in enumerate(tiles):
        for c, tile in enumerate(row):
            big = tile.repeat(scale, 0).repeat(scale, 1)  # (H*s, W*s, C)
            y, x = gap + r * (height * scale + gap), gap + c * (width * scale + gap)
            sheet[y : y + height * scale, x : x + width * scale] = big
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sheet[..., 0] if channels == 1 else sheet).save(path)
    return path
