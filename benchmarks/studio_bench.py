"""``odyssey explore`` at interactive speed: how long the studio's first pictures take.

Each run starts ``odyssey explore dcgan-faces --no-browser`` in a fresh process (so torch
and the model load as for a user) and times, over HTTP as the page asks:

* ``url_s``: from starting the command to the URL being printed (imports, model load, bind);
* ``first_grid_s``: the first seed grid of 16 thumbnails (``/api/seeds?count=16``), the
  first generation of the process: the figure the issue asks to stay under 2 s;
* ``next_grid_s``: the following page of 16 (median of 5);
* ``preview_batch_s``: 16 preview frames of a 3-keyframe path (plans the path first);
* ``plane_map_s``: a 5 x 5 plane map of a drawn leg.

    python benchmarks/studio_bench.py --repeats 3

Prints JSON: each run's figures and the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def call(url: str, body: dict | None = None) -> tuple[float, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as answer:
        result = json.loads(answer.read())
    return time.perf_counter() - started, result


def one_run(model: str) -> dict:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "odyssey", "explore", model, "--no-browser", "--out", folder], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        try:
            line = ""
            while " at http://" not in line:
                line = process.stdout.readline()
                if not line:
                    raise RuntimeError("odyssey explore exited before printing its URL")
            figures = {"url_s": time.perf_counter() - started}
            url = line.split(" at ", 1)[1].split()[0]
            figures["first_grid_s"], grid = call(url + "api/seeds?start=0&count=16")
            if len(grid["seeds"]) != 16:
                raise RuntimeError("the first grid did not have 16 thumbnails")
            figures["next_grid_s"] = statistics.median(call(url + f"api/seeds?start={16 * k}&count=16")[0] for k in range(1, 6))
            _, state = call(url + "api/state")
            doc = state["document"]
            doc["path"]["legs"][0]["keyframes"] = [3, 7, 11]
            figures["preview_batch_s"], _ = call(url + "api/preview", {"document": doc, "start": 0, "count": 16})
            _, stroke = call(url + "api/stroke", {"points": [[0, 0], [0.3, 0.2], [0.5, 0.6]]})
            doc["path"]["legs"].append({"type": "polyline", "file": stroke["file"], "size": stroke["size"], "axes": [1, 2], "duration": 2})
            figures["plane_map_s"], _ = call(url + "api/plane", {"document": doc, "leg": 1, "extent": 1, "grid": 5})
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
    return {key: round(value, 3) for key, value in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="dcgan-faces")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.model) for _ in range(args.repeats)]
    medians = {key: round(statistics.median(run[key] for run in runs), 3) for key in runs[0]}
    print(json.dumps({"model": args.model, "runs": runs, "median": medians}, indent=2))


if __name__ == "__main__":
    main()
