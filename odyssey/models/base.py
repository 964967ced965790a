"""The one interface the planner and renderer use for every model family.

A ``Generator`` wraps a network in eval mode and normalises it at the boundary:

* latents are ``(N, *latent_shape)`` float32 tensors (for a DCGAN, ``(N, nz)``);
* labels, for conditional models, are ``(N, num_classes)`` soft one-hot weights;
* truncation is ``(N,)`` psi per frame (1.0 = none);
* per-frame controls a family understands (``controls``), passed by keyword: ``frame``
  ``(N,)`` int64 global frame indices (per-frame noise that is a pure function of the
  frame), ``transform`` ``(N, 3, 3)`` (StyleGAN3's input transform);
* ``synthesize`` returns ``(N, C, H, W)`` float images in ``info.output_range``.

Keyframe latents come from ``seed_latent`` and are always drawn on the CPU, so a seed
means the same picture on any device.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from odyssey.errors import OdysseyError, RenderError


@dataclass(frozen=True)
class ModelInfo:
    """What a path planner and a renderer need to know about a model.

    ``resolution`` is ``(height, width)`` of the native output; ``output_range`` is the
    ``(low, high)`` interval that ``synthesize`` maps black and white to.
    """

    name: str
    family: str
    latent_shape: tuple[int, ...]
    resolution: tuple[int, int]
    channels: int
    output_range: tuple[float, float] = (-1.0, 1.0)
    class_names: tuple[str, ...] | None = None
    description: str = ""
    source: str = ""
    licence: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def conditional(self) -> bool:
        return bool(self.class_names)

    @property
    def num_classes(self) -> int:
        return len(self.class_names) if self.class_names else 0

    @property
    def latent_dim(self) -> int:
        dim = 1
        for size in self.latent_shape:
            dim *= size
        return dim

    def class_index(self, value: str | int) -> int:
        """Resolve a class given by name (case-insensitive) or index; ValueError if unknown."""
        names = self.class_names or ()
        if isinstance(value, bool):
            raise ValueError(f"class must be a name or an index, not {value!r}")
        if isinstance(value, int):
            if 0 <= value < len(names):
                return value
            raise ValueError(f"class index {value} is out of range 0..{len(names) - 1}")
        lowered = [n.lower() for n in names]
        if value.lower() in lowered:
            return lowered.index(value.lower())
        raise ValueError(f"unknown class {value!r}; this model has: {', '.join(names)}")


@dataclass(frozen=True)
class NativeForm:
    """A loaded network as odyssey's native file stores it (``odyssey convert``).

    ``architecture`` names an entry of ``odyssey.adapters.native.ARCHITECTURES``, whose
    ``build(kwargs)`` rebuilds the untrained network and ``wrap(net, info)`` the
    ``Generator``; ``kwargs`` must be JSON-able; ``state_dict`` holds every tensor the
    network needs (float32 on the CPU, as loaded).
    """

    architecture: str
    kwargs: dict[str, Any]
    state_dict: dict[str, torch.Tensor]


@dataclass(frozen=True)
class StyleSettings:
    """How a render drives a model with a w space (StyleGAN); the defaults are plain z.

    ``space``: z, w or w+; ``noise``: const, random or none (StyleGAN2's noise inputs);
    ``cutoff``: truncate layers [0, cutoff) only (None = all); ``centre``: truncate toward
    this w, ``(w_dim,)`` or ``(num_ws, w_dim)`` (None = the model's w_avg); ``stabilise``:
    feed w_avg to StyleGAN3's input layer.
    """

    space: str = "z"
    noise: str = "const"
    cutoff: int | None = None
    centre: torch.Tensor | None = None
    stabilise: bool = False


class Generator(ABC):
    """A pretrained image generator behind one small interface (see module docstring)."""

    info: ModelInfo
    device: torch.device = torch.device("cpu")
    controls: frozenset[str] = frozenset()  # per-frame keyword inputs ``synthesize`` accepts
    cpu_batch_limit: int | None = None  # the most frames per call that still pay off on a CPU (None: no limit)

    def seed_latent(self, seed: int, label: int | None = None) -> torch.Tensor:
        """The keyframe latent for ``seed``: standard normal, float32, on the CPU.

        Drawn with a CPU ``torch.Generator`` so results do not depend on the device.
        Families with another convention (StyleGAN's numpy RandomState) override this;
        ``label`` (a class index) matters only where the latent depends on the class
        (a conditional StyleGAN's w).
        """
        gen = torch.Generator(device="cpu").manual_seed(int(seed))
        return torch.randn(self.info.latent_shape, generator=gen, dtype=torch.float32)

    def in_space(self, settings: StyleSettings) -> "Generator":
        """This model driven with ``settings`` (a view sharing the network).

        Only models with a w space (StyleGAN) take anything but the defaults; others raise
        ValueError saying so, which the planner turns into an error naming the field.
        """
        if settings.space != "z":
            raise ValueError(f"space: model {self.info.name} ({self.info.family}) has no w space; use space: z")
        if settings.noise != "const":
            raise ValueError(f"noise: model {self.info.name} ({self.info.family}) has no noise inputs; remove it")
        if settings.stabilise:
            raise ValueError(f"transform.stabilise: model {self.info.name} ({self.info.family}) has no input transform; remove it")
        if settings.cutoff is not None or settings.centre is not None:
            raise ValueError(f"truncation: model {self.info.name} ({self.info.family}) has no w space for a cutoff or centre")
        return self

    def sample_latents(self, count: int, generator: torch.Generator) -> torch.Tensor:
        """``count`` random latents ``(count, *latent_shape)`` as the model sees them (CPU).

        N(0, I) by default; a path in StyleGAN's w space samples mapped z instead.
        """
        return torch.randn((count, *self.info.latent_shape), generator=generator)

    def vector_latent(self, array: np.ndarray) -> torch.Tensor:
        """A saved latent (any shape with the model's number of values) -> ``latent_shape``.

        ValueError says what was expected; the planner adds the file and field.
        """
        shape = self.info.latent_shape
        if array.size != self.info.latent_dim or not np.issubdtype(array.dtype, np.floating):
            raise ValueError(
                f"holds a {array.dtype} array of shape {array.shape}, but the model needs "
                f"{self.info.latent_dim} floats (latent shape {shape})"
            )
        return torch.from_numpy(array.astype(np.float32).reshape(shape))

    def map(self, latents: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor | None:
        """Map latents into an intermediate space (StyleGAN's w); None where there is none."""
        return None

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images ``(N, C, H, W)`` in ``info.output_range`` at ``info.resolution`` -> latents
        ``(N, *latent_shape)``: the mean of q(z|x). Only models with an encoder (VAEs) have one.
        """
        raise OdysseyError(
            f"model {self.info.name} ({self.info.family}) has no encoder, so it cannot turn images into "
            "latents; use a VAE for image keyframes, or seed/vector keyframes with this model"
        )

    @abstractmethod
    def to(self, device: torch.device | str) -> "Generator":
        """Move the network to ``device`` and return self."""

    @abstractmethod
    def synthesize(
        self,
        latents: torch.Tensor,
        labels: torch.Tensor | None = None,
        truncation: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Latents ``(N, *latent_shape)`` -> images ``(N, C, H, W)`` in ``info.output_range``.

        Inputs may be on any device; they are moved to ``self.device``. ``truncation`` is
        psi per frame, ``(N,)``; None means 1.0. Families with ``controls`` also take
        those by keyword (see the module docstring).
        """

    def parameters_dtype(self) -> torch.dtype:
        """The dtype of the wrapped network's weights (float32 after loading)."""
        return torch.float32

    def native_form(self) -> NativeForm | None:
        """How ``odyssey convert`` stores this model natively; None where it cannot
        (TorchScript archives, factories: code odyssey did not write)."""
        return None

    def use_channels_last(self) -> None:
        """Store 4-D weights channels-last: faster convolutions on CUDA tensor cores and in
        oneDNN on the CPU (outputs follow the weights' format). Default: nothing."""


class ModuleGenerator(Generator):
    """A ``Generator`` whose weights live in one ``nn.Module``, ``self.net``.

    Moving between devices, the weights' dtype and their memory format are handled here
    once for every family built on a module (DCGAN, VAE decoders).
    """

    net: torch.nn.Module
    # False for code odyssey did not write (TorchScript, trusted modules): a ``.view`` on a
    # channels-last activation fails there, so their memory format is left alone.
    channels_last_ok: bool = True

    def to(self, device: torch.device | str) -> "ModuleGenerator":
        target = torch.device(device)
        try:
            self.net.to(target)
        except (RuntimeError, AssertionError) as exc:  # e.g. "Torch not compiled with CUDA enabled"
            raise RenderError(f"cannot move {self.info.name} to {target}: {exc}") from exc
        self.device = target
        return self

    def parameters_dtype(self) -> torch.dtype:
        return next(iter(self.net.parameters()), torch.empty(0)).dtype

    def use_channels_last(self) -> None:
        if self.channels_last_ok:
            self.net.to(memory_format=torch.channels_last)
