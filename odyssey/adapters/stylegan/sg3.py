"""StyleGAN3 generator (configs T and R), written from the paper and the checkpoint format.

"Alias-Free Generative Adversarial Networks" (Karras et al. 2021). Module, parameter and
buffer names and shapes follow NVIDIA's network pickles, so their ``G_ema`` state dict
loads here with ``load_state_dict(strict=True)``; the constructor takes the pickles' init
kwargs. Config T: 3x3 convs, separable filters. Config R: ``conv_kernel=1``,
``use_radial_filters=True`` and twice the channels (``channel_base``/``channel_max``).

    G = StyleGAN3Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
                           mapping_kwargs={"num_layers": 2})
    ws = G.mapping(z, None, truncation_psi=0.7)        # (N, 16, 512)
    img = G.synthesis(ws, transform=per_frame)         # (N, 3, 1024, 1024), about [-1, 1]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import Tensor, nn

from .mapping import StyleGAN3Mapping as MappingNetwork
from .sg3_layers import SynthesisInput, SynthesisLayer

__all__ = ["MappingNetwork", "StyleGAN3Generator", "SynthesisNetwork", "SynthesisSchedule"]


@dataclass(frozen=True)
class SynthesisSchedule:
    """Per-layer signal plan, index 0 = the Fourier input, index i = layer L{i}.

    Arrays have ``num_layers + 1`` entries: cutoff ``f_c``, minimum stopband ``f_t``,
    sampling rate ``s``, transition half-width ``f_h``, spatial size and channels.
    """

    cutoffs: np.ndarray
    stopbands: np.ndarray
    sampling_rates: np.ndarray
    half_widths: np.ndarray
    sizes: np.ndarray
    channels: np.ndarray

    @classmethod
    def build(
        cls,
        img_resolution: int,
        img_channels: int,
        channel_base: int,
        channel_max: int,
        num_layers: int,
        num_critical: int,
        first_cutoff: float,
        first_stopband: float,
        last_stopband_rel: float,
        margin_size: int,
    ) -> SynthesisSchedule:
        """The paper's geometric progression (sec. 4, Fig. 4b).

        Cutoff and stopband grow geometrically from the first layer to the last
        non-critical one and then stay at the output's Nyquist band; each layer samples at
        the smallest power of two covering twice its stopband (capped at the image), keeps
        ``margin_size`` extra pixels each side (except the last two, which are the image),
        and has channels inversely proportional to its cutoff.
        """
        last_cutoff = img_resolution / 2
        last_stopband = last_cutoff * last_stopband_rel
        exponents = np.minimum(np.arange(num_layers + 1) / (num_layers - num_critical), 1)
        cutoffs = first_cutoff * (last_cutoff / first_cutoff) ** exponents
        stopbands = first_stopband * (last_stopband / first_stopband) ** exponents
        sampling_rates = np.exp2(np.ceil(np.log2(np.minimum(stopbands * 2, img_resolution))))
        half_widths = np.maximum(stopbands, sampling_rates / 2) - cutoffs
        sizes = sampling_rates + margin_size * 2
        sizes[-2:] = img_resolution
        channels = np.rint(np.minimum((channel_base / 2) / cutoffs, channel_max))
        channels[-1] = img_channels
        return cls(cutoffs, stopbands, sampling_rates, half_widths, sizes, channels)


class SynthesisNetwork(nn.Module):
    """ws (N, num_layers + 2, w_dim) -> image (N, img_channels, img_resolution, img_resolution).

    The Fourier input (driven by ws[:, 0]), then ``num_layers`` synthesis layers and a
    ToRGB layer named ``L{i}_{size}_{channels}`` (driven by ws[:, 1 + i]); the last
    ``num_critical`` layers are critically sampled. The output is scaled by
    ``output_scale`` and is nominally in [-1, 1].
    """

    def __init__(
        self,
        w_dim: int,
        img_resolution: int,
        img_channels: int,
        channel_base: int = 32768,
        channel_max: int = 512,
        num_layers: int = 14,
        num_critical: int = 2,
        first_cutoff: float = 2,
        first_stopband: float = 2**2.1,
        last_stopband_rel: float = 2**0.3,
        margin_size: int = 10,
        output_scale: float = 0.25,
        num_fp16_res: int = 4,
        **layer_kwargs: Any,
    ) -> None:
        super().__init__()
        self.w_dim, self.img_resolution, self.img_channels = w_dim, img_resolution, img_channels
        self.num_layers, self.num_critical = num_layers, num_critical
        self.num_ws = num_layers + 2
        self.margin_size, self.output_scale, self.num_fp16_res = margin_size, output_scale, num_fp16_res
        self.use_radial_filters = bool(layer_kwargs.get("use_radial_filters", False))  # config R
        self.schedule = plan = SynthesisSchedule.build(
            img_resolution, img_channels, channel_base, channel_max, num_layers, num_critical,
            first_cutoff, first_stopband, last_stopband_rel, margin_size)

        self.input = SynthesisInput(w_dim, channels=int(plan.channels[0]), size=int(plan.sizes[0]),
                                    sampling_rate=plan.sampling_rates[0], bandwidth=plan.cutoffs[0])
        self.layer_names: list[str] = []
        for idx in range(num_layers + 1):
            prev = max(idx - 1, 0)
            layer = SynthesisLayer(
                w_dim=w_dim,
                is_torgb=idx == num_layers,
                is_critically_sampled=idx >= num_layers - num_critical,
                use_fp16=bool(plan.sampling_rates[idx] * 2**num_fp16_res > img_resolution),
                in_channels=int(plan.channels[prev]), out_channels=int(plan.channels[idx]),
                in_size=int(plan.sizes[prev]), out_size=int(plan.sizes[idx]),
                in_sampling_rate=int(plan.sampling_rates[prev]), out_sampling_rate=int(plan.sampling_rates[idx]),
                in_cutoff=plan.cutoffs[prev], out_cutoff=plan.cutoffs[idx],
                in_half_width=plan.half_widths[prev], out_half_width=plan.half_widths[idx],
                **layer_kwargs,
            )
            name = f"L{idx}_{layer.out_size[0]}_{layer.out_channels}"
            setattr(self, name, layer)
            self.layer_names.append(name)

    def forward(self, ws: Tensor, transform: Tensor | None = None) -> Tensor:
        """ws (N, num_ws, w_dim) -> (N, img_channels, H, W) float32.

        ``transform``: None uses the ``input.transform`` buffer; a (3, 3) or (N, 3, 3)
        tensor replaces it for this call (one inverse image transform per sample).
        """
        if ws.ndim != 3 or ws.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f"ws must be (N, {self.num_ws}, {self.w_dim}), got {tuple(ws.shape)}")
        if transform is not None and transform.shape[-2:] != (3, 3):
            raise ValueError(f"transform must be (3, 3) or (N, 3, 3), got {tuple(transform.shape)}")
        ws = ws.float().unbind(dim=1)
        x = self.input(ws[0], transform)  # (N, C0, size0, size0)
        for name, w in zip(self.layer_names, ws[1:]):
            x = getattr(self, name)(x, w)
        if self.output_scale != 1:
            x = x * self.output_scale
        return x.float()

    def extra_repr(self) -> str:
        return (f"w_dim={self.w_dim}, num_ws={self.num_ws}, img_resolution={self.img_resolution}, "
                f"img_channels={self.img_channels}, num_layers={self.num_layers}, num_critical={self.num_critical}")


class StyleGAN3Generator(nn.Module):
    """StyleGAN3 G: ``mapping`` (z, c -> ws) followed by ``synthesis`` (ws -> image).

    Constructor arguments mirror NVIDIA's ``Generator``: ``mapping_kwargs`` go to
    :class:`MappingNetwork`, everything else to :class:`SynthesisNetwork` and its layers
    (``conv_kernel``, ``filter_size``, ``lrelu_upsampling``, ``use_radial_filters``,
    ``conv_clamp``, ``magnitude_ema_beta``).
    """

    def __init__(
        self,
        z_dim: int,
        c_dim: int,
        w_dim: int,
        img_resolution: int,
        img_channels: int,
        mapping_kwargs: dict[str, Any] | None = None,
        **synthesis_kwargs: Any,
    ) -> None:
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self.synthesis = SynthesisNetwork(w_dim=w_dim, img_resolution=img_resolution, img_channels=img_channels,
                                          **synthesis_kwargs)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, num_ws=self.num_ws,
                                      **(mapping_kwargs or {}))

    def forward(
        self,
        z: Tensor,
        c: Tensor | None = None,
        truncation_psi: float | Tensor = 1,
        truncation_cutoff: int | None = None,
        transform: Tensor | None = None,
    ) -> Tensor:
        """(N, z_dim), (N, c_dim) -> (N, img_channels, img_resolution, img_resolution)."""
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, transform=transform)
