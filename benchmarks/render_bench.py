"""Render throughput: odyssey against a gen_video-style loop, measured side by side.

Each mode runs in a fresh subprocess (so peak RSS is its own), after the model is
loaded and the path planned; the figure is the render time alone. Modes, all drawing the
same frames of the same model at the same output size:

* ``baseline``  how NVIDIA's gen_video.py renders: per frame, interpolate the latent,
                one ``G(z)`` at batch 1, resize, ``.cpu().numpy()``, append to an
                ``imageio.get_writer(..., codec="libx264")`` writer;
* ``odyssey``   ``odyssey.render`` through the public API (batched, pipelined);
* ``cli``       ``odyssey render`` as a command, wall time including start-up;
* ``generator`` the same batches as odyssey, with the torch thread count odyssey's
                ``CpuShare`` settled on, and the same frame layout, frames
                discarded on the device;
* ``encoder``   the same frames, pre-rendered in memory in the same layout (yuv420p
                for MP4), through odyssey's writer.

Ratios, not seconds, are the claim: these machines are noisy. Usage:

    python benchmarks/render_bench.py --case faces-256 --frames 600 --repeats 3
    python benchmarks/render_bench.py --all
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASES = {
    # name: (model, output size, output suffix, keyframe seeds)
    "faces-256": ("dcgan-faces", 256, ".mp4"),
    "faces-512": ("dcgan-faces", 512, ".mp4"),
    "eyes-512": ("omniart-eyes", 512, ".mp4"),
    "eyes-gif": ("omniart-eyes", 256, ".gif"),
    # random-initialised StyleGANs (no pretrained ones can be bundled), 256 px native, smaller widths
    "sg2-256": ("stylegan2", 256, ".mp4"),
    "sg3t-256": ("stylegan3", 256, ".mp4"),
}
STYLEGAN_KWARGS = {
    "stylegan2": dict(z_dim=512, c_dim=0, w_dim=512, img_resolution=256, img_channels=3, mapping_kwargs={"num_layers": 8},
                      synthesis_kwargs={"channel_base": 8192, "channel_max": 256, "architecture": "skip"}),
    "stylegan3": dict(z_dim=512, c_dim=0, w_dim=512, img_resolution=256, img_channels=3, mapping_kwargs={"num_layers": 2},
                      channel_base=8192, channel_max=256),
}


def stylegan_file(family: str) -> Path:
    """A random-initialised StyleGAN of ``family`` as an odyssey file (made once, cached)."""
    import torch

    from odyssey.adapters.stylegan.loader import build_network
    from odyssey.models.checkpoint import write_native

    kwargs = STYLEGAN_KWARGS[family]
    path = REPO / "renders" / ".cache" / f"bench-{family}-256.safetensors"
    if path.is_file():
        return path
    torch.manual_seed(0)
    net = build_network(family, kwargs)[0]
    meta = dict(architecture=family, kwargs=kwargs, name=f"random-{family}", family=family, latent_shape=[512],
                resolution=[256, 256], channels=3, output_range=[-1, 1], description="random weights, for benchmarks")
    write_native(path, net.state_dict(), meta)
    return path
MODES = ("baseline", "odyssey", "generator", "encoder")


def build(case: str, frames: int, mode: str):
    """The model, trajectory and settings of a case (what every mode shares), warmed up.

    The baseline warms up with its own batch-1 call and keeps the model as loaded:
    a ``Renderer`` would store its weights channels-last, which is odyssey's work.
    """
    import torch

    import odyssey

    model, size, _ = CASES[case]
    gen = odyssey.load_generator(stylegan_file(model) if model.startswith("stylegan") else model)
    classes = ["amber", "blue", "green", "red"] if gen.info.conditional else None
    path = odyssey.keyframe_path(gen, [11, 24, 35, 47], frames=frames, loop=True, interpolation="slerp", classes=classes)
    settings = odyssey.RenderSettings(size=size)
    if mode == "baseline":
        with torch.no_grad():
            gen.synthesize(path.latents(0, 1), path.labels(0, 1), path.truncation(0, 1))
        return gen, path, settings
    renderer = odyssey.Renderer(gen, settings)
    for count in {1, renderer.batch_size}:  # warm up kernels at both batch sizes, untimed
        renderer.render_range(path, 0, min(count, frames))
    return gen, path, settings


def run_baseline(gen, path, settings, out: Path) -> None:
    import imageio
    import torch

    from odyssey.renderer import output_size
    from odyssey.renderer.frames import to_uint8

    size = output_size(gen.info, settings.size)
    if out.suffix == ".gif":  # imageio's GIF writer (Pillow), as notebook loops use
        writer = imageio.get_writer(out, mode="I", duration=1000 / path.fps, loop=0)
    else:
        writer = imageio.get_writer(
            out, fps=path.fps, codec="libx264", macro_block_size=1, pixelformat="yuv420p", ffmpeg_params=["-crf", "18", "-preset", "medium"]
        )
    with torch.no_grad():
        for i in range(path.num_frames):
            z = path.latents(i, i + 1)  # one frame's latent, interpolated per frame
            labels = path.labels(i, i + 1)
            image = gen.synthesize(z, labels, path.truncation(i, i + 1))  # batch 1
            frame = to_uint8(image, gen.info.output_range, size, settings.resize)[0].cpu().numpy()
            writer.append_data(frame)
    writer.close()


def run_odyssey(gen, path, settings, out: Path) -> None:
    import odyssey
    import odyssey.renderer.pipeline

    shares = []
    measured = odyssey.renderer.pipeline.CpuShare.update

    def spy(share, generated: int, written: int) -> None:  # note the share the render settles on
        measured(share, generated, written)
        shares[:] = [share]

    odyssey.renderer.pipeline.CpuShare.update = spy
    odyssey.render(gen, path, out, settings, crf=18, preset="medium", progress=False)
    SETTLED_THREADS[0] = shares[0].threads if shares else None


SETTLED_THREADS: list[int | None] = [None]  # torch threads odyssey.render settled on (CPU only)


def layout(renderer, out: Path) -> str:
    """The frame layout odyssey.render hands this output (yuv420p for MP4 where it fits)."""
    from odyssey.writers import output_format, video_pixel_format

    return video_pixel_format(output_format(out), *renderer.size, renderer.channels)


def run_generator(gen, path, settings, out: Path) -> None:
    import torch

    from odyssey.renderer.pipeline import share_cpu
    from odyssey.renderer import Renderer

    renderer = Renderer(gen, settings)
    pixel_format = layout(renderer, out)
    with share_cpu(renderer.device):  # the thread setting odyssey.render uses, so the parts add up to the whole
        if renderer.device.type == "cpu" and os.environ.get("BENCH_TORCH_THREADS"):
            torch.set_num_threads(int(os.environ["BENCH_TORCH_THREADS"]))  # what odyssey's CpuShare settled on
        for first in range(0, path.num_frames, renderer.batch_size):
            renderer.render_range(path, first, min(first + renderer.batch_size, path.num_frames), pixel_format)  # kept on the device, dropped


def run_encoder(gen, path, settings, out: Path) -> tuple[float, float]:
    import numpy as np

    from odyssey.renderer import Renderer
    from odyssey.writers import VideoSpec, open_writer

    renderer = Renderer(gen, settings)
    pixel_format = layout(renderer, out)
    frames = np.concatenate(list(renderer.batches(path, pixel_format=pixel_format)))  # pre-rendered, not timed
    width, height = renderer.size
    spec = VideoSpec(
        path=out, width=width, height=height, fps=path.fps, channels=renderer.channels, crf=18, preset="medium", pixel_format=pixel_format
    )
    cpu_before, start = cpu_seconds(), time.perf_counter()
    with open_writer(spec) as writer:
        for first in range(0, len(frames), renderer.batch_size):
            writer.write(frames[first : first + renderer.batch_size])
    return time.perf_counter() - start, cpu_seconds() - cpu_before  # the writing alone


def worker(mode: str, case: str, frames: int) -> None:
    """One measurement in this process; prints a JSON line."""
    gen, path, settings = build(case, frames, mode)
    suffix = CASES[case][2]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"out{suffix}"
        cpu_before = cpu_seconds()
        start = time.perf_counter()
        inner = {"baseline": run_baseline, "odyssey": run_odyssey, "generator": run_generator, "encoder": run_encoder}[mode](gen, path, settings, out)
        seconds, cpu = inner if isinstance(inner, tuple) else (time.perf_counter() - start, cpu_seconds() - cpu_before)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "seconds": seconds, "cpu_s": cpu, "rss_mb": rss_mb, "torch_threads": SETTLED_THREADS[0]}))


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (ffmpeg)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(mode: str, case: str, frames: int, threads: int | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO), **({"BENCH_TORCH_THREADS": str(threads)} if threads else {})}
    done = subprocess.run(
        [sys.executable, __file__, "--worker", mode, "--case", case, "--frames", str(frames)], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_cli(case: str, frames: int) -> dict:
    model, size, suffix = CASES[case]
    with tempfile.TemporaryDirectory() as tmp:
        path_file = Path(tmp) / "bench.yaml"
        classes = "\n".join(f"    - {{seed: {s}, class: {c}}}" for s, c in zip([11, 24, 35, 47], ["amber", "blue", "green", "red"]))
        keys = f"\n{classes}" if model == "omniart-eyes" else " [11, 24, 35, 47]"
        path_file.write_text(f"model: {model}\nsize: {size}\npath:\n  loop: true\n  duration: {frames}f\n  keyframes:{keys}\n")
        start = time.perf_counter()
        subprocess.run(["odyssey", "render", str(path_file), "--quiet", "--out", str(Path(tmp) / f"o{suffix}")], check=True)
        return {"mode": "cli", "seconds": time.perf_counter() - start, "rss_mb": float("nan")}


def machine() -> str:
    cpu = platform.processor() or "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{cpu}, {os.cpu_count()} cores, {gpu}, torch {torch.__version__}"


def report(case: str, frames: int, repeats: int, with_cli: bool, modes: tuple[str, ...] = MODES) -> dict:
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    settled = None  # the generator alone runs at the thread count odyssey settled on, where it ran first
    for _ in range(repeats):  # interleaved, so drift in machine load hits every mode alike
        for mode in modes:
            runs[mode].append(measure(mode, case, frames, settled if mode == "generator" else None))
            settled = runs[mode][-1]["torch_threads"] if mode == "odyssey" else settled
    med = {mode: statistics.median(r["seconds"] for r in rs) for mode, rs in runs.items()}
    rss = {mode: max(r["rss_mb"] for r in rs) for mode, rs in runs.items()}
    row = {
        "case": case,
        "frames": frames,
        "repeats": repeats,
        "seconds": {m: round(s, 3) for m, s in med.items()},
        "fps": {m: round(frames / s, 1) for m, s in med.items()},
        "odyssey_torch_threads": sorted({r["torch_threads"] for r in runs.get("odyssey", [])} - {None}),
        "cpu_s": {m: round(statistics.median(r["cpu_s"] for r in rs), 2) for m, rs in runs.items()},
        "peak_rss_mb": {m: round(v) for m, v in rss.items()},
    }
    if set(MODES) <= set(modes):
        row["speedup_vs_baseline"] = round(med["baseline"] / med["odyssey"], 2)
        row["e2e_over_max_gen_enc"] = round(med["odyssey"] / max(med["generator"], med["encoder"]), 3)
        row["e2e_over_sum_gen_enc"] = round(med["odyssey"] / (med["generator"] + med["encoder"]), 3)
    if with_cli:
        row["cli_seconds"] = round(measure_cli(case, frames)["seconds"], 3)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=sorted(CASES), default="faces-256")
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="every case, plus the CLI once for faces-256")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of " + ",".join(MODES))
    parser.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.case, args.frames)
        return
    print(f"# {machine()}")
    for case in sorted(CASES) if args.all else [args.case]:
        modes = tuple(m for m in args.modes.split(",") if m)
        print(json.dumps(report(case, args.frames, args.repeats, with_cli=case == "faces-256" and modes == MODES, modes=modes)), flush=True)


if __name__ == "__main__":
    main()
