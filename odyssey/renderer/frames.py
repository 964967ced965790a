"""Generator images -> frames ready for a writer: scale, resize and quantise on the device.

Two layouts, both uint8:

* ``packed``: ``(N, H, W, C)``, RGB or gray, what PNG and GIF need and what
  ``iter_frames`` hands to Python;
* ``yuv420p``: ``(N, 3H/2, W)``, each frame the bytes of one planar 4:2:0 picture
  (``H x W`` luma, then ``H/2 x W/2`` Cb and Cr, which is exactly ``H/2`` more rows of
  ``W`` bytes). This is what H.264 and VP9 encode. Converting here, at the model's native
  size and before the resize, means ffmpeg converts nothing and half the bytes cross
  the pipe (and, on a GPU, the PCIe bus). RGB -> YCbCr uses the BT.709 matrix in limited
  range, the same as the writers' ffmpeg conversion of packed RGB, so both layouts give
  the same video within a few levels (mean 0.3, no bias; ``tests/test_frames.py``).

Scaling happens at the model's native size (fewer pixels), then the resize. bilinear and
bicubic use the antialiased (PIL-style) kernels on every device, so a CPU preview and a
GPU render agree. On the CPU the frames are quantised first and resized as uint8
channels-last, whose SIMD kernels are 5-10x faster than float; the result is within 2
grey levels of the float path (mean 0.3).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

PIXEL_FORMATS = ("packed", "yuv420p")
FITS = ("pad", "crop", "stretch")  # as odyssey.writers.spec.PIXEL_FORMATS (writers stay torch-free)

# BT.709 luma weights, and the limited ("tv") range: luma 16..235, chroma 16..240.
_KR, _KB = 0.2126, 0.0722
_KG = 1.0 - _KR - _KB
_Y_SCALE, _C_SCALE = 219.0 / 255.0, 224.0 / 255.0
_BT709 = (
    (_Y_SCALE * _KR, _Y_SCALE * _KG, _Y_SCALE * _KB),
    (-_C_SCALE * _KR / (2 * (1 - _KB)), -_C_SCALE * _KG / (2 * (1 - _KB)), _C_SCALE * 0.5),
    (_C_SCALE * 0.5, -_C_SCALE * _KG / (2 * (1 - _KR)), -_C_SCALE * _KB / (2 * (1 - _KR))),
)
_BT709_OFFSET = (16.0, 128.0, 128.0)


def to_uint8(images: torch.Tensor, output_range: tuple[float, float], size: tuple[int, int], mode: str) -> torch.Tensor:
    """``(N, C, h, w)`` floats in ``output_range`` -> ``(N, H, W, C)`` uint8 on the same device."""
    return _resize_to_uint8(_to_0_255(images, output_range), size, mode)


def to_yuv420p(images: torch.Tensor, output_range: tuple[float, float], size: tuple[int, int], mode: str) -> torch.Tensor:
    """``(N, 3, h, w)`` RGB floats in ``output_range`` -> ``(N, 3H/2, W)`` uint8 planar 4:2:0 frames.

    ``size`` is ``(W, H)``, both even. Luma is resized to ``(H, W)`` and chroma straight
    from the native size to ``(H/2, W/2)``, so chroma is filtered once, by the same kernel
    (at the native size: the mean of each 2x2 block).
    """
    count, channels = images.shape[:2]
    width, height = size
    if channels != 3 or width % 2 or height % 2:
        raise ValueError(f"yuv420p frames need RGB images and an even size, got {channels} channels at {width}x{height}")
    rgb = _to_0_255(images, output_range)  # (N, 3, h, w)
    matrix = torch.tensor(_BT709, dtype=rgb.dtype, device=rgb.device)
    offset = torch.tensor(_BT709_OFFSET, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    ycbcr = torch.einsum("ij,njhw->nihw", matrix, rgb) + offset  # (N, 3, h, w): Y, Cb, Cr
    # All three planes go through each resize: on the CPU the 3-channel uint8 kernels beat
    # 1- and 2-channel ones, and on a GPU the spare plane costs nothing next to the generator.
    luma = _resize_to_uint8(ycbcr, (width, height), mode)[..., 0]  # (N, H, W)
    # At the native size chroma is averaged over each 2x2 block (4:2:0 sited at block centres);
    # otherwise it is resized straight from the native size by the same kernel as luma.
    native = (ycbcr.shape[-1], ycbcr.shape[-2]) == (width, height)
    chroma = _resize_to_uint8(ycbcr, (width // 2, height // 2), "area" if native else mode)[..., 1:]  # (N, H/2, W/2, 2)
    plane = width * height
    frames = torch.empty((count, plane * 3 // 2), dtype=torch.uint8, device=images.device)
    frames[:, :plane] = luma.reshape(count, plane)
    frames[:, plane : plane * 5 // 4] = chroma[..., 0].reshape(count, plane // 4)
    frames[:, plane * 5 // 4 :] = chroma[..., 1].reshape(count, plane // 4)
    return frames.view(count, height * 3 // 2, width)


def convert(
    images: torch.Tensor, output_range: tuple[float, float], size: tuple[int, int], mode: str, pixel_format: str, fit: str = "stretch"
) -> torch.Tensor:
    """``to_uint8`` or ``to_yuv420p`` by name (``PIXEL_FORMATS``), the picture fitted to ``size``
    (``FITS``) when its aspect differs from the images'."""
    if fit not in FITS:
        raise ValueError(f"unknown fit {fit!r}; use one of {', '.join(FITS)}")
    if fit == "crop":
        images = crop_to_aspect(images, size)
    elif fit == "pad":
        inner = padded_inner_size((images.shape[-1], images.shape[-2]), size, even=pixel_format == "yuv420p")
        if inner != size:
            return pad_frames(convert(images, output_range, inner, mode, pixel_format), size, pixel_format)
    if pixel_format == "yuv420p":
        return to_yuv420p(images, output_range, size, mode)
    if pixel_format != "packed":
        raise ValueError(f"unknown pixel format {pixel_format!r}; use one of {', '.join(PIXEL_FORMATS)}")
    return to_uint8(images, output_range, size, mode)


def _to_0_255(images: torch.Tensor, output_range: tuple[float, float]) -> torch.Tensor:
    low, high = output_range
    return (images.float() - low) * (255.0 / (high - low))  # (N, C, h, w) in [0, 255]


def _resize_to_uint8(scaled: torch.Tensor, size: tuple[int, int], mode: str) -> torch.Tensor:
    """``(N, C, h, w)`` floats in [0, 255] -> ``(N, H, W, C)`` uint8 at ``size = (W, H)``."""
    width, height = size
    if (scaled.shape[-1], scaled.shape[-2]) == (width, height):
        return _quantise(scaled).permute(0, 2, 3, 1).contiguous()  # (N, H, W, C)
    kwargs: dict = {"align_corners": False, "antialias": True} if mode in ("bilinear", "bicubic") else {}
    if scaled.device.type == "cpu" and mode != "area":
        small = _quantise(scaled).contiguous(memory_format=torch.channels_last)
        resized = F.interpolate(small, size=(height, width), mode=mode, **kwargs)  # uint8 (N, C, H, W), channels-last
        return resized.permute(0, 2, 3, 1).contiguous()  # (N, H, W, C): already contiguous, no copy
    resized = F.interpolate(scaled, size=(height, width), mode=mode, **kwargs)  # (N, C, H, W)
    return _quantise(resized).permute(0, 2, 3, 1).contiguous()


def _quantise(values: torch.Tensor) -> torch.Tensor:
    """Floats in [0, 255] -> uint8, rounding half up (the cast truncates after +0.5).

    Out of place: ``to_yuv420p`` quantises the same YCbCr tensor twice."""
    return values.add(0.5).clamp_(0, 255).to(torch.uint8)


def crop_to_aspect(images: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """``(N, C, h, w)`` -> the centred crop of the aspect of ``size = (W, H)`` (unchanged when it
    differs by less than a pixel), to be resized to ``size`` and fill it."""
    height, width = images.shape[-2:]
    target_w, target_h = size
    scale = max(target_w / width, target_h / height)
    crop_w, crop_h = min(width, round(target_w / scale)), min(height, round(target_h / scale))
    if (crop_w, crop_h) == (width, height):
        return images
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return images[..., top : top + crop_h, left : left + crop_w]


def padded_inner_size(native: tuple[int, int], size: tuple[int, int], even: bool = False) -> tuple[int, int]:
    """``(w, h)`` of a picture of aspect ``native = (w, h)`` fitted whole inside ``size = (W, H)``
    (``size`` itself when the aspects differ by less than a pixel). ``even`` keeps the inner
    size and the bars even (4:2:0 chroma is sampled in 2x2 blocks)."""
    width, height = native
    target_w, target_h = size
    scale = min(target_w / width, target_h / height)
    inner_w, inner_h = min(target_w, round(width * scale)), min(target_h, round(height * scale))
    if even:  # even sizes and bars: W - w must be even, and W is even
        inner_w, inner_h = inner_w - inner_w % 2, inner_h - inner_h % 2
    if abs(inner_w - target_w) <= 1 and abs(inner_h - target_h) <= 1:
        return size
    return max(inner_w, 2 if even else 1), max(inner_h, 2 if even else 1)


def pad_frames(frames: torch.Tensor, size: tuple[int, int], pixel_format: str) -> torch.Tensor:
    """Frames of an inner size centred on black frames of ``size = (W, H)``: packed ``(N, h, w, C)``
    -> ``(N, H, W, C)`` (black is 0), yuv420p ``(N, 3h/2, w)`` -> ``(N, 3H/2, W)`` (black is
    luma 16, chroma 128 in limited range)."""
    width, height = size
    count = frames.shape[0]
    if pixel_format == "packed":
        inner_h, inner_w = frames.shape[1:3]
        out = frames.new_zeros((count, height, width, frames.shape[3]))
        top, left = (height - inner_h) // 2, (width - inner_w) // 2
        out[:, top : top + inner_h, left : left + inner_w] = frames
        return out
    inner_w = frames.shape[2]
    inner_h = frames.shape[1] * 2 // 3
    top, left = (height - inner_h) // 4 * 2, (width - inner_w) // 4 * 2  # even, so chroma lines up
    flat = frames.reshape(count, -1)
    plane, inner = width * height, inner_w * inner_h
    out = frames.new_full((count, plane * 3 // 2), 128)
    out[:, :plane] = 16
    luma = out[:, :plane].view(count, height, width)
    luma[:, top : top + inner_h, left : left + inner_w] = flat[:, :inner].view(count, inner_h, inner_w)
    for index in range(2):  # Cb, then Cr: (H/2, W/2) planes after the luma
        start = plane + index * plane // 4
        chroma = out[:, start : start + plane // 4].view(count, height // 2, width // 2)
        source = flat[:, inner + index * inner // 4 : inner + (index + 1) * inner // 4]
        chroma[:, top // 2 : (top + inner_h) // 2, left // 2 : (left + inner_w) // 2] = source.view(count, inner_h // 2, inner_w // 2)
    return out.view(count, height * 3 // 2, width)


def over_black(images: torch.Tensor, output_range: tuple[float, float]) -> torch.Tensor:
    """``(N, 4, h, w)`` RGBA (straight alpha, every channel in ``output_range``) -> ``(N, 3, h, w)``
    RGB composited over black, in the same range: for outputs without an alpha channel."""
    low, high = output_range
    alpha = ((images[:, 3:4].float() - low) / (high - low)).clamp(0, 1)
    return low + (images[:, :3].float() - low) * alpha
