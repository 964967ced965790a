"""``StyleGANGenerator``: a StyleGAN2 or StyleGAN3 network behind odyssey's ``Generator``.

One wrapper serves both families; what differs is read from the network
(``synthesis.input`` exists only in StyleGAN3). A generator moves its path in one of
three spaces, chosen per render with ``in_space`` (it shares the network):

* ``z``: latents ``(N, z_dim)`` ~ N(0, I); seeds follow NVIDIA's convention,
  ``np.random.RandomState(seed).randn(z_dim)``, so seed 42 shows the picture NVIDIA's
  ``gen_images.py --seeds 42`` shows;
* ``w``: latents ``(N, w_dim)``, one w for every layer; a seed's latent is its mapped z;
* ``w+``: latents ``(N, num_ws, w_dim)``, one w per layer (a projector's ``.npz``).

Truncation is applied in w, per frame: ``w' = c + psi (w - c)`` for layers below the
cutoff (all layers by default), where the centre ``c`` is ``w_avg`` or a given w.
Images come out ``(N, C, H, W)`` in [-1, 1]: NVIDIA's range, where the network's raw
output may overshoot a little; it is clamped here, as NVIDIA's tools clamp when saving.

Per-frame controls (``Generator.controls``): ``frame`` (N,) seeds StyleGAN2's noise
per frame when ``noise`` is ``random``; ``transform`` (N, 3, 3) is StyleGAN3's input
transform; ``noise_gain`` (N,) scales each frame's noise strength (music reactions;
StyleGAN2 and v1, which have noise inputs). ``stabilise`` (StyleGAN3) feeds ``w_avg`` to the input layer only, so the
framing (the input's own rotation and shift, predicted from w) stays put while w moves.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from odyssey.errors import RenderError
from odyssey.models.base import ModelInfo, ModuleGenerator, NativeForm, StyleSettings

SPACES = ("z", "w", "w+")
NOISE_MODES = ("const", "random", "none")
NOISE_SEED = 0x0D155E  # offset of per-frame noise seeds, so they differ from keyframe seeds


class StyleGANGenerator(ModuleGenerator):
    """A StyleGAN2/3 network (``net.mapping``, ``net.synthesis``) as an odyssey ``Generator``."""

    def __init__(self, net: nn.Module, info: ModelInfo, settings: StyleSettings | None = None) -> None:
        self.net = net.eval().requires_grad_(False)
        self.settings = settings or StyleSettings()
        self.z_dim, self.w_dim, self.num_ws = int(net.z_dim), int(net.w_dim), int(net.num_ws)
        self.c_dim = int(net.c_dim)
        self.is_stylegan3 = bool(getattr(net, "has_input", hasattr(net.synthesis, "input")))  # trusted nets say so
        shape = {"z": (self.z_dim,), "w": (self.w_dim,), "w+": (self.num_ws, self.w_dim)}[self.settings.space]
        extra = {**info.extra, "space": self.settings.space, "w_dim": self.w_dim, "num_ws": self.num_ws}
        self.info = replace(info, latent_shape=shape, extra=extra)
        self.controls = frozenset({"frame", "transform"} if self.is_stylegan3 else {"frame", "noise_gain"})
        # Per output pixel a StyleGAN holds tens of wide feature maps: on a CPU a batch beyond
        # ~64k native pixels only spills the caches (measured: 256 px, batch 1 > 4 > 16 frames/s).
        self.cpu_batch_limit = max(1, 2**16 // (int(net.img_resolution) ** 2))

    def native_form(self) -> NativeForm | None:
        """Architecture ``stylegan2``/``stylegan3`` and the init kwargs the network was built
        with; None for a network odyssey did not build (``trust_pickle``)."""
        kwargs = getattr(self.net, "native_kwargs", None)
        if not isinstance(kwargs, dict):
            return None
        return NativeForm("stylegan3" if self.is_stylegan3 else "stylegan2", kwargs, self.net.state_dict())

    # -- views ------------------------------------------------------------------------
    def in_space(self, settings: StyleSettings) -> "StyleGANGenerator":
        """The same network driven with other settings (space, noise, cutoff, centre); ValueError if invalid."""
        if settings.space not in SPACES:
            raise ValueError(f"space: must be one of {', '.join(SPACES)}, not {settings.space!r}")
        if settings.noise not in NOISE_MODES:
            raise ValueError(f"noise: must be one of {', '.join(NOISE_MODES)}, not {settings.noise!r}")
        if settings.cutoff is not None and settings.cutoff < 0:  # above num_ws means all layers, as in NVIDIA's tools
            raise ValueError(f"truncation.cutoff: {settings.cutoff} is negative; give a layer index 0..{self.num_ws}")
        if settings.stabilise and not self.is_stylegan3:
            raise ValueError(f"transform.stabilise: {self.info.name} is a StyleGAN2, which has no input transform; remove it")
        base = replace(self.info, latent_shape=(self.z_dim,))
        view = StyleGANGenerator(self.net, base, settings)
        view.device = self.device
        return view

    # -- latents ----------------------------------------------------------------------
    def _one_hot(self, labels: torch.Tensor | None, count: int) -> torch.Tensor | None:
        if self.c_dim == 0:
            return None
        if labels is None:
            raise RenderError(f"{self.info.name} is conditional ({self.c_dim} classes); give each keyframe a class")
        return labels.to(self.device, torch.float32).reshape(count, self.c_dim)

    def _mapped(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """z (N, z_dim) -> ws (N, num_ws, w_dim) float32 on the device, without truncation."""
        z = z.to(self.device, torch.float32)
        return self.net.mapping(z, self._one_hot(labels, z.shape[0])).float()

    def _in_space(self, ws: torch.Tensor) -> torch.Tensor:
        """ws (N, num_ws, w_dim) -> the path's latents: (N, w_dim) for w, unchanged for w+."""
        return ws[:, 0] if self.settings.space == "w" else ws

    def seed_latent(self, seed: int, label: int | None = None) -> torch.Tensor:
        z = torch.from_numpy(np.random.RandomState(int(seed)).randn(self.z_dim).astype(np.float32))  # (z_dim,)
        if self.settings.space == "z":
            return z
        labels = None
        if self.c_dim:
            labels = F.one_hot(torch.tensor([label or 0]), self.c_dim).float()  # (1, c_dim)
        with torch.inference_mode():
            return self._in_space(self._mapped(z[None], labels))[0].cpu().clone()

    def sample_latents(self, count: int, generator: torch.Generator) -> torch.Tensor:
        z = torch.randn((count, self.z_dim), generator=generator)  # (count, z_dim)
        if self.settings.space == "z":
            return z
        labels = None
        if self.c_dim:
            labels = F.one_hot(torch.randint(self.c_dim, (count,), generator=generator), self.c_dim).float()
        with torch.inference_mode():
            return torch.cat([self._in_space(self._mapped(z[i : i + 256], None if labels is None else labels[i : i + 256])).cpu() for i in range(0, count, 256)])

    def vector_latent(self, array: np.ndarray) -> torch.Tensor:
        """z: ``z_dim`` values. w: ``(w_dim,)`` or a w+ whose layers are equal. w+: ``(num_ws, w_dim)``
        (a projector's ``(1, num_ws, w_dim)`` too) or one w for every layer."""
        if self.settings.space == "z" or not np.issubdtype(array.dtype, np.floating):
            return super().vector_latent(array)
        values = torch.from_numpy(np.asarray(array, dtype=np.float32))
        if values.numel() == self.w_dim:
            w = values.reshape(self.w_dim)
            return w if self.settings.space == "w" else w.expand(self.num_ws, self.w_dim).clone()
        if values.numel() != self.num_ws * self.w_dim:
            raise ValueError(
                f"holds an array of shape {array.shape}, but {self.info.name}'s w has {self.w_dim} values "
                f"and w+ is ({self.num_ws}, {self.w_dim})"
            )
        ws = values.reshape(self.num_ws, self.w_dim)
        if self.settings.space == "w+":
            return ws
        if not torch.allclose(ws, ws[:1].expand_as(ws), atol=1e-6):
            raise ValueError("is a w+ (one w per layer, and they differ); set space: w+ to move through it")
        return ws[0].clone()

    def map(self, latents: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """z -> w (N, w_dim); in w or w+ the latents already are w, so they are returned as they are."""
        if self.settings.space != "z":
            return latents
        return self._mapped(latents, labels)[:, 0]

    # -- synthesis --------------------------------------------------------------------
    def _ws(self, latents: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if self.settings.space == "z":
            return self._mapped(latents, labels)
        w = latents.to(self.device, torch.float32)
        return w[:, None].expand(-1, self.num_ws, -1) if self.settings.space == "w" else w  # (N, num_ws, w_dim)

    def _truncate(self, ws: torch.Tensor, psi: torch.Tensor | None) -> torch.Tensor:
        if psi is None:
            return ws
        psi = psi.to(self.device, torch.float32).reshape(-1, 1, 1)  # (N, 1, 1)
        centre = self.settings.centre
        centre = self.net.mapping.w_avg.float() if centre is None else centre.to(self.device, torch.float32)
        centre = centre.expand(self.num_ws, self.w_dim)[None]  # (1, num_ws, w_dim)
        layers = torch.arange(self.num_ws, device=self.device)
        cut = self.num_ws if self.settings.cutoff is None else self.settings.cutoff
        scale = torch.where((layers < cut)[None, :, None], psi, torch.ones_like(psi))  # (N, num_ws, 1)
        return torch.where(scale == 1, ws, centre + scale * (ws - centre))  # psi 1 leaves w exactly as it is

    def _noise_generators(self, frame: torch.Tensor | None, count: int) -> list[torch.Generator] | None:
        if self.settings.noise != "random":
            return None
        if frame is None:
            raise RenderError("noise: random needs the frame indices of the batch; render through a trajectory")
        return [torch.Generator(device="cpu").manual_seed(NOISE_SEED + int(i)) for i in frame.tolist()]

    def synthesize(
        self,
        latents: torch.Tensor,
        labels: torch.Tensor | None = None,
        truncation: torch.Tensor | None = None,
        frame: torch.Tensor | None = None,
        transform: torch.Tensor | None = None,
        noise_gain: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Latents in the path's space -> images (N, C, H, W) in [-1, 1]; see the module docstring."""
        count = latents.shape[0]
        ws = self._truncate(self._ws(latents, labels), truncation)  # (N, num_ws, w_dim)
        if self.is_stylegan3:
            if self.settings.stabilise:
                ws = torch.cat([self.net.mapping.w_avg.float().expand(count, 1, self.w_dim), ws[:, 1:]], dim=1)
            if transform is not None:
                transform = transform.to(self.device, torch.float32)
            images = self.net.synthesis(ws, transform=transform)
        else:
            noise = self._noise_generators(frame, count)
            gain = {} if noise_gain is None else {"noise_gain": noise_gain.to(self.device, torch.float32)}  # (N,)
            if noise is not None:
                images = self.net.synthesis(ws, noise_mode="random", noise_generator=noise, **gain)
            else:
                images = self.net.synthesis(ws, noise_mode=self.settings.noise, **gain)
        return images.clamp(-1.0, 1.0)  # (N, C, H, W)
