"""``odyssey check``: what a render of a job would do, and how its path moves, as JSON-able data."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from odyssey.config import TruncationSpec
from odyssey.config.render_settings import output_size
from odyssey.paths import diagnose
from odyssey.plan.job import Job
from odyssey.plan.measure import PathReport, measure_path
from odyssey.plan.plot import draw_plot, save_plot
from odyssey.plan.trajectory import Trajectory
from odyssey.writers import output_format


def summarize(job: Job, report: PathReport | None = None) -> dict:
    """What a render of this job would do, and how its path moves, as JSON-able data.

    ``diagnostics`` has the whole path and each leg: frames, mean and max latent step,
    speed CV, the seam of a loop, joins between legs and latent norms against sqrt(D)
    (see ``odyssey.paths.diagnostics``). Pass a ``report`` from ``measure_path`` to reuse
    measurements (with image-space steps, when it has them).
    """
    info = job.generator.info
    width, height = output_size(info, job.config.size)
    traj = job.trajectory
    path = job.config.path
    report = report or measure_path(traj)
    stride = report.stride
    ranges = [(a // stride, -(-b // stride)) for a, b in traj.leg_ranges()]  # in measured frames
    diagnostics = diagnose(report.motion, traj.loop, traj.gaussian, ranges, traj.leg_kinds)
    if stride > 1:  # counts in frames of the film, not measured ones
        diagnostics["measured_every"] = stride
        diagnostics["path"]["frames"] = traj.num_frames
        for leg, (a, b) in zip(diagnostics["legs"], traj.leg_ranges()):
            leg["frames"], leg["first_frame"] = b - a, a
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
        "speed": path.speed if isinstance(path.speed, str) else path.speed.model_dump(),
        "audio": _audio_summary(traj),
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


def _audio_summary(traj: Trajectory) -> dict | None:
    music = traj.music
    if music is None:
        return None
    return {
        "file": str(music.file), "start": music.start, "seconds": round(music.seconds, 6), "tempo": round(music.tempo, 2),
        "keyframes_on_events": list(music.event_frames), "follows": list(music.envelopes), "warped": music.warp is not None,
    }  # fmt: skip


def plot_motion(job: Job, output: str | Path) -> PathReport:
    """``odyssey check --plot``: measure every frame (latent and image space) and draw the plot PNG."""
    traj = job.trajectory
    report = measure_path(traj, job.generator)
    stride = report.stride
    ranges = [(a // stride, -(-b // stride)) for a, b in traj.leg_ranges()]  # in measured frames
    image = draw_plot(report, traj.fps / stride, traj.seconds, ranges, traj.leg_kinds, traj.gaussian, traj.music, traj.fps)
    save_plot(image, Path(output))
    return report
