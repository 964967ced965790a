"""pytorch-pretrained-BigGAN checkpoints -> ``BigGANGenerator``, safely; and their native form.

A published model is a pair of files in one folder: ``config.json``
(``BigGANConfig.to_json_string()``) and the weights, ``pytorch_model.bin``
(``torch.save(model.state_dict())``) or a ``model.safetensors`` of the same state dict.
The S3 copies the project downloads carry a prefix (``biggan-deep-128-config.json`` beside
``biggan-deep-128-pytorch_model.bin``); the prefix pairs them too. ``model:`` may name
either file of the pair; the other is found beside it (for a config.json, a
``model.safetensors`` is preferred to a ``pytorch_model.bin``), and a missing partner is
refused in one line.

Loading: the config is read strictly (``biggan.config``); the weights with
``torch.load(weights_only=True)`` (nothing in the file runs: a pickle that asks for any
code is refused) or from a safetensors header first. The network is built on the meta
device and compared name by name and shape by shape with the stored tensors before it is
built for real (``checked.build_fitting``), then loaded strictly. The original loads with
``strict=False``; here a missing or extra tensor is an error naming it.

Options: ``name``; ``class_names`` (a list, for a model not trained on the 1000 ImageNet
classes); ``bn_stats``: ``original`` (default: the original's blend of batch-norm
statistics between stored truncations, which jumps at each stored value) or ``linear``
(a continuous blend, for truncation curves).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open

from odyssey.adapters.biggan.biggan_deep import BN_MODES, BigGANNet
from odyssey.adapters.biggan.config import BigGANConfig, looks_like_config, network_config, read_config
from odyssey.adapters.biggan.generator import BigGANGenerator
from odyssey.adapters.biggan.imagenet_classes import IMAGENET_CLASSES
from odyssey.adapters.checked import build_fitting, short
from odyssey.adapters.dcgan import load_strict
from odyssey.adapters.registry import Adapter
from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo
from odyssey.models.checkpoint import load_torch_file, looks_like_torch_file

ARCHITECTURE = "biggan"
CONFIG_NAME = "config.json"
WEIGHT_NAMES = ("model.safetensors", "pytorch_model.bin")  # beside a config.json, in this order
OPTIONS = ("name", "class_names", "bn_stats")
SEED_CONVENTION = "pytorch_pretrained_biggan.truncated_noise_sample(truncation=1., seed=seed)[0]"


def _prefix(name: str, endings: tuple[str, ...]) -> str | None:
    for ending in endings:
        if name.endswith(ending):
            return name[: -len(ending)]
    return None


def _config_beside(weights: Path) -> list[Path]:
    prefix = _prefix(weights.name, WEIGHT_NAMES)
    names = [f"{prefix}{CONFIG_NAME}"] if prefix else []
    return [weights.parent / name for name in [*names, CONFIG_NAME]]


def find_pair(path: Path) -> tuple[Path, Path]:
    """(config.json, weights) for either file of a pair; CheckpointError naming what is missing."""
    if path.suffix.lower() == ".json":
        prefix = _prefix(path.name, (CONFIG_NAME,)) or ""
        candidates = [path.parent / f"{prefix}{name}" for name in WEIGHT_NAMES]
        found = [c for c in candidates if c.is_file()]
        if not found:
            raise CheckpointError(
                f"{path}: the BigGAN weights that belong with this config.json are missing (looked for "
                f"{' and '.join(c.name for c in candidates)} beside it); put the pair in one folder"
            )
        return path, found[0]
    candidates = _config_beside(path)
    found = [c for c in candidates if c.is_file()]
    if not found:
        raise CheckpointError(
            f"{path}: the BigGAN config.json that belongs with these weights is missing (looked for "
            f"{' and '.join(c.name for c in candidates)} beside it); put the pair in one folder"
        )
    return found[0], path


def sniff(path: Path) -> bool:
    """Cheap: a BigGAN config.json, or a weights file with one beside it (or named as published)."""
    if path.suffix.lower() == ".json":
        return looks_like_config(path)
    if path.suffix.lower() != ".safetensors" and not looks_like_torch_file(path):
        return False
    configs = [c for c in _config_beside(path) if c.is_file()]
    if not configs:
        return path.name.endswith("pytorch_model.bin")  # the published name: loading says what is missing
    return looks_like_config(configs[0])


def _torch_state(path: Path) -> dict[str, torch.Tensor]:
    data = load_torch_file(path)
    if not isinstance(data, Mapping) or not data:
        raise CheckpointError(f"{path}: a BigGAN pytorch_model.bin holds a state dict (names -> tensors), got {short(type(data).__name__)}")
    for key, value in data.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise CheckpointError(f"{path}: a BigGAN state dict maps names to tensors; {short(key)} holds {type(value).__name__}")
    return dict(data)


def _check_floats(path: Path, state: Mapping[str, torch.Tensor]) -> None:
    for key, value in state.items():
        if not value.is_floating_point():
            raise CheckpointError(f"{path}: weight {key} is {value.dtype}; every BigGAN weight is floating point")


def _build(config: BigGANConfig, bn_stats: str) -> BigGANNet:
    return BigGANNet(**config.kwargs(), bn_stats=bn_stats)


def load_network(config_path: Path, weights_path: Path, bn_stats: str = "original") -> tuple[BigGANNet, BigGANConfig]:
    """The network with its weights (float32, eval), checked on 'meta' before any allocation."""
    config = read_config(config_path)
    what = "BigGAN-deep network (config.json)"
    if weights_path.suffix.lower() == ".safetensors":
        try:
            with safe_open(str(weights_path), framework="pt", device="cpu") as handle:
                shapes = {key: torch.empty(handle.get_slice(key).get_shape(), device="meta") for key in handle.keys()}
                net = build_fitting(lambda: _build(config, bn_stats), shapes, str(weights_path), what)
                state = {key: handle.get_tensor(key) for key in shapes}
        except CheckpointError:
            raise
        except Exception as exc:  # SafetensorError has no stable import path
            raise CheckpointError(f"{weights_path} is not a readable safetensors file ({short(str(exc))}); re-download it") from None
    else:
        state = _torch_state(weights_path)
        net = build_fitting(lambda: _build(config, bn_stats), state, str(weights_path), what)
    _check_floats(weights_path, state)
    load_strict(net, state, weights_path)
    return net.eval().requires_grad_(False), config


def _check_options(path: Path, options: Mapping[str, Any]) -> None:
    unknown = [key for key in options if key not in OPTIONS]
    if unknown:
        raise CheckpointError(f"{path}: unknown option {unknown[0]!r} for a BigGAN; known: {', '.join(OPTIONS)}")
    if options.get("bn_stats", "original") not in BN_MODES:
        raise CheckpointError(f"{path}: option bn_stats must be one of {', '.join(BN_MODES)}, got {short(options['bn_stats'])}")
    names = options.get("class_names")
    if names is not None and (isinstance(names, str) or not all(isinstance(n, str) for n in names)):
        raise CheckpointError(f"{path}: option class_names must be a list of names, got {short(names)}")
    if options.get("name") is not None and not isinstance(options["name"], str):
        raise CheckpointError(f"{path}: option name must be a string, got {short(options['name'])}")


def _class_names(path: Path, count: int, given: Any) -> tuple[str, ...]:
    if given is not None:
        if len(given) != count or len({str(n).lower() for n in given}) != count:
            raise CheckpointError(f"{path}: option class_names must give {count} distinct names, got {len(given)}")
        return tuple(str(n) for n in given)
    return IMAGENET_CLASSES if count == len(IMAGENET_CLASSES) else tuple(f"class_{i}" for i in range(count))


def _model_name(config_path: Path, weights_path: Path) -> str:
    prefix = _prefix(weights_path.name, WEIGHT_NAMES)
    if prefix:
        return prefix.rstrip("-_.")
    return weights_path.parent.name or config_path.stem


def load_biggan(path: Path, options: Mapping[str, Any]) -> BigGANGenerator:
    """The registry's entry: either file of a pair -> a z-space generator (module docstring)."""
    _check_options(path, options)
    config_path, weights_path = find_pair(path)
    bn_stats = str(options.get("bn_stats", "original"))
    net, config = load_network(config_path, weights_path, bn_stats)
    side = net.resolution
    inferred = {
        "pair": f"{config_path.name} + {weights_path.name}",
        "config_defaults": list(config.defaulted) or None,
        "seed": SEED_CONVENTION,
        "truncation": f"psi scales z and picks batch-norm statistics among {config.n_stats} stored truncations ({bn_stats} blend)",
    }
    info = ModelInfo(
        name=str(options.get("name") or _model_name(config_path, weights_path)),
        family="biggan",
        latent_shape=(config.z_dim,),
        resolution=(side, side),
        channels=3,
        output_range=(-1.0, 1.0),
        class_names=_class_names(path, config.num_classes, options.get("class_names")),
        description=f"BigGAN-deep {side} px (pytorch-pretrained-BigGAN): z {config.z_dim}, {config.num_classes} classes",
        source=weights_path.name,
        extra={"architecture": ARCHITECTURE, "kwargs": net.kwargs(), "inferred": inferred},
    )
    return BigGANGenerator(net, info)


def build_native(kwargs: Mapping[str, Any]) -> BigGANNet:
    """Native-format builder: kwargs validated as a config.json is, then an untrained net."""
    config = network_config(dict(kwargs), "native BigGAN kwargs")
    return _build(config, str(kwargs.get("bn_stats", "original")))


def wrap_native(net: BigGANNet, info: ModelInfo) -> BigGANGenerator:
    return BigGANGenerator(net, info)


ADAPTER = Adapter(
    name="biggan",
    description="a pytorch-pretrained-BigGAN config.json with its pytorch_model.bin or .safetensors beside it",
    suffixes=(".json", ".bin", ".safetensors", ".pt", ".pth"),
    sniff=sniff,
    load=load_biggan,
)
