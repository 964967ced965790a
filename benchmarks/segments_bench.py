"""Long renders in segments: one process vs ``--shard`` vs Ray workers, and the fixed costs.

Every mode renders the same path file (the bundled ``dcgan-faces``, 256 px MP4, libx264
``medium``, segments of ``--segment-seconds``) as a command, timed from start to the
verified output, so process start-up, model load and the join all count:

* ``single``  ``odyssey render PATH`` (one process, segments one after another);
* ``shard2``  ``odyssey render PATH --shard 0/2`` and ``--shard 1/2`` at the same time,
              then ``odyssey join PATH``;
* ``ray2``    ``odyssey render PATH --ray --ray-workers 2`` (the command starts a local
              Ray cluster and stops it).

Fixed costs, measured apart (``--fixed``):

* ``startup``   a fresh ``python -c "import odyssey.api"`` (each shard pays it);
* ``ray_init``  ``ray.init(num_cpus=2)`` plus ``ray.shutdown()`` in a fresh process;
* ``join``      ``api.join_file`` of the finished segments (10 s each; ``--shard 0/1`` made them):
  verifying each segment, the concat with ``-c copy`` and ``+faststart``, verifying the result;
* ``onepass`` vs ``segmented`` in one process with the model loaded (the issue-6 API path):
  ``odyssey.render`` streaming straight to the file vs ``render_segments`` of the same
  frames as one segment, i.e. what the segment machinery (verify, join, faststart) costs
  a short render.

Modes are interleaved over the repeats (these machines are noisy); figures are medians.

    python benchmarks/segments_bench.py --frames 1200 --segment-seconds 10 --repeats 3
    python benchmarks/segments_bench.py --fixed --frames 600 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
MODES = ("single", "shard2", "ray2")


def path_file(folder: Path, frames: int, size: int, segment_seconds: float) -> Path:
    target = folder / "bench.yaml"
    target.write_text(
        f"model: dcgan-faces\nsize: {size}\nfps: 30\nsegment_seconds: {segment_seconds}\n"
        f"path: {{keyframes: [11, 24, 35, 47], loop: true, interpolation: slerp, duration: {frames}f}}\n"
    )
    return target


def odyssey(*args: object) -> list[str]:
    return [sys.executable, "-m", "odyssey.cli", *(str(a) for a in args)]


def timed(commands: list[list[str]]) -> float:
    """Run commands at the same time; seconds until the last one ends."""
    start = time.perf_counter()
    procs = [subprocess.Popen(c, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for c in commands]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"{' '.join(proc.args)} failed:\n{err}")
    return time.perf_counter() - start


def run_mode(mode: str, frames: int, size: int, segment_seconds: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        spec = path_file(Path(tmp), frames, size, segment_seconds)
        out = Path(tmp) / "o.mp4"
        if mode == "single":
            return timed([odyssey("render", spec, "--out", out, "--quiet")])
        if mode == "shard2":
            shards = timed([odyssey("render", spec, "--out", out, "--quiet", "--shard", f"{k}/2") for k in range(2)])
            return shards + timed([odyssey("join", spec, "--out", out, "--quiet")])
        if mode == "ray2":
            return timed([odyssey("render", spec, "--out", out, "--quiet", "--ray", "--ray-workers", "2")])
    raise ValueError(mode)


RAY_INIT = "import time, logging, ray\nt = time.perf_counter()\nray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)\nray.shutdown()\nprint(time.perf_counter() - t)\n"
IN_PROCESS = """
import sys, time, tempfile
from pathlib import Path
import odyssey
from odyssey import api
from odyssey.segments import RenderSession, render_segments
from odyssey.config import load_config
spec, mode = sys.argv[1], sys.argv[2]
job = api.load_job(spec, check_output=False)
video = job.config.video
odyssey.Renderer(job.generator, job.settings).render_range(job.trajectory, 0, 8)  # warm up kernels, untimed
with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "o.mp4"
    if mode == "join":
        api.render_segments(spec, (), out, shard="0/1", progress=False)
    start = time.perf_counter()
    if mode == "join":
        api.join_file(spec, (), out)
    elif mode == "onepass":
        odyssey.render(job.generator, job.trajectory, out, job.settings, crf=video.crf, preset=video.preset, progress=False)
    else:
        config, _ = load_config(spec, [], out)
        render_segments(RenderSession(config, out), lambda: (job.generator, job.trajectory, job.settings), progress=False)
    print(time.perf_counter() - start)
"""


def python_seconds(code: str, *args: object) -> float:
    done = subprocess.run([sys.executable, "-c", code, *(str(a) for a in args)], env=ENV, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return float(done.stdout.strip().splitlines()[-1])


def fixed_costs(frames: int, size: int, repeats: int) -> dict:
    runs: dict[str, list[float]] = {"startup": [], "ray_init": [], "join": [], "onepass": [], "segmented": []}
    for _ in range(repeats):
        runs["startup"].append(timed([[sys.executable, "-c", "import odyssey.api"]]))
        runs["ray_init"].append(python_seconds(RAY_INIT))
        with tempfile.TemporaryDirectory() as tmp:
            runs["join"].append(python_seconds(IN_PROCESS, path_file(Path(tmp), frames, size, 10), "join"))
            one = path_file(Path(tmp), frames, size, 3600)  # one segment
            for mode in ("onepass", "segmented"):
                runs[mode].append(python_seconds(IN_PROCESS, one, mode))
    med = {name: round(statistics.median(values), 3) for name, values in runs.items()}
    med["segments_for_join"] = -(-frames // 300)
    med["segmented_over_onepass"] = round(med["segmented"] / med["onepass"], 3)
    return med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=1200)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--segment-seconds", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--fixed", action="store_true", help="measure the fixed costs instead")
    args = parser.parse_args()
    print(f"# {os.cpu_count()} cores; {args.frames} frames of dcgan-faces at {args.size} px, MP4", flush=True)
    if args.fixed:
        print(json.dumps({"fixed_seconds": fixed_costs(args.frames, args.size, args.repeats)}), flush=True)
        return
    modes = [m for m in args.modes.split(",") if m]
    runs: dict[str, list[float]] = {mode: [] for mode in modes}
    for _ in range(args.repeats):
        for mode in modes:
            runs[mode].append(run_mode(mode, args.frames, args.size, args.segment_seconds))
    med = {mode: statistics.median(values) for mode, values in runs.items()}
    row = {
        "frames": args.frames,
        "segments": -(-args.frames // round(args.segment_seconds * 30)),
        "seconds": {m: round(s, 2) for m, s in med.items()},
        "fps": {m: round(args.frames / s, 1) for m, s in med.items()},
        "runs": {m: [round(s, 2) for s in v] for m, v in runs.items()},
    }
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
