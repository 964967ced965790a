"""Image keyframes: ``image: drawing.png`` in a path file -> the latent a VAE's encoder gives it.

The picture goes through exactly the preparation training uses (``odyssey.models.images``:
transparency over white, the model's channels, centre square crop, resize to the model's
resolution), is scaled to the model's ``output_range``, and is encoded to the mean of
q(z|x): ``(*latent_shape)`` float32 on the CPU. Models without an encoder refuse, with
the field named.
"""

from __future__ import annotations

from pathlib import Path

import torch

from odyssey.errors import ConfigError, OdysseyError
from odyssey.models.arrays import file_problem
from odyssey.models.base import Generator
from odyssey.models.images import ImageProblem, image_tensor


def image_latent(file: Path, generator: Generator, field: str) -> torch.Tensor:
    """The keyframe latent of picture ``file`` under ``generator``'s encoder; ConfigError naming ``field``."""
    info = generator.info
    problem = file_problem(file)
    if problem:
        what = f"no such file {file}" if not file.exists() else f"{file} {problem}"
        raise ConfigError(f"{field}: {what}; give a picture (PNG, JPEG, ...) relative to the path file")
    try:
        x = image_tensor(file, info.resolution, info.channels, info.output_range)  # (1, C, H, W)
    except ImageProblem as problem:
        raise ConfigError(f"{field}: {file}: {problem}; give another picture") from None
    try:
        latent = generator.encode(x)  # (1, *latent_shape)
    except OdysseyError as exc:
        raise ConfigError(f"{field}: {exc}") from None
    return latent[0].detach().to("cpu", torch.float32)
