"""The Python API: load a model, build a path, render to a file or iterate frames.

Everything the command line does is a call here; the CLI only parses arguments.

    >>> import odyssey
    >>> gen = odyssey.load_generator("dcgan-faces")
    >>> path = odyssey.keyframe_path(gen, [1, 2, 3], seconds=6, loop=True)
    >>> odyssey.render(gen, path, "renders/faces.mp4", size=256)

Plan, render and write stay separate: ``keyframe_path``/``load_job`` plan,
``Renderer`` draws frames, ``odyssey.writers`` encodes them; ``render`` only wires the
three together through a bounded queue so encoding overlaps generation.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

import numpy as np
import torch
from tqdm import tqdm

from odyssey.adapters import describe, list_bundled, load_generator
from odyssey.config import DEFAULT_RENDERS_DIR, OdysseyConfig, TruncationSpec, json_schema, load_config
from odyssey.errors import CheckpointError, ConfigError, PathError, WriterError
from odyssey.models.base import Generator, ModelInfo
from odyssey.pipeline import run_pipeline, share_cpu
from odyssey.measure import PathReport, measure_path
from odyssey.planning import plan_trajectory, style_generator
from odyssey.preview import render_preview
from odyssey.renderer import Renderer, RenderSettings, output_size
from odyssey.trajectory import Keyframe, Timing, Trajectory, build_trajectory, resolve_timing
from odyssey.writers import VideoSpec, open_writer, output_format, video_pixel_format
from odyssey.writers import check_output as check_destination

if TYPE_CHECKING:
    from odyssey.segments import SegmentReport

__all__ = [
    "Job",
    "convert_checkpoint",
    "describe_models",
    "iter_frames",
    "join_file",
    "keyframe_path",
    "load_generator",
    "load_job",
    "path_file_schema",
    "preview_file",
    "render",
    "render_file",
    "render_segments",
    "save_array",
    "summarize",
]


def keyframe_path(
    generator: Generator,
    keyframes: Sequence[int | torch.Tensor | np.ndarray],
    *,
    seconds: float | None = None,
    frames: int | None = None,
    fps: float = 30.0,
    loop: bool = False,
    interpolation: str = "slerp",
    easing: str = "linear",
    hold: float = 0.0,
    classes: Sequence[str | int] | None = None,
    truncation: float = 1.0,
) -> Trajectory:
    """A path through ``keyframes`` (seeds or latent arrays), lasting ``seconds`` or ``frames``.

    Without a length, each move takes 2 s. ``classes`` gives one class per keyframe for
    conditional models (a single entry applies to all).
    """
    info = generator.info
    if classes is not None and len(classes) not in (1, len(keyframes)):
        raise PathError(f"classes: give one class or one per keyframe ({len(keyframes)}), not {len(classes)}")
    keys = []
    for index, key in enumerate(keyframes):
        if isinstance(key, (int, np.integer)):
            latent = generator.seed_latent(int(key))
        else:
            latent = torch.as_tensor(np.asarray(key), dtype=torch.float32).reshape(info.latent_shape)
        label = None
        if classes is not None:
            label = info.class_index(classes[index if len(classes) > 1 else 0])
        keys.append(Keyframe(latent=latent, label=label, hold=hold))
    timing: Timing = resolve_timing(keys, loop=loop, total_seconds=seconds, total_frames=frames, fps=fps)
    return build_trajectory(
        keys, fps=fps, loop=loop, interpolation=interpolation, easing=easing, timing=timing, num_classes=info.num_classes, psi=truncation
    )


def iter_frames(
    generator: Generator,
    trajectory: Trajectory,
    settings: RenderSettings | None = None,
    *,
    start: int = 0,
    end: int | None = None,
) -> Iterator[np.ndarray]:
    """Frames ``[start, end)`` as ``(B, H, W, C)`` uint8 numpy batches, in order."""
    yield from Renderer(generator, settings).batches(trajectory, start, end)


def render(
    generator: Generator,
    trajectory: Trajectory,
    output: str | Path,
    settings: RenderSettings | None = None,
    *,
    crf: int | None = None,
    preset: str = "medium",
    codec: str = "libx264",
    threads: int | None = None,
    progress: bool = True,
) -> Path:
    """Render the whole trajectory into ``output`` (.mp4/.webm/.gif or a PNG folder).

    The file appears only when complete; on any error or Ctrl-C nothing is left there.
    """
    output = Path(output)
    renderer = Renderer(generator, settings)
    width, height = renderer.size
    spec = VideoSpec(
        path=output, width=width, height=height, fps=trajectory.fps, channels=renderer.channels,
        crf=crf, preset=preset, codec=codec, threads=threads,
        pixel_format=video_pixel_format(output_format(output), width, height, renderer.channels),
    )  # fmt: skip
    bar = tqdm(total=trajectory.num_frames, unit="frame", desc=output.name, file=sys.stderr, disable=not progress, dynamic_ncols=True)
    with bar, open_writer(spec) as writer, share_cpu(renderer.device, writer.encoder_pid) as share:
        run_pipeline(renderer.batches(trajectory, pixel_format=spec.pixel_format), writer.write, on_written=bar.update, share=share)
    return output


@dataclass
class Job:
    """A path file, validated and planned: everything ``odyssey render`` needs."""

    source: Path
    config: OdysseyConfig
    output: Path
    generator: Generator
    trajectory: Trajectory

    @property
    def settings(self) -> RenderSettings:
        c = self.config
        return RenderSettings(
            size=c.size, resize=c.resize, device=c.device, precision=c.precision, batch_size=c.batch_size, compile=c.compile
        )


def load_job(path_file: str | Path, overrides: Sequence[str] = (), output: str | Path | None = None, *, check_output: bool = True) -> Job:
    """Validate a path file (with overrides), check the output and ffmpeg, load the model, plan.

    Cheap checks run before the model is loaded, so a typo fails in milliseconds.
    """
    config, out_path = load_config(path_file, list(overrides), output)
    if check_output:
        check_destination(out_path)
    spec = config.model
    generator = style_generator(config, load_generator(spec.path, format=spec.format, options=spec.options))
    trajectory = plan_trajectory(config, generator)
    return Job(Path(path_file), config, out_path, generator, trajectory)


def render_file(path_file: str | Path, overrides: Sequence[str] = (), output: str | Path | None = None, *, progress: bool = True) -> Path:
    """``odyssey render``: the path file rendered to its output (in segments); returns the output path."""
    return render_segments(path_file, overrides, output, progress=progress).output


def render_segments(
    path_file: str | Path,
    overrides: Sequence[str] = (),
    output: str | Path | None = None,
    *,
    shard: str | tuple[int, int] | None = None,
    ray: str | None = None,
    ray_workers: int | None = None,
    keep_segments: bool = False,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> SegmentReport:
    """``odyssey render``: render a path file in segments, resuming a render interrupted before.

    Segments (``segment_seconds`` each) are kept in a work folder beside the output until
    they are joined and verified. ``shard="K/N"`` renders only shard K's segments
    (round-robin: segment i belongs to shard i mod N) and does not join: ``join_file`` does,
    once every shard is done. ``ray`` renders on a Ray cluster (an address, or "local" to
    start one here). ``log`` receives notes such as "resuming" or "starting afresh".
    See ``odyssey.segments``.
    """
    from odyssey.segments import RenderSession, parse_shard
    from odyssey.segments import render_segments as run

    if shard is not None and ray is not None:
        raise ConfigError("--shard and --ray split the work in two different ways; use one of them")
    if ray_workers is not None and ray is None:
        raise ConfigError("--ray-workers sets how many Ray workers render; add --ray (or drop --ray-workers)")
    shard = parse_shard(shard) if isinstance(shard, str) else shard
    config, out_path = load_config(path_file, list(overrides), output)
    check_destination(out_path)
    session = RenderSession(config, out_path, _command_source(path_file, overrides, output))

    def load() -> tuple[Generator, Trajectory, RenderSettings]:
        job = load_job(path_file, overrides, output)
        return job.generator, job.trajectory, job.settings

    return run(session, load, shard=shard, ray=ray, ray_workers=ray_workers, keep_segments=keep_segments, progress=progress, log=log)


def join_file(
    source: str | Path, overrides: Sequence[str] = (), output: str | Path | None = None, *, keep_segments: bool = False
) -> Path:
    """``odyssey join``: join the finished segments of a render into its output; returns the output.

    ``source`` is the render's path file (with the same overrides and output as its
    ``render`` runs) or the ``manifest.json`` in its work folder. No model is loaded. A
    SegmentError names any segment that is missing or fails verification.
    """
    from odyssey.segments import RenderSession, join_session, session_from_manifest
    from odyssey.segments.runner import join_manifest

    source = Path(source)
    if source.suffix == ".json":
        workspace, manifest, encoding = session_from_manifest(source)
        return join_manifest(workspace, manifest, encoding, keep_segments=keep_segments)
    config, out_path = load_config(source, list(overrides), output)
    check_destination(out_path)
    return join_session(RenderSession(config, out_path, _command_source(source, overrides, output)), keep_segments=keep_segments)


def _command_source(path_file: str | Path, overrides: Sequence[str], output: str | Path | None) -> str:
    """The path file and options as a user would type them again, for messages."""
    words = [str(path_file), *(f"--set {item}" for item in overrides)]
    if output is not None:
        words.append(f"--out {output}")
    return " ".join(words)


def summarize(job: Job, report: PathReport | None = None) -> dict:
    """``odyssey check``: what a render of this job would do, and how its path moves, as JSON-able data.

    ``diagnostics`` has the whole path and each leg: frames, mean and max latent step,
    speed CV, the seam of a loop, joins between legs and latent norms against sqrt(D)
    (see ``odyssey.paths.diagnostics``). Pass a ``report`` from ``measure_path`` to reuse
    measurements (with image-space steps, when it has them).
    """
    from odyssey.paths import diagnose

    info = job.generator.info
    width, height = output_size(info, job.config.size)
    traj = job.trajectory
    path = job.config.path
    report = report or measure_path(traj)
    diagnostics = diagnose(report.motion, traj.loop, traj.gaussian, traj.leg_ranges(), traj.leg_kinds)
    if report.image_steps is not None:
        steps = report.image_steps
        moving = steps[steps > 0]
        image = {"mean_step": float(steps.mean()) if steps.size else 0.0, "max_step": float(steps.max()) if steps.size else 0.0}
        image["speed_cv"] = float(moving.std() / moving.mean()) if moving.size > 1 else None
        if report.image_seam is not None and moving.size:
            image["seam_ratio"] = float(report.image_seam / np.median(moving))
        diagnostics["image"] = image
    legs = path.legs or []
    keyframes = len(path.keyframes) if path.keyframes is not None else sum(len(leg.keyframes) for leg in legs if leg.type == "keyframes")
    truncation = job.config.truncation
    return {
        "path_file": str(job.source),
        "model": {
            "name": info.name,
            "family": info.family,
            "latent_shape": list(info.latent_shape),
            "resolution": list(info.resolution),
            "classes": list(info.class_names) if info.class_names else None,
        },
        "frames": traj.num_frames,
        "fps": traj.fps,
        "seconds": round(traj.seconds, 6),
        "loop": traj.loop,
        "interpolation": path.interpolation,
        "easing": path.easing,
        "speed": path.speed,
        "keyframes": keyframes,
        "keyframe_frames": traj.keyframe_frames(),
        "legs": [{"type": kind, "frames": [a, b]} for kind, (a, b) in zip(traj.leg_kinds, traj.leg_ranges())],
        "truncation": traj.psi,
        "truncation_curve": traj.psi_curve is not None,
        "truncation_cutoff": traj.truncation_cutoff,
        "truncation_centre": isinstance(truncation, TruncationSpec) and truncation.centre is not None,
        "diagnostics": diagnostics,
        "output": str(job.output),
        "format": output_format(job.output),
        "size": [width, height],
    }


def preview_file(
    path_file: str | Path, overrides: Sequence[str] = (), output: str | Path | None = None, *, frames: int = 12
) -> Path:
    """``odyssey preview``: a contact sheet PNG of the path's keyframes and ``frames`` more."""
    job = load_job(path_file, overrides, check_output=False)
    target = Path(output) if output is not None else DEFAULT_RENDERS_DIR / f"{Path(path_file).stem}-preview.png"
    return render_preview(Renderer(job.generator, job.settings), job.trajectory, target, count=frames)


def save_array(target: str | Path, array: np.ndarray) -> Path:
    """Save ``array`` as .npy atomically (a temp name, then a rename)."""
    target = Path(target)
    if target.suffix != ".npy":
        raise WriterError(f"{target}: latents are saved as .npy; give a file name ending in .npy")
    partial = target.with_name(f".{target.name}.partial.npy")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        np.save(partial, array)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise WriterError(f"{target}: cannot write ({exc.strerror or exc}); choose a writable folder") from None
    return target


def describe_models(source: str | None = None, format: str | None = None) -> list[dict] | dict:
    """``odyssey models``: the bundled models (no argument) or a description of one checkpoint."""
    if source is None:
        return [
            {
                "name": info.name,
                "description": info.description,
                "family": info.family,
                "resolution": f"{info.resolution[1]}x{info.resolution[0]}",
                "latent_shape": list(info.latent_shape),
                "classes": ", ".join(info.class_names) if info.class_names else None,
                "licence": info.licence,
            }
            for info in list_bundled()
        ]
    return describe(source, format=format)


def convert_checkpoint(source: str | Path, target: str | Path, *, key: str = "G_ema") -> ModelInfo:
    """``odyssey convert``: a StyleGAN network pickle (read safely) -> a native ``.safetensors``.

    The converted file loads without unpickling anything and renders identical frames.
    """
    from odyssey.adapters.stylegan.loader import convert_pickle

    source, target = Path(source), Path(target)
    if not source.is_file():
        raise CheckpointError(f"{source} does not exist; give the network pickle (.pkl) to convert")
    _, info = convert_pickle(source, target, key)
    return info


def path_file_schema() -> dict:
    """``odyssey schema``: the JSON schema of path files."""
    return json_schema()


def plot_motion(job: Job, output: str | Path) -> PathReport:
    """``odyssey check --plot``: measure every frame (latent and image space) and draw the plot PNG."""
    from odyssey.plot import draw_plot, save_plot

    traj = job.trajectory
    report = measure_path(traj, job.generator)
    image = draw_plot(report, traj.fps, traj.seconds, traj.leg_ranges(), traj.leg_kinds, traj.gaussian)
    save_plot(image, Path(output))
    return report
