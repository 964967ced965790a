"""Long films: planning, `odyssey check` and the start of a render, 10 minutes against 24 hours.

A gallery installation runs for days, so a 24-hour loop at 60 fps (5,184,000 frames) must
plan, check and start rendering in memory that does not grow with its length. Each case
runs in a fresh process (peak RSS is per process) for both lengths and prints seconds and
peak RSS of each step, and the ratio 24 h / 10 min of the peak:

    python benchmarks/plan_bench.py              # every case
    python benchmarks/plan_bench.py --case sg2-wplus

Cases: ``faces-keys`` (the bundled DCGAN, a spherical keyframe loop in z), ``faces-tour``
(keyframes, an open random walk, a circle, back: the walk is simulated on its grid),
``sg2-wplus`` (a random StyleGAN2 at 256 px, keyframes and a circle in w+, 9,216 values a
frame). Steps: ``plan`` (load the model and plan: ``odyssey.load_job``), ``check``
(``odyssey.check_file``: every frame measured, or every n-th beyond 2^20 frames), and
``start`` (the first 64 frames rendered, what a render does before its first segment is
written). The baseline is the 10-minute film in the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

LENGTHS = {"10min": 600, "24h": 86400}
CASES = ("faces-keys", "faces-tour", "sg2-wplus")


def path_data(case: str, seconds: float) -> dict:
    if case == "faces-keys":
        return {"model": "dcgan-faces", "fps": 60, "path": {"loop": True, "duration": seconds, "interpolation": "spherical", "keyframes": [1, 2, 3, 4]}}
    if case == "faces-tour":
        legs = [{"type": "keyframes", "keyframes": [11, 24]}, {"type": "walk", "correlation": 2.0}, {"type": "circle", "radius": 0.3}, {"type": "keyframes", "keyframes": [35]}]
        return {"model": "dcgan-faces", "fps": 60, "path": {"loop": True, "duration": seconds, "interpolation": "spherical", "legs": legs}}
    from render_bench import stylegan_file

    legs = [{"type": "keyframes", "keyframes": [42, 7, 1024]}, {"type": "circle", "radius": 0.3}, {"type": "keyframes", "keyframes": [300]}]
    return {"model": str(stylegan_file("stylegan2")), "fps": 60, "space": "w+", "truncation": 0.7,
            "path": {"loop": True, "duration": seconds, "interpolation": "spline", "legs": legs}}  # fmt: skip


def run_one(case: str, seconds: float) -> dict:
    """In this process: plan, check, start rendering; seconds and peak RSS (MB) after each step."""
    import torch

    import odyssey

    torch.set_num_threads(2)
    data = path_data(case, seconds)
    out = {}
    started = time.perf_counter()
    job = odyssey.load_job(data, check_output=False)
    out["frames"] = job.trajectory.num_frames
    out["plan_s"] = round(time.perf_counter() - started, 2)
    out["plan_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        summary = odyssey.check_file(data, (), Path(folder) / "o.mp4")
    out["check_s"] = round(time.perf_counter() - started, 2)
    out["check_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    out["measured_every"] = summary["diagnostics"].get("measured_every", 1)
    started = time.perf_counter()
    renderer = odyssey.Renderer(job.generator, odyssey.RenderSettings(size=64))
    for _ in renderer.batches(job.trajectory, 0, 64):
        pass
    out["start_s"] = round(time.perf_counter() - started, 2)
    out["start_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=CASES, action="append")
    parser.add_argument("--one", nargs=2, metavar=("CASE", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], float(args.one[1]))))
        return
    import platform

    print(f"# {platform.processor() or platform.machine()}, python {platform.python_version()}")
    for case in args.case or CASES:
        results = {}
        for name, seconds in LENGTHS.items():
            done = subprocess.run([sys.executable, __file__, "--one", case, str(seconds)], capture_output=True, text=True, check=True)
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        short, long = results["10min"], results["24h"]
        ratio = {step: round(long[f"{step}_mb"] / short[f"{step}_mb"], 2) for step in ("plan", "check", "start")}
        print(json.dumps({"case": case, "10min": short, "24h": long, "peak_ratio_24h_over_10min": ratio}))


if __name__ == "__main__":
    main()
