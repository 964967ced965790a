"""StyleGAN2 generator (config F and the ADA variants), written from the papers.

"Analyzing and Improving the Image Quality of StyleGAN" (Karras et al. 2020) and
"Training Generative Adversarial Networks with Limited Data" (Karras et al. 2020).

    z (N, z_dim) ──normalise──┐
    c (N, c_dim) ──embed, normalise──┴─concat─▶ 8 x EqualLinear (lrelu, lr 0.01) ─▶ w (N, w_dim)
    w ──broadcast──▶ ws (N, num_ws, w_dim) ──truncation: w_avg + psi (w - w_avg)──▶ synthesis

    synthesis: b4 (learned 4x4 const) ─▶ b8 ─▶ ... ─▶ b{R}; each block is
        [up-sampling StyledConv] ─▶ StyledConv ─▶ [ToRGB]
    'skip':   every block adds its ToRGB to the FIR-upsampled image of the block before;
    'resnet': a 1x1 upsampling shortcut is added to the two convs (both scaled by sqrt(1/2)),
              one ToRGB at the end;
    'orig':   plain stack, one ToRGB at the end.

A block consumes one w per conv and one for its ToRGB; the ToRGB's w is shared with the
next block's first conv, so ``num_ws = 2 * log2(R) - 2`` (18 at 1024 px).

Parameter and buffer names follow NVIDIA's released networks (stylegan2-ada-pytorch's
``training/networks.py``, stylegan3's ``training/networks_stylegan2.py``): their state
dicts load here by name, strictly, and give the same images.

Precision: blocks built with ``use_fp16`` (the ``num_fp16_res`` highest resolutions) run
in float16 on CUDA as NVIDIA's do; elsewhere, and with ``force_fp32``, all is float32. The
network also runs under ``torch.autocast`` (float16 / bfloat16): the mapping, the
per-sample kernels and the skip image stay float32, the convolutions follow autocast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from .filters import setup_filter, upsample2d
from .mapping import MappingNetwork
from .sg2_layers import EqualConv2d, NoiseGenerator, StyledConv, ToRGB

ARCHITECTURES = ("orig", "skip", "resnet")
# Defaults that differ between NVIDIA's two code bases. stylegan2-ada-pytorch takes the
# synthesis kwargs as a ``synthesis_kwargs`` dict; stylegan3 takes them at the top level
# and changed these defaults (its pickles rely on them: they omit conv_clamp and
# num_fp16_res unless trained with --fp32).
ADA_DEFAULTS = {"num_fp16_res": 0, "conv_clamp": None, "w_avg_beta": 0.995}
SG3_DEFAULTS = {"num_fp16_res": 4, "conv_clamp": 256, "w_avg_beta": 0.998}


class SynthesisBlock(nn.Module):
    """One resolution: (N, in_channels, R/2, R/2) features and (N, C, R/2, R/2) image
    -> (N, out_channels, R, R) features and (N, C, R, R) image (float32)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        resolution: int | Sequence[int],
        img_channels: int,
        is_last: bool,
        architecture: str = "skip",
        resample_filter: Sequence[float] = (1, 3, 3, 1),
        conv_clamp: float | None = None,
        use_fp16: bool = False,
        fp16_channels_last: bool = False,
        fused_modconv_default: Any = True,  # NVIDIA's training-speed switch; always fused here
        **layer_kwargs: Any,
    ) -> None:
        if architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {', '.join(ARCHITECTURES)}, not {architecture!r}")
        super().__init__()
        self.in_channels, self.w_dim, self.resolution = in_channels, w_dim, resolution
        self.img_channels, self.is_last, self.architecture = img_channels, is_last, architecture
        self.use_fp16, self.channels_last = use_fp16, use_fp16 and fp16_channels_last
        self.register_buffer("resample_filter", setup_filter(resample_filter))
        self.num_conv = self.num_torgb = 0
        common = {"w_dim": w_dim, "resolution": resolution, "conv_clamp": conv_clamp, "channels_last": self.channels_last}
        if in_channels == 0:
            size = (resolution, resolution) if isinstance(resolution, int) else tuple(resolution)  # (H, W)
            self.const = nn.Parameter(torch.randn(out_channels, *size))
        else:
            self.conv0 = StyledConv(in_channels, out_channels, up=2, resample_filter=resample_filter, **common, **layer_kwargs)
            self.num_conv += 1
        self.conv1 = StyledConv(out_channels, out_channels, **common, **layer_kwargs)
        self.num_conv += 1
        if is_last or architecture == "skip":
            self.torgb = ToRGB(out_channels, img_channels, w_dim=w_dim, conv_clamp=conv_clamp, channels_last=self.channels_last)
            self.num_torgb += 1
        if in_channels != 0 and architecture == "resnet":
            self.skip = EqualConv2d(
                in_channels, out_channels, kernel_size=1, bias=False, up=2, resample_filter=resample_filter, channels_last=self.channels_last
            )

    def forward(
        self,
        x: Tensor | None,
        img: Tensor | None,
        ws: Tensor,
        noise_mode: str = "const",
        force_fp32: bool = False,
        noise_generator: NoiseGenerator = None,
        noise_gain: Tensor | None = None,
    ) -> tuple[Tensor, Tensor | None]:
        """ws: (N, num_conv + num_torgb, w_dim), one per conv, then the ToRGB's."""
        w_iter = iter(ws.unbind(dim=1))
        half = self.use_fp16 and not force_fp32 and ws.device.type == "cuda"  # NVIDIA: fp16 on CUDA only
        dtype = torch.float16 if half else torch.float32
        fmt = torch.channels_last if self.channels_last and half else torch.contiguous_format
        layer = {"noise_mode": noise_mode, "noise_generator": noise_generator, "noise_gain": noise_gain}

        if self.in_channels == 0:
            x = self.const.to(dtype=dtype, memory_format=fmt).unsqueeze(0).repeat(ws.shape[0], 1, 1, 1)  # (N, C, 4, 4)
            x = self.conv1(x, next(w_iter), **layer)
        else:
            x = x.to(dtype=dtype, memory_format=fmt)
            if self.architecture == "resnet":
                y = self.skip(x, gain=math.sqrt(0.5))  # (N, out, R, R)
                x = self.conv0(x, next(w_iter), **layer)
                x = self.conv1(x, next(w_iter), gain=math.sqrt(0.5), **layer)
                x = y + x.to(y.dtype)
            else:
                x = self.conv0(x, next(w_iter), **layer)  # (N, out, R, R)
                x = self.conv1(x, next(w_iter), **layer)

        if img is not None:
            with torch.autocast(device_type=img.device.type, enabled=False):  # the image accumulates in float32
                img = upsample2d(img, self.resample_filter)  # (N, C, R, R)
        if self.num_torgb:
            y = self.torgb(x, next(w_iter)).to(dtype=torch.float32, memory_format=torch.contiguous_format)
            img = y if img is None else img + y
        return x, img

    def extra_repr(self) -> str:
        return f"resolution={self.resolution}, architecture={self.architecture}, use_fp16={self.use_fp16}"


class SynthesisNetwork(nn.Module):
    """ws (N, num_ws, w_dim) -> image (N, img_channels, R, R), float32, nominally [-1, 1].

    Channels at resolution r: ``min(channel_base // r, channel_max)``. ``init_res`` (H, W) of
    the 4x4 block, other than (4, 4) in non-square TF-era forks, scales every block's size:
    the image is then ``(R * H / 4, R * W / 4)`` (``img_size``).
    """

    def __init__(
        self,
        w_dim: int,
        img_resolution: int,
        img_channels: int,
        channel_base: int = 32768,
        channel_max: int = 512,
        num_fp16_res: int = 0,
        init_res: Sequence[int] = (4, 4),
        **block_kwargs: Any,
    ) -> None:
        if img_resolution < 4 or img_resolution & (img_resolution - 1):
            raise ValueError(f"img_resolution must be a power of two >= 4, got {img_resolution}")
        if len(init_res) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in init_res):
            raise ValueError(f"init_res must be two positive integers (H, W), got {init_res!r}")
        super().__init__()
        square = tuple(init_res) == (4, 4)
        self.img_size = (img_resolution * init_res[0] // 4, img_resolution * init_res[1] // 4)  # (H, W)
        self.w_dim, self.img_resolution, self.img_channels = w_dim, img_resolution, img_channels
        self.img_resolution_log2 = int(math.log2(img_resolution))
        self.num_fp16_res = num_fp16_res
        self.block_resolutions = [2**i for i in range(2, self.img_resolution_log2 + 1)]
        channels = {res: min(channel_base // res, channel_max) for res in self.block_resolutions}
        fp16_resolution = max(2 ** (self.img_resolution_log2 + 1 - num_fp16_res), 8)
        self.num_ws = 0
        for res in self.block_resolutions:
            is_last = res == img_resolution
            block = SynthesisBlock(
                channels[res // 2] if res > 4 else 0,
                channels[res],
                w_dim=w_dim,
                resolution=res if square else (res * init_res[0] // 4, res * init_res[1] // 4),
                img_channels=img_channels,
                is_last=is_last,
                use_fp16=res >= fp16_resolution,
                **block_kwargs,
            )
            self.num_ws += block.num_conv + (block.num_torgb if is_last else 0)
            setattr(self, f"b{res}", block)

    def forward(
        self,
        ws: Tensor,
        noise_mode: str = "const",
        noise_generator: NoiseGenerator = None,
        force_fp32: bool = False,
        noise_gain: Tensor | None = None,
    ) -> Tensor:
        """Render ws (N, num_ws, w_dim) to images (N, C, R, R) float32.

        noise_mode: 'const' the stored ``noise_const`` maps (deterministic), 'random' fresh
        noise from ``noise_generator`` (one ``torch.Generator``, one per sample, or None for
        the global RNG), 'none' no noise. ``force_fp32`` disables the float16 blocks.
        ``noise_gain`` (N,): each sample's noise strength times this (odyssey's music
        reactions; None = 1, NVIDIA's behaviour).
        """
        if ws.ndim != 3 or ws.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f"ws must have shape (N, {self.num_ws}, {self.w_dim}), got {tuple(ws.shape)}")
        ws = ws.float()
        x = img = None
        w_idx = 0
        for res in self.block_resolutions:
            block = getattr(self, f"b{res}")
            block_ws = ws.narrow(1, w_idx, block.num_conv + block.num_torgb)  # the ToRGB's w is the next conv's
            x, img = block(x, img, block_ws, noise_mode=noise_mode, force_fp32=force_fp32, noise_generator=noise_generator, noise_gain=noise_gain)
            w_idx += block.num_conv
        return img

    def extra_repr(self) -> str:
        return f"w_dim={self.w_dim}, num_ws={self.num_ws}, img_resolution={self.img_resolution}, num_fp16_res={self.num_fp16_res}"


class StyleGAN2Generator(nn.Module):
    """The StyleGAN2 generator: ``mapping`` (z, c -> ws) then ``synthesis`` (ws -> image).

    Takes NVIDIA's constructor arguments. Synthesis kwargs (channel_base, channel_max,
    num_fp16_res, conv_clamp, architecture, resample_filter, use_noise, activation,
    kernel_size, fp16_channels_last, fused_modconv_default) come either as a
    ``synthesis_kwargs`` dict, as stylegan2-ada-pytorch stores them, or at the top level,
    as stylegan3 does; each form gets its code base's defaults for conv_clamp,
    num_fp16_res and w_avg_beta (``ADA_DEFAULTS`` / ``SG3_DEFAULTS``), which is what their
    pickles were built with. Mapping kwargs (num_layers, embed_features, layer_features,
    activation, lr_multiplier, w_avg_beta) go in ``mapping_kwargs``.
    """

    def __init__(
        self,
        z_dim: int,
        c_dim: int,
        w_dim: int,
        img_resolution: int,
        img_channels: int,
        mapping_kwargs: dict[str, Any] | None = None,
        synthesis_kwargs: dict[str, Any] | None = None,
        **top_level_synthesis_kwargs: Any,
    ) -> None:
        if synthesis_kwargs is not None and top_level_synthesis_kwargs:
            first = next(iter(top_level_synthesis_kwargs))  # ada's Generator takes no other keywords
            raise TypeError(
                f"StyleGAN2Generator() got an unexpected keyword argument '{first}': with synthesis_kwargs "
                "(stylegan2-ada's layout) synthesis kwargs may not also come at the top level (stylegan3's)"
            )
        super().__init__()
        defaults = ADA_DEFAULTS if synthesis_kwargs is not None else SG3_DEFAULTS
        synthesis = dict(synthesis_kwargs if synthesis_kwargs is not None else top_level_synthesis_kwargs)
        synthesis.setdefault("num_fp16_res", defaults["num_fp16_res"])
        synthesis.setdefault("conv_clamp", defaults["conv_clamp"])
        mapping = dict(mapping_kwargs or {})
        mapping.setdefault("w_avg_beta", defaults["w_avg_beta"])
        self.z_dim, self.c_dim, self.w_dim = z_dim, c_dim, w_dim
        self.img_resolution, self.img_channels = img_resolution, img_channels
        self.synthesis = SynthesisNetwork(w_dim=w_dim, img_resolution=img_resolution, img_channels=img_channels, **synthesis)
        self.num_ws = self.synthesis.num_ws
        self.img_size = self.synthesis.img_size  # (H, W): (img_resolution, img_resolution) but for non-square forks
        self.mapping = MappingNetwork(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, num_ws=self.num_ws, **mapping)

    def forward(
        self,
        z: Tensor,
        c: Tensor | None = None,
        truncation_psi: float = 1,
        truncation_cutoff: int | None = None,
        noise_mode: str = "const",
        noise_generator: NoiseGenerator = None,
        force_fp32: bool = False,
    ) -> Tensor:
        """z (N, z_dim), c (N, c_dim) one-hot labels or None -> images (N, C, R, R) float32."""
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, noise_mode=noise_mode, noise_generator=noise_generator, force_fp32=force_fp32)


__all__ = ["ADA_DEFAULTS", "SG3_DEFAULTS", "MappingNetwork", "StyleGAN2Generator", "SynthesisBlock", "SynthesisNetwork"]
