"""``StyleGAN1Generator``: a StyleGAN (v1) network behind odyssey's ``Generator``.

It is a ``StyleGANGenerator`` (see there): spaces z / w / w+ (``num_ws = 2 log2(R) - 2``,
18 at 1024 px), truncation ``w_avg + psi (w - w_avg)`` on layers below the cutoff, noise
const / random / none, seeds ``np.random.RandomState(seed).randn(z_dim)`` as NVIDIA's
``pretrained_example.py`` draws them. What differs: the native architecture is
``stylegan1``, and there is no input transform.

NVIDIA's ``Gs.run`` truncates by default (psi 0.7 on the first 8 layers); odyssey applies
only what the path file asks (``truncation: {psi: 0.7, cutoff: 8}`` gives NVIDIA's default).
"""

from __future__ import annotations

from dataclasses import replace

from odyssey.adapters.stylegan.generator import StyleGANGenerator
from odyssey.adapters.stylegan.sg1 import StyleGAN1Network
from odyssey.models.base import ModelInfo, NativeForm, StyleSettings


class StyleGAN1Generator(StyleGANGenerator):
    """A ``StyleGAN1Network`` as an odyssey ``Generator`` (images (N, C, R, R) in [-1, 1])."""

    net: StyleGAN1Network

    def native_form(self) -> NativeForm:
        return NativeForm("stylegan1", self.net.kwargs(), self.net.state_dict())

    def in_space(self, settings: StyleSettings) -> "StyleGAN1Generator":
        if settings.stabilise:
            raise ValueError(f"transform.stabilise: {self.info.name} is a StyleGAN (v1), which has no input transform; remove it")
        super().in_space(settings)  # validates space, noise and cutoff
        view = StyleGAN1Generator(self.net, replace(self.info, latent_shape=(self.z_dim,)), settings)
        view.device = self.device
        return view


def stylegan1_info(net: StyleGAN1Network, name: str, source: str, extra: dict | None = None) -> ModelInfo:
    """The ``ModelInfo`` of a loaded network (z space; the generator adds w_dim and num_ws)."""
    res, c_dim = net.img_resolution, net.c_dim
    lod = net.synthesis.lod
    return ModelInfo(
        name=name,
        family="stylegan1",
        latent_shape=(net.z_dim,),
        resolution=(res, res),
        channels=net.img_channels,
        output_range=(-1.0, 1.0),
        class_names=tuple(str(i) for i in range(c_dim)) if c_dim else None,
        description=f"StyleGAN (v1) {res} px: z {net.z_dim}, w {net.w_dim} x {net.num_ws} layers"
        + (f", {c_dim} classes" if c_dim else "")
        + (f", saved mid-training at lod {lod:g}" if lod else ""),
        source=source,
        extra=dict(extra or {}),
    )


def wrap_stylegan1(net: StyleGAN1Network, info: ModelInfo) -> StyleGAN1Generator:
    """Native-format wrapper: a z-space generator."""
    return StyleGAN1Generator(net, info)


__all__ = ["StyleGAN1Generator", "stylegan1_info", "wrap_stylegan1"]
