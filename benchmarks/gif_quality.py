"""GIF quality and time: odyssey's two-pass palette writer against Pillow's GIF writer.

Both get the same frames, pre-rendered in memory (the eye-colour tour of the bundled
``omniart-eyes`` model), so only the encoders are compared. Quality is the mean
absolute error of every decoded frame against its source frame (0-255 scale), lower is
better; time is the median of the runs.

    python benchmarks/gif_quality.py --frames 600 --size 256 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import odyssey  # noqa: E402
from odyssey.writers import VideoSpec, open_writer  # noqa: E402


def source_frames(frames: int, size: int) -> tuple[np.ndarray, float]:
    gen = odyssey.load_generator("omniart-eyes")
    classes = ["amber", "blue", "brown", "gray", "grayscale", "green", "hazel", "red"]
    path = odyssey.keyframe_path(gen, [7] * 8, classes=classes, frames=frames, loop=True, easing="smoothstep", fps=25)
    return np.concatenate(list(odyssey.iter_frames(gen, path, odyssey.RenderSettings(size=size)))), path.fps


def write_odyssey(frames: np.ndarray, fps: float, out: Path) -> float:
    spec = VideoSpec(path=out, width=frames.shape[2], height=frames.shape[1], fps=fps)
    start = time.perf_counter()
    with open_writer(spec) as writer:
        for first in range(0, len(frames), 32):
            writer.write(frames[first : first + 32])
    return time.perf_counter() - start


def write_pillow(frames: np.ndarray, fps: float, out: Path) -> float:
    start = time.perf_counter()
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(out, save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)
    return time.perf_counter() - start


def decoded_error(gif: Path, frames: np.ndarray) -> float:
    with Image.open(gif) as image:
        decoded = []
        for index in range(image.n_frames):
            image.seek(index)
            decoded.append(np.asarray(image.convert("RGB"), dtype=np.int16))
    if len(decoded) != len(frames):
        raise SystemExit(f"{gif} decoded to {len(decoded)} frames, expected {len(frames)}")
    return float(np.mean([np.abs(d - f.astype(np.int16)).mean() for d, f in zip(decoded, frames)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    frames, fps = source_frames(args.frames, args.size)
    times: dict[str, list[float]] = {"odyssey": [], "pillow": []}
    with tempfile.TemporaryDirectory() as tmp:
        outputs = {name: Path(tmp) / f"{name}.gif" for name in times}
        for _ in range(args.repeats):  # interleaved, so machine drift hits both alike
            times["odyssey"].append(write_odyssey(frames, fps, outputs["odyssey"]))
            times["pillow"].append(write_pillow(frames, fps, outputs["pillow"]))
        result = {
            "frames": len(frames),
            "size": args.size,
            "seconds": {name: round(statistics.median(t), 3) for name, t in times.items()},
            "mean_abs_error": {name: round(decoded_error(path, frames), 3) for name, path in outputs.items()},
            "bytes": {name: path.stat().st_size for name, path in outputs.items()},
        }
    result["time_ratio_odyssey_over_pillow"] = round(result["seconds"]["odyssey"] / result["seconds"]["pillow"], 3)
    result["error_ratio_odyssey_over_pillow"] = round(result["mean_abs_error"]["odyssey"] / result["mean_abs_error"]["pillow"], 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
