"""The renderer: batch-N equals batch-1, any split of frames, uint8 and resize on the device."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import odyssey
from odyssey.adapters import load_generator
from odyssey.errors import RenderError
from odyssey.models.base import ModelInfo
from odyssey.models.device import select_device
from odyssey.renderer import Renderer, RenderSettings, auto_batch_size, autocast_dtype, output_size
from odyssey.renderer.frames import to_uint8


@pytest.fixture
def faces_path(tiny_dcgan):
    gen = load_generator(tiny_dcgan)
    return gen, odyssey.keyframe_path(gen, [1, 2, 3], frames=23, loop=True)


def frames(gen, traj, **settings) -> np.ndarray:
    return np.concatenate(list(Renderer(gen, RenderSettings(**settings)).batches(traj)))


def test_batch_n_equals_batch_1(faces_path):
    gen, traj = faces_path
    one = frames(gen, traj, batch_size=1)
    many = frames(gen, traj, batch_size=7)
    assert one.shape == (23, 16, 16, 3) and one.dtype == np.uint8
    # CPU convolutions may pick other kernels per batch size: at most one grey level apart.
    assert int(np.abs(one.astype(int) - many.astype(int)).max()) <= 1
    assert float((one != many).mean()) < 0.01


def test_yuv420p_batches_batch_n_equals_batch_1(faces_path):
    gen, traj = faces_path

    def planar(batch_size: int) -> np.ndarray:
        renderer = Renderer(gen, RenderSettings(size=(24, 20), batch_size=batch_size))
        return np.concatenate(list(renderer.batches(traj, pixel_format="yuv420p")))

    one, many = planar(1), planar(7)
    assert one.shape == (23, 30, 24) and one.dtype == np.uint8  # (N, 3H/2, W)
    assert int(np.abs(one.astype(int) - many.astype(int)).max()) <= 1


def test_any_split_gives_the_same_frames(faces_path):
    gen, traj = faces_path
    renderer = Renderer(gen, RenderSettings(batch_size=4))
    whole = np.concatenate(list(renderer.batches(traj)))
    parts = np.concatenate([b for start, end in [(0, 5), (5, 6), (6, 23)] for b in renderer.batches(traj, start, end)])
    assert np.array_equal(whole, parts)


def test_same_file_same_frames_every_time(faces_path):
    gen, traj = faces_path
    assert np.array_equal(frames(gen, traj), frames(gen, traj))


def test_resize_and_channels(faces_path):
    gen, traj = faces_path
    out = frames(gen, traj, size=(40, 24), resize="nearest")
    assert out.shape == (23, 24, 40, 3)


def test_to_uint8_maps_range_and_layout():
    images = torch.tensor([-1.0, 0.0, 1.0, 2.0]).reshape(1, 1, 2, 2).repeat(2, 3, 1, 1)  # (2, 3, 2, 2)
    out = to_uint8(images, (-1.0, 1.0), (2, 2), "bicubic")
    assert out.shape == (2, 2, 2, 3) and out.dtype == torch.uint8
    assert out[0, :, :, 0].flatten().tolist() == [0, 128, 255, 255]


def test_output_size():
    info = ModelInfo(name="m", family="f", latent_shape=(4,), resolution=(64, 128), channels=3)
    assert output_size(info, None) == (128, 64)
    assert output_size(info, 256) == (256, 128)
    assert output_size(info, (30, 20)) == (30, 20)


def test_auto_batch_size_scales_with_pixels():
    cpu = torch.device("cpu")
    assert auto_batch_size((64, 64), cpu) == 16  # the CPU ceiling
    assert auto_batch_size((512, 512), cpu) == 16
    assert auto_batch_size((1024, 1024), cpu) == 4  # the memory budget
    assert auto_batch_size((4096, 4096), cpu) == 1


def test_devices_and_precisions():
    assert select_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(RenderError, match="device: cuda"):
            select_device("cuda")
        assert select_device("auto").type in ("cpu", "mps")
    assert autocast_dtype("auto", torch.device("cpu")) is None
    assert autocast_dtype("auto", torch.device("cuda")) is torch.float16
    with pytest.raises(RenderError, match="fp16 is not supported on the CPU"):
        autocast_dtype("fp16", torch.device("cpu"))


def test_bf16_on_cpu_is_close_to_fp32(faces_path):
    gen, traj = faces_path
    fp32 = frames(gen, traj).astype(int)
    bf16 = frames(gen, traj, precision="bf16").astype(int)
    assert np.abs(fp32 - bf16).mean() < 6


def test_compiled_generator_matches_eager_with_padded_last_batch(faces_path):
    gen, traj = faces_path  # 23 frames at batch 8: the last batch (7) is padded to 8
    eager = frames(gen, traj, batch_size=8)
    compiled = frames(gen, traj, batch_size=8, compile=True)
    assert compiled.shape == eager.shape
    assert int(np.abs(compiled.astype(int) - eager.astype(int)).max()) <= 1


def test_out_of_memory_halves_the_batch_and_loses_no_frame(faces_path, monkeypatch):
    gen, traj = faces_path
    reference = frames(gen, traj, batch_size=16)
    original = gen.synthesize
    sizes = []

    def tight_memory(latents, labels=None, truncation=None):
        sizes.append(len(latents))
        if len(latents) > 5:
            raise torch.cuda.OutOfMemoryError("simulated")
        return original(latents, labels, truncation)

    monkeypatch.setattr(gen, "synthesize", tight_memory)
    renderer = Renderer(gen, RenderSettings(batch_size=16))
    out = np.concatenate(list(renderer.batches(traj)))
    assert renderer.batch_size == 4 and sizes[:3] == [16, 8, 4]
    assert out.shape == reference.shape and int(np.abs(out.astype(int) - reference.astype(int)).max()) <= 1


def test_out_of_memory_at_batch_one_is_a_clear_error(faces_path, monkeypatch):
    gen, traj = faces_path

    def no_memory(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("simulated")

    monkeypatch.setattr(gen, "synthesize", no_memory)
    with pytest.raises(RenderError, match="out of memory at batch size 1"):
        list(Renderer(gen, RenderSettings(batch_size=2)).batches(traj))


def test_channels_last_weights_give_the_same_frames(faces_path):
    gen, traj = faces_path  # the renderer stores weights channels-last on CUDA; the frames must not change
    before = frames(gen, traj)
    gen.use_channels_last()
    assert gen.net.blocks[0].conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert int(np.abs(frames(gen, traj).astype(int) - before.astype(int)).max()) <= 1


def test_a_wider_size_pads_by_default_and_fit_is_a_setting(tiny_dcgan):
    gen = load_generator(tiny_dcgan)
    path = odyssey.keyframe_path(gen, [1, 2], frames=3)
    padded = np.concatenate(list(Renderer(gen, RenderSettings(size=(32, 16))).batches(path)))
    assert padded.shape == (3, 16, 32, 3) and not padded[:, :, :8].any() and not padded[:, :, 24:].any() and padded[:, :, 8:24].any()
    for fit in ("crop", "stretch"):
        filled = np.concatenate(list(Renderer(gen, RenderSettings(size=(32, 16), fit=fit)).batches(path)))
        assert filled[:, :, :8].any()


def test_an_rgba_model_keeps_alpha_in_png_frames_and_is_composited_elsewhere(tmp_path):
    from tests.adapters.adapters_testkit import native_meta, tiny_net
    from PIL import Image

    from odyssey.models.checkpoint import write_native

    net = tiny_net(out_channels=4)
    model = tmp_path / "rgba.safetensors"
    write_native(model, net.state_dict(), native_meta(net, nz=16))
    path_file = tmp_path / "p.yaml"
    path_file.write_text(f"model: {model}\nfps: 10\npath: {{keyframes: [1, 2], duration: 1}}\n")
    frames = odyssey.render_file(path_file, (), tmp_path / "frames", progress=False)
    first = Image.open(frames / "frame_000000.png")
    assert first.mode == "RGBA" and len(list(frames.iterdir())) == 10
    video = odyssey.render_file(path_file, (), tmp_path / "v.mp4", progress=False)
    assert video.stat().st_size > 0
    notes = odyssey.check_file(path_file, (), tmp_path / "v.mp4")["notes"]
    assert any("composited over black" in note for note in notes)
    gen = load_generator(model)
    rgba = next(Renderer(gen, RenderSettings(alpha=True)).batches(odyssey.keyframe_path(gen, [1], frames=1)))
    rgb = next(Renderer(gen, RenderSettings()).batches(odyssey.keyframe_path(gen, [1], frames=1)))
    alpha = rgba[..., 3:].astype(float) / 255
    assert rgba.shape[-1] == 4 and rgb.shape[-1] == 3
    assert np.abs(rgb.astype(float) - rgba[..., :3] * alpha).max() <= 1.5  # over black, within rounding
