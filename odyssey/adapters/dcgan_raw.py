"""Reading the architecture of a raw DCGAN generator state dict from its tensor shapes.

Raw DCGAN checkpoints (the PyTorch DCGAN tutorial's ``Generator``) carry only tensors
named ``<prefix><index>.<param>``, e.g. ``main.0.weight``. This module

1. finds the generator's state dict inside whatever ``torch.save`` wrote: bare, or
   under ``netG_state_dict`` / ``generator`` / ``state_dict`` / ``G`` (those first), or
   under any key whose value holds the pattern; ``module.`` (DataParallel) and
   ``_orig_mod.`` (torch.compile) prefixes are stripped;
2. reads the layer stack from shapes: every ``ConvTranspose2d`` weight is
   ``(in, out, 4, 4)``, each but the last followed by a ``BatchNorm2d`` of ``out``
   features; indices need not be contiguous (Dropout/ReLU hold indices but no tensors);
3. checks kernel sizes and channel chaining, naming the file and the mismatch;
4. infers how the input width splits into ``nz`` and one-hot classes (see
   ``infer_conditioning``), which shapes alone cannot tell.

The result is renamed to ``DCGANNet``'s keys (``blocks.{i}.conv``, ``blocks.{i}.bn``,
``to_rgb``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from odyssey.errors import CheckpointError

PREFERRED_KEYS = ("netG_state_dict", "generator", "state_dict", "G", "netG", "gen", "model")
STRIPPED_PREFIXES = ("module.", "_orig_mod.")
COMMON_NZ = (64, 100, 128, 256, 512)
DEFAULT_NZ = 100
KERNEL = (4, 4)
OUTPUT_CHANNELS = (1, 3)
# "<prefix><index>.<param>", e.g. "main.3.weight" -> ("main.", "3", "weight"); prefix may be empty
_KEY_RE = re.compile(
    r"^(?P<prefix>(?:[A-Za-z_]\w*\.)*)(?P<index>\d+)\."
    r"(?P<param>weight|bias|running_mean|running_var|num_batches_tracked)$"
)


@dataclass
class RawLayout:
    """A DCGAN generator read from a raw state dict, renamed to ``DCGANNet`` keys."""

    state_dict: dict[str, torch.Tensor]
    in_channels: int
    widths: list[int]  # output channels of each ConvTranspose2d+BatchNorm block
    out_channels: int
    bias: bool | list[bool]  # conv bias: one flag if uniform, else per conv
    found_at: str  # where in the file the state dict was, e.g. "key 'netG_state_dict'"
    prefix: str  # the original key prefix, e.g. "main."
    notes: list[str] = field(default_factory=list)

    @property
    def resolution(self) -> int:
        return 4 * 2 ** len(self.widths)  # 4 * 2**(convs - 1)


def _is_state_dict(obj: object) -> bool:
    """A mapping of str -> Tensor with at least one 4-D ``<index>.weight``."""
    if not isinstance(obj, Mapping) or not obj:
        return False
    if not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
        return False
    return any(k.endswith(".weight") and v.dim() == 4 for k, v in obj.items())


def _candidates(obj: object, where: str = "top level", depth: int = 0) -> Iterator[tuple[str, Mapping]]:
    """State dicts inside ``obj``, preferred wrapper keys first, nested up to 3 deep."""
    if _is_state_dict(obj):
        yield where, obj  # type: ignore[misc]
        return
    if not isinstance(obj, Mapping) or depth >= 3:
        return
    keys = list(obj)
    keys.sort(key=lambda k: PREFERRED_KEYS.index(k) if k in PREFERRED_KEYS else len(PREFERRED_KEYS))
    for key in keys:
        inner = f"key {key!r}" if depth == 0 else f"{where} -> {key!r}"
        yield from _candidates(obj[key], inner, depth + 1)


def _strip(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in STRIPPED_PREFIXES:
            if key.startswith(prefix):
                key, changed = key[len(prefix) :], True
    return key


def parse_state_dict(sd: Mapping[str, torch.Tensor], path: Path, found_at: str = "top level") -> RawLayout:
    """Read and check the layer stack of one DCGAN state dict (see module docstring)."""
    where = f"{path} ({found_at})"
    stripped = {_strip(k): v for k, v in sd.items()}
    if len(stripped) != len(sd):
        raise CheckpointError(
            f"{where} has the same layer both with and without a module. prefix; save one copy"
        )
    layers: dict[int, dict[str, torch.Tensor]] = {}
    prefixes: set[str] = set()
    odd = []
    for key, tensor in stripped.items():
        match = _KEY_RE.match(key)
        if not match:
            odd.append(key)
            continue
        prefixes.add(match["prefix"])
        layers.setdefault(int(match["index"]), {})[match["param"]] = tensor
    if odd:
        raise CheckpointError(
            f"{where} has keys a DCGAN generator does not have: {', '.join(odd[:4])}; "
            "this is not a DCGAN-tutorial generator state dict"
        )
    if len(prefixes) != 1:
        raise CheckpointError(f"{where} mixes layer prefixes {sorted(prefixes)}; expected one nn.Sequential")
    prefix = prefixes.pop()

    convs: list[tuple[str, dict[str, torch.Tensor]]] = []
    norms: list[tuple[str, dict[str, torch.Tensor]]] = []
    for index in sorted(layers):
        params, name = layers[index], f"{prefix}{index}"
        if "running_mean" in params:
            if {"weight", "bias", "running_var"} - params.keys():
                raise CheckpointError(
                    f"{where}: BatchNorm {name} lacks weight/bias/running_var; expected affine BatchNorm2d"
                )
            if len(norms) != len(convs) - 1:
                raise CheckpointError(f"{where}: BatchNorm {name} does not follow a ConvTranspose2d")
            norms.append((name, params))
        elif "weight" in params and params["weight"].dim() == 4:
            if len(norms) != len(convs):
                raise CheckpointError(
                    f"{where}: ConvTranspose2d {name} follows {convs[-1][0]} without a BatchNorm2d between"
                )
            convs.append((name, params))
        else:
            shape = tuple(params["weight"].shape) if "weight" in params else "none"
            raise CheckpointError(
                f"{where}: layer {name} (weight shape {shape}) is neither ConvTranspose2d nor BatchNorm2d"
            )
    if not convs or len(norms) != len(convs) - 1:
        raise CheckpointError(
            f"{where}: the last layer must be a ConvTranspose2d with no BatchNorm2d after it"
        )

    renamed: dict[str, torch.Tensor] = {}
    biases: list[bool] = []
    channels = [convs[0][1]["weight"].shape[0]]  # input width: nz (+ classes)
    for i, (name, params) in enumerate(convs):
        weight = params["weight"]  # (in, out, kH, kW) for ConvTranspose2d
        c_in, c_out = int(weight.shape[0]), int(weight.shape[1])
        if tuple(weight.shape[2:]) != KERNEL:
            raise CheckpointError(
                f"{where}: {name} has kernel {tuple(weight.shape[2:])}, DCGAN generators use 4x4"
            )
        if c_in != channels[-1]:
            raise CheckpointError(
                f"{where}: {name} takes {c_in} channels but the layer before gives {channels[-1]}"
            )
        bias = params.get("bias")
        if bias is not None and tuple(bias.shape) != (c_out,):
            raise CheckpointError(f"{where}: {name}.bias has shape {tuple(bias.shape)}, expected ({c_out},)")
        biases.append(bias is not None)
        target = "to_rgb" if i == len(convs) - 1 else f"blocks.{i}.conv"
        renamed[f"{target}.weight"] = weight
        if bias is not None:
            renamed[f"{target}.bias"] = bias
        if i < len(norms):
            bn_name, bn = norms[i]
            for param in ("weight", "bias", "running_mean", "running_var"):
                if tuple(bn[param].shape) != (c_out,):
                    raise CheckpointError(
                        f"{where}: {bn_name}.{param} has shape {tuple(bn[param].shape)} "
                        f"but {name} gives {c_out} channels"
                    )
                renamed[f"blocks.{i}.bn.{param}"] = bn[param]
            if "num_batches_tracked" in bn:
                renamed[f"blocks.{i}.bn.num_batches_tracked"] = bn["num_batches_tracked"]
        channels.append(c_out)
    if channels[-1] not in OUTPUT_CHANNELS:
        raise CheckpointError(f"{where}: the last layer gives {channels[-1]} channels; images need 1 or 3")

    layout = RawLayout(
        state_dict=renamed,
        in_channels=int(channels[0]),
        widths=[int(c) for c in channels[1:-1]],
        out_channels=int(channels[-1]),
        bias=biases[0] if len(set(biases)) == 1 else biases,
        found_at=found_at,
        prefix=prefix,
    )
    if any(k != _strip(k) for k in sd):
        layout.notes.append("stripped module./_orig_mod. key prefixes (DataParallel / torch.compile)")
    plain = sorted([3 * i for i in range(len(convs))] + [3 * i + 1 for i in range(len(norms))])
    if sorted(layers) != plain:
        layout.notes.append(
            f"layer indices {sorted(layers)} are not the tutorial's conv/bn/relu spacing: "
            "parameter-free layers (e.g. Dropout) sit in between; they are no-ops in eval"
        )
    return layout


def find_layout(obj: object, path: Path) -> RawLayout:
    """The first state dict in ``obj`` that parses as a DCGAN generator."""
    refusals: list[str] = []
    for found_at, sd in _candidates(obj):
        try:
            return parse_state_dict(sd, path, found_at)
        except CheckpointError as exc:
            refusals.append(str(exc))
    if len(refusals) == 1:
        raise CheckpointError(refusals[0])
    if refusals:
        raise CheckpointError(f"{path}: no state dict in it is a DCGAN generator; " + " | ".join(refusals))
    kind = type(obj).__name__
    keys = f" with keys {list(obj)[:6]}" if isinstance(obj, Mapping) else ""
    raise CheckpointError(
        f"{path} holds a {kind}{keys} but no DCGAN generator state dict "
        "(tensors named like main.0.weight); save the generator's state_dict()"
    )


def infer_conditioning(
    in_channels: int, options: Mapping[str, Any], path: Path
) -> tuple[int, list[str] | None, str]:
    """Split the input width into ``(nz, class_names or None, how it was decided)``.

    Concatenated one-hot labels are indistinguishable from extra z dimensions by shape,
    so: ``options`` (``nz``, ``num_classes``, ``class_names``) win; else a width in
    ``COMMON_NZ`` (64, 100, 128, 256, 512) is unconditional; else a width above 100 is
    taken as the DCGAN default nz=100 plus ``width - 100`` classes ``class_0..``; else
    unconditional.
    """
    nz, count, names = options.get("nz"), options.get("num_classes"), options.get("class_names")
    if names is not None:
        if count is not None and count != len(names):
            raise CheckpointError(
                f"{path}: options give num_classes={count} but {len(names)} class_names; make them agree"
            )
        count = len(names)
    if nz is not None or count is not None:
        nz = in_channels - count if nz is None else nz
        count = in_channels - nz if count is None else count
        if nz <= 0 or count < 0 or nz + count != in_channels:
            raise CheckpointError(
                f"{path}: options nz={nz} + num_classes={count} must equal the first layer's "
                f"input width {in_channels}; fix the options"
            )
        how = f"from options: nz={nz}, {count} classes"
    elif in_channels in COMMON_NZ:
        nz, count = in_channels, 0
        how = f"input width {in_channels} is a common nz: unconditional"
    elif in_channels > DEFAULT_NZ:
        nz, count = DEFAULT_NZ, in_channels - DEFAULT_NZ
        how = (
            f"input width {in_channels} is not a common nz and > {DEFAULT_NZ}: assumed nz={DEFAULT_NZ} plus "
            f"{count} one-hot classes (set options nz/num_classes/class_names if wrong)"
        )
    else:
        nz, count = in_channels, 0
        how = f"input width {in_channels} <= {DEFAULT_NZ}: unconditional with nz={in_channels}"
    if count and names is None:
        names = [f"class_{i}" for i in range(count)]
    return nz, (list(names) if count else None), how
