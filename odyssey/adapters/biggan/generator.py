"""``BigGANGenerator``: a published BigGAN-deep behind odyssey's ``Generator``.

Seeds: ``seed_latent(seed)`` is pytorch-pretrained-BigGAN's
``truncated_noise_sample(truncation=1., seed=seed)[0]`` (``biggan.truncnorm``), float32 (z_dim,).

Truncation is one number per frame, psi in [0, 1], used as the original uses its
``truncation`` argument: the generator scales z by psi (the utilities' noise for
``truncation=psi`` is psi times the noise for 1) and every batch norm takes its statistics
for psi (``biggan_deep.Truncation``). So ``synthesize(seed_latent(s), label, psi)`` is the
original's ``model(truncated_noise_sample(truncation=psi, seed=s), label, psi)``. psi 0
is allowed (z = 0, the statistics measured for truncation 0); the original asserts psi > 0.

Labels are ``(N, num_classes)`` soft one-hot weights; the class embedding is linear in
them, so a blend of two classes is a blend of their embeddings.

Two path spaces (``in_space``): ``z`` (latents (N, z_dim), labels from the path) and
``w``, the conditioning vector ``[z, class embedding]`` (N, 2 z_dim) that BigGAN feeds to
every layer: a keyframe's w is its seed's z beside its class's embedding, so paths move
through class embeddings directly (labels are then not used). In w, psi scales the z half
(toward a ``centre``'s z half, when one is given) and picks the statistics. There is no
layer cutoff and there are no noise inputs. Output: (N, 3, H, W) in [-1, 1] (tanh).
"""

from __future__ import annotations

from dataclasses import replace

import torch
import torch.nn.functional as F

from odyssey.adapters.biggan.biggan_deep import BigGANNet
from odyssey.adapters.biggan.truncnorm import truncated_normal
from odyssey.errors import RenderError
from odyssey.models.base import ModelInfo, ModuleGenerator, NativeForm, StyleSettings

SPACES = ("z", "w")


class BigGANGenerator(ModuleGenerator):
    """A ``BigGANNet`` as an odyssey ``Generator`` (see the module docstring)."""

    def __init__(self, net: BigGANNet, info: ModelInfo, settings: StyleSettings | None = None) -> None:
        self.net = net.float().eval().requires_grad_(False)
        self.settings = settings or StyleSettings()
        self.z_dim, self.num_classes = net.z_dim, net.num_classes
        if info.latent_shape not in ((self.z_dim,), (2 * self.z_dim,)) or info.num_classes != self.num_classes:
            raise ValueError(
                f"BigGANGenerator: latent_shape {info.latent_shape} and {info.num_classes} classes do not match "
                f"the network's z_dim {self.z_dim} and {self.num_classes} classes"
            )
        space = self.settings.space
        shape = (self.z_dim,) if space == "z" else (2 * self.z_dim,)
        self.info = replace(info, latent_shape=shape, extra={**info.extra, "space": space})
        self.device = torch.device("cpu")
        side = int(net.resolution)
        self.cpu_batch_limit = max(1, 2**16 // (side * side))

    def native_form(self) -> NativeForm:
        return NativeForm("biggan", self.net.kwargs(), self.net.state_dict())

    def in_space(self, settings: StyleSettings) -> "BigGANGenerator":
        """The same network as a path in z or w (the conditioning vector); ValueError otherwise."""
        name = f"model {self.info.name} (BigGAN)"
        if settings.space not in SPACES:
            raise ValueError(f"space: {name} has z and w (the conditioning vector [z, class embedding]), not {settings.space!r}")
        if settings.noise != "const":
            raise ValueError(f"noise: {name} has no noise inputs; remove it")
        if settings.stabilise:
            raise ValueError(f"transform.stabilise: {name} has no input transform; remove it")
        if settings.cutoff is not None:
            raise ValueError(f"truncation.cutoff: {name} truncates z as a whole; a layer cutoff does not apply, remove it")
        if settings.centre is not None and tuple(settings.centre.shape) != (2 * self.z_dim,):
            raise ValueError(f"truncation.centre: {name} takes a centre in w ({2 * self.z_dim} values), got shape {tuple(settings.centre.shape)}")
        view = BigGANGenerator(self.net, replace(self.info, latent_shape=(self.z_dim,)), settings)
        view.device = self.device
        return view

    # -- latents ----------------------------------------------------------------------
    def _embedded(self, z: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        """z (N, z_dim) and class indices (N,) -> w (N, 2 z_dim) on the CPU."""
        labels = F.one_hot(classes, self.num_classes).float()
        with torch.inference_mode():
            return self.net.condition(z.to(self.device), labels.to(self.device)).cpu().clone()

    def seed_latent(self, seed: int, label: int | None = None) -> torch.Tensor:
        z = truncated_normal(int(seed), self.z_dim)  # (z_dim,), as truncated_noise_sample draws it
        if self.settings.space == "z":
            return z
        return self._embedded(z[None], torch.tensor([label or 0]))[0]

    def sample_latents(self, count: int, generator: torch.Generator) -> torch.Tensor:
        z = torch.randn((count, self.z_dim), generator=generator)
        if self.settings.space == "z":
            return z
        return self._embedded(z, torch.randint(self.num_classes, (count,), generator=generator))

    def map(self, latents: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor | None:
        """In w, the latents are already w; z has no intermediate space the planner should use (None)."""
        return latents if self.settings.space == "w" else None

    # -- synthesis --------------------------------------------------------------------
    def _psi(self, truncation: torch.Tensor | None, count: int) -> torch.Tensor:
        if truncation is None:
            return torch.ones(count, device=self.device)
        psi = torch.as_tensor(truncation, dtype=torch.float32, device=self.device).reshape(-1)
        if psi.numel() not in (1, count):
            raise ValueError(f"{self.info.name}: truncation must be (N,) = ({count},), got {tuple(psi.shape)}")
        if not bool(((psi >= 0) & (psi <= 1)).all()):
            bad = psi[~((psi >= 0) & (psi <= 1))][0].item()
            raise RenderError(f"truncation: BigGAN's psi is between 0 and 1 (its batch-norm statistics were measured there), got {bad:g}")
        return psi.expand(count)

    def synthesize(
        self,
        latents: torch.Tensor,
        labels: torch.Tensor | None = None,
        truncation: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Latents in the path's space -> images (N, 3, H, W) in [-1, 1]; see the module docstring."""
        x = latents.to(self.device, torch.float32)
        count = x.shape[0]
        if tuple(x.shape[1:]) != self.info.latent_shape:
            raise ValueError(f"{self.info.name}: latents must be (N, {self.info.latent_shape[0]}), got {tuple(x.shape)}")
        psi = self._psi(truncation, count)
        scale = psi[:, None]  # (N, 1)
        with torch.no_grad():
            if self.settings.space == "z":
                if labels is None:
                    raise RenderError(f"{self.info.name} is conditional ({self.num_classes} classes); give each keyframe a class")
                y = labels.to(self.device, torch.float32)
                if tuple(y.shape) != (count, self.num_classes):
                    raise ValueError(f"{self.info.name}: labels must be ({count}, {self.num_classes}), got {tuple(y.shape)}")
                cond = self.net.condition(x * scale, y)  # (N, 2 z_dim): z truncated, then its class embedding
            else:
                z, embed = x[:, : self.z_dim], x[:, self.z_dim :]
                centre = self.settings.centre
                if centre is not None:
                    c = centre.to(self.device, torch.float32)[None, : self.z_dim]  # (1, z_dim)
                    z = c + scale * (z - c)
                else:
                    z = z * scale
                cond = torch.cat((z, embed), dim=1)
            return self.net(cond, psi)  # (N, 3, H, W) in [-1, 1]
