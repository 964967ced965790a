"""A pytorch-pretrained-BigGAN ``config.json``, read strictly and checked before anything is built.

The original project writes ``BigGANConfig.to_json_string()``: a JSON object with
``output_dim`` (pixels), ``z_dim``, ``class_embed_dim``, ``channel_width`` (ch),
``num_classes``, ``layers`` (one ``[upsample, in_multiplier, out_multiplier]`` per
block; channels are ch times the multipliers), ``attention_layer_position``, ``eps`` and
``n_stats`` (rows of truncation-indexed batch-norm statistics). Its ``from_dict`` starts
from the 128 px defaults and takes each key of the file, so a missing key means the
default here too (``DEFAULTS``). ``class_embed_dim`` is never used by the network (the
embedding has ``z_dim`` columns), as in the original.

Refused with one line naming the file: unknown keys (except a few harmless bookkeeping
keys that hub tools add, ``HARMLESS``, which only warn), wrong types, sizes beyond any
BigGAN's, and layer lists the network could not run (a channel chain that does not
follow, a shortcut that cannot drop to the block's width, ``output_dim`` that disagrees
with the number of upsampling blocks).
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odyssey.adapters.checked import MAX_INT, short
from odyssey.errors import CheckpointError

MAX_CONFIG_BYTES = 1 << 20
MAX_LAYERS = 64
MAX_SIDE = 16384
MAX_CLASSES = 100_000
MAX_STATS = 4096
DEFAULTS: dict[str, Any] = {
    "output_dim": 128,
    "z_dim": 128,
    "class_embed_dim": 128,
    "channel_width": 128,
    "num_classes": 1000,
    "layers": [[False, 16, 16], [True, 16, 16], [False, 16, 16], [True, 16, 8], [False, 8, 8], [True, 8, 4], [False, 4, 4], [True, 4, 2], [False, 2, 2], [True, 2, 1]],
    "attention_layer_position": 8,
    "eps": 1e-4,
    "n_stats": 51,
}
HARMLESS = ("_name_or_path", "architectures", "model_type", "transformers_version", "torch_dtype")


@dataclass(frozen=True)
class BigGANConfig:
    """A validated config: the network's kwargs (``kwargs()``) and what was read."""

    output_dim: int
    z_dim: int
    class_embed_dim: int
    channel_width: int
    num_classes: int
    layers: tuple[tuple[bool, int, int], ...]
    attention_layer_position: int
    eps: float
    n_stats: int
    defaulted: tuple[str, ...] = ()

    def kwargs(self) -> dict[str, Any]:
        """``BigGANNet`` constructor arguments (JSON-able)."""
        return {
            "z_dim": self.z_dim,
            "channel_width": self.channel_width,
            "num_classes": self.num_classes,
            "layers": [list(layer) for layer in self.layers],
            "attention_layer_position": self.attention_layer_position,
            "n_stats": self.n_stats,
            "eps": self.eps,
        }


def looks_like_config(path: Path) -> bool:
    """A cheap sniff: a small JSON object with BigGAN's ``layers`` and two more of its keys."""
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            return False
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "layers" in data and len(set(data) & set(DEFAULTS)) >= 3


def read_config(path: Path) -> BigGANConfig:
    """Parse and validate ``path``; CheckpointError (one line, naming the file) if it cannot be a BigGAN's."""
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise CheckpointError(f"{path}: {path.stat().st_size} bytes is far more than a BigGAN config.json; pick the right file")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CheckpointError(f"cannot read {path} ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise CheckpointError(f"{path} is not valid JSON ({exc}); re-download the config.json") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: a BigGAN config.json is a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - set(DEFAULTS) - set(HARMLESS))
    if unknown:
        raise CheckpointError(f"{path}: unknown BigGAN config key(s) {', '.join(map(repr, unknown))}; known: {', '.join(DEFAULTS)}")
    ignored = sorted(set(data) & set(HARMLESS))
    if ignored:
        warnings.warn(f"{path}: ignored config key(s) {', '.join(ignored)} (bookkeeping, not the network)", stacklevel=3)
    merged = {**DEFAULTS, **data}
    config = _validated(merged, path, tuple(key for key in DEFAULTS if key not in data))
    if config.class_embed_dim != config.z_dim:
        warnings.warn(f"{path}: class_embed_dim {config.class_embed_dim} is not used by the network (the class embedding has z_dim = {config.z_dim} values), as in the original", stacklevel=3)
    return config


def network_config(kwargs: dict[str, Any], where: str) -> BigGANConfig:
    """A native file's network kwargs (``BigGANConfig.kwargs()``) validated as a config.json is."""
    unknown = sorted(set(kwargs) - set(DEFAULTS) - {"bn_stats"} | ({"output_dim", "class_embed_dim"} & set(kwargs)))
    if unknown:
        raise CheckpointError(f"{where}: unknown BigGAN network kwarg(s) {', '.join(map(repr, unknown))}; re-convert the file")
    layers = _layers(kwargs.get("layers", DEFAULTS["layers"]), Path(where))
    data = {**DEFAULTS, **kwargs, "output_dim": 4 * 2 ** min(sum(up for up, _, _ in layers), 16)}
    data["class_embed_dim"] = data["z_dim"]
    return _validated(data, Path(where), ())


def _int(data: dict, key: str, path: Path, low: int, high: int) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CheckpointError(f"{path}: config {key} must be an integer from {low} to {high}, got {short(value)}")
    return value


def _layers(value: Any, path: Path) -> tuple[tuple[bool, int, int], ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_LAYERS:
        raise CheckpointError(f"{path}: config layers must be a list of 1 to {MAX_LAYERS} [upsample, in, out] entries, got {short(value)}")
    layers = []
    for i, layer in enumerate(value):
        ok = isinstance(layer, list) and len(layer) == 3 and isinstance(layer[0], bool)
        ok = ok and all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 1024 for m in layer[1:])
        if not ok:
            raise CheckpointError(f"{path}: config layers[{i}] must be [true|false, in, out] with multipliers 1..1024, got {short(layer)}")
        layers.append((layer[0], layer[1], layer[2]))
    return tuple(layers)


def _validated(data: dict, path: Path, defaulted: tuple[str, ...]) -> BigGANConfig:
    z_dim = _int(data, "z_dim", path, 1, 1 << 14)
    ch = _int(data, "channel_width", path, 1, 1 << 12)
    eps = data["eps"]
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not (math.isfinite(eps) and 0 < eps < 1):
        raise CheckpointError(f"{path}: config eps must be a number between 0 and 1, got {short(eps)}")
    layers = _layers(data["layers"], path)
    config = BigGANConfig(
        output_dim=_int(data, "output_dim", path, 4, MAX_SIDE),
        z_dim=z_dim,
        class_embed_dim=_int(data, "class_embed_dim", path, 0, MAX_INT),
        channel_width=ch,
        num_classes=_int(data, "num_classes", path, 1, MAX_CLASSES),
        layers=layers,
        attention_layer_position=_int(data, "attention_layer_position", path, -MAX_LAYERS, MAX_INT),
        eps=float(eps),
        n_stats=_int(data, "n_stats", path, 2, MAX_STATS),
        defaulted=defaulted,
    )
    _check_chain(config, path)
    return config


def _check_chain(config: BigGANConfig, path: Path) -> None:
    """The blocks must run: 16 ch in, each block's input its predecessor's output, a shortcut
    that keeps all or the first half of the channels, ch out, and the promised size."""
    layers, ch = config.layers, config.channel_width

    def bad(what: str) -> CheckpointError:
        return CheckpointError(f"{path}: config layers{what}; this is not a BigGAN-deep layout")

    if layers[0][1] != 16:
        raise bad(f" start from {layers[0][1]} x channel_width, but the first block takes gen_z's 16 x channel_width")
    for i, (_, in_mult, out_mult) in enumerate(layers):
        if i and layers[i - 1][2] != in_mult:
            raise bad(f"[{i}] takes {in_mult} x channel_width, but layers[{i - 1}] gives {layers[i - 1][2]}")
        if out_mult != in_mult and 2 * out_mult != in_mult:
            raise bad(f"[{i}] go from {in_mult} to {out_mult}; a block keeps its width or halves it")
        if ch * in_mult < 4 or ch * in_mult > MAX_INT:
            raise bad(f"[{i}] would have {ch * in_mult} channels")
    if layers[-1][2] != 1:
        raise bad(f" end at {layers[-1][2]} x channel_width, but the output layers take channel_width")
    if ch < 3:
        raise CheckpointError(f"{path}: config channel_width {ch} is below the 3 channels of an RGB image")
    position = config.attention_layer_position
    if 0 <= position < len(layers) and ch * layers[position][1] < 8:
        raise bad(f" put attention on {ch * layers[position][1]} channels (at least 8 needed)")
    ups = sum(up for up, _, _ in layers)
    side = 4 * 2**ups
    if side > MAX_SIDE:
        raise bad(f" upsample {ups} times ({side} px), beyond any generator")
    if side != config.output_dim:
        raise CheckpointError(f"{path}: config output_dim is {config.output_dim}, but its layers upsample 4 px {ups} times to {side} px; the file is corrupt")
