"""The model as a path file drives it: space (z, w, w+), noise, truncation cutoff and centre.

``style_generator`` gives the model the path file's ``space``, ``noise``, truncation
cutoff and centre and ``transform.stabilise``: a view of a StyleGAN sharing its network
(other models refuse anything but the defaults, naming the field). Planning then moves
through that view's latent space.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from odyssey.config import OdysseyConfig, TruncationSpec
from odyssey.errors import ConfigError
from odyssey.models.base import Generator, StyleSettings
from odyssey.plan.keyframes import keyframe_from_spec, resolve_class

GAUSSIAN_LEGS = ("walk", "noise-loop")  # legs whose motion assumes an N(0, I) space


def truncation_spec(config: OdysseyConfig) -> TruncationSpec:
    """``truncation:`` as a ``TruncationSpec`` (a bare number is its psi)."""
    truncation = config.truncation
    return truncation if isinstance(truncation, TruncationSpec) else TruncationSpec(psi=truncation)


def style_generator(config: OdysseyConfig, generator: Generator) -> Generator:
    """The model as this path file drives it: space, noise, cutoff, centre, stabilise.

    Returns ``generator`` itself for plain z paths; a view sharing the network otherwise.
    """
    spec = truncation_spec(config)
    transform = config.transform
    settings = StyleSettings(space=config.space, noise=config.noise, cutoff=spec.cutoff, stabilise=bool(transform and transform.stabilise))
    if settings.space != "z":
        legs = [leg.type for leg in config.path.legs or []]
        for index, kind in enumerate(legs):
            if kind in GAUSSIAN_LEGS:
                raise ConfigError(f"path.legs.{index}: a {kind} leg moves through z's N(0, I) distribution, not {settings.space}; use space: z for it")
    if transform is not None and "transform" not in generator.controls:
        raise ConfigError(f"transform: model {generator.info.name} ({generator.info.family}) has no input transform (StyleGAN3 has); remove it")
    try:
        view = generator.in_space(settings) if settings != StyleSettings() else generator
        if spec.centre is not None:  # in w, the model pulls toward it; without w, the trajectory does
            key = keyframe_from_spec(spec.centre, 0, "truncation.centre", config, view, resolve_class(view.info, config.class_, "class"), config.fps)
            labels = None if key.label is None else torch.eye(view.info.num_classes)[[key.label]]  # (1, C)
            with torch.inference_mode():
                centre = view.map(key.latent[None], labels)  # w (1, w_dim) or w+ (1, num_ws, w_dim); None without w
            if centre is not None:
                view = view.in_space(replace(settings, centre=centre[0].cpu()))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return view
