"""A corpus of bad and hostile inputs: each is refused with one line, and nothing else happens.

For every case, ``odyssey check`` and ``odyssey render`` (run in-process, through the
CLI) must: exit 1 (2 for a mistyped option); print exactly one ``error:`` line, which
names the path file, the field (or file) at fault, and says what to do; print no
traceback; leave nothing at the output path and no work folder; and finish in bounded
time. The bombs (YAML, .npy headers, frame counts) also run in a child process under a
memory limit, so "bounded memory" is tested, not assumed.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from odyssey.cli import app
from tests.adapters.adapters_testkit import native_meta, tiny_net
from tests.conftest import REPO

Setup = Callable[[Path], str]  # writes files into a folder, returns the path file's text (model: is added)


def laughs(folder: Path) -> str:
    lines = ["  options:", '    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"    {name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "model:\n  path: MODEL\n" + "\n".join(lines) + "\npath: {keyframes: [1, 2]}\n"


def lying_npy(folder: Path) -> str:
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }"
    header = header + " " * (118 - len(header)) + "\n"
    (folder / "lie.npy").write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\0" * 64)
    return "path: {keyframes: [1, {vector: lie.npy}]}\n"


def saved(name: str, array: np.ndarray) -> Setup:
    def setup(folder: Path) -> str:
        np.save(folder / name, array, allow_pickle=True)
        return f"path: {{keyframes: [1, {{vector: {name}}}]}}\n"

    return setup


def native(change: dict, poison: bool = False) -> Setup:
    def setup(folder: Path) -> str:
        from odyssey.models.checkpoint import write_native

        net = tiny_net()
        state = net.state_dict()
        if poison:
            state["blocks.0.conv.weight"][0, 0, 0, 0] = float("nan")
        write_native(folder / "m.safetensors", state, native_meta(net, nz=16) | change)
        return "model: m.safetensors\npath: {keyframes: [1, 2]}\n"

    return setup


def text(body: str) -> Setup:
    return lambda folder: body


def files(body: str, **contents: str) -> Setup:
    def setup(folder: Path) -> str:
        for name, content in contents.items():
            target = folder / name.replace("__", ".")
            if content == "<dir>":
                target.mkdir()
            elif content == "<fifo>":
                os.mkfifo(target)
            else:
                target.write_text(content)
        return body

    return setup


KEYS = "path: {keyframes: [1, 2]}\n"
CASES: list[tuple[str, Setup, list[str], str]] = [
    # (id, setup, extra CLI args, what the one error line must contain)
    ("yaml-alias-bomb", laughs, [], "expands to more than 100000 values"),
    ("yaml-deep", text("x: " + "[" * 5000 + "]" * 5000 + "\n" + KEYS), [], "nested more than 32 levels"),
    ("yaml-duplicate-key", text("fps: 10\n" + KEYS + "fps: 20\n"), [], "key 'fps' is written twice"),
    ("yaml-self-reference", text("x: &a [1, *a]\n" + KEYS), [], "contains itself"),
    ("yaml-huge", text("# " + "x" * (1 << 20) + "\n" + KEYS), [], "more than a path file needs"),
    ("yaml-not-a-mapping", text("- 1\n- 2\n"), [], "must be a mapping"),
    ("yaml-syntax", text("path: {keyframes: [1, 2]\n"), [], "invalid YAML"),
    ("yaml-escape-in-key", text('"bad\\x1b[31m": 1\n' + KEYS), [], "unknown key 'bad\\x1b[31m'"),
    ("fps-string", text('fps: "30"\n' + KEYS), [], "fps: must be a number, got '30' (write numbers without quotes)"),
    ("fps-bool", text("fps: true\n" + KEYS), [], "fps: must be a number, got True"),
    ("fps-nan", text("fps: .nan\n" + KEYS), [], "fps: must be a finite number"),
    ("fps-tiny", text("fps: 0.0004\n" + KEYS), [], "fps: must be at least 1"),
    ("size-bool", text("size: true\n" + KEYS), [], "size: must be a whole number, got True"),
    ("batch-bool", text("batch_size: true\n" + KEYS), [], "batch_size: must be a whole number"),
    ("size-1x1", text("size: [1, 1]\n" + KEYS), [], "size: sizes must be between 16 and 8192"),
    ("size-sliver", text("size: [4096, 16]\n" + KEYS), [], "size: 4096x16 is narrower than 1:16"),
    ("seed-2^32", text("seed: 4294967296\n" + KEYS), [], "seed: must be at most 4294967295"),
    ("seed-negative", text("path: {keyframes: [-1, 2]}\n"), [], "path.keyframes.0.seed: must be at least 0"),
    ("hold-inf", text("path: {keyframes: [1, 2], hold: .inf}\n"), [], "path.hold"),
    ("duration-zero", text("path: {keyframes: [1, 2], duration: 0}\n"), [], "path.duration: a path lasts longer than nothing"),
    ("duration-1e9", text("path: {keyframes: [1, 2], duration: 1e9}\n"), [], "path.duration: must be at most 10000000"),
    ("frames-1e12", text("path: {keyframes: [1, 2], duration: 1000000000000f}\n"), [], "path.duration: a frame count is a whole number up to"),
    ("frames-over-max", text("fps: 240\npath: {keyframes: [1, 2], duration: 9000000}\n"), [], "path.duration: the path has 2160000000 frames"),
    ("phase-nan", text("path: {legs: [{type: lissajous, phase: .nan, duration: 1}]}\n"), [], "path.legs.0.phase: must be a finite number"),
    ("psi-nan", text("truncation: .nan\n" + KEYS), [], "truncation"),
    ("psi-curve-nan", text("truncation: {psi: [[0, 1.0], [1, .nan]]}\n" + KEYS), [], "truncation.psi"),
    ("class-unconditional", text("class: 3\n" + KEYS), [], "class: model tiny is not conditional"),
    ("model-dev-zero", text("model: /dev/zero\n" + KEYS), [], "model: /dev/zero is a device or a pipe"),
    ("model-fifo", files("model: net.pth\n" + KEYS, net__pth="<fifo>"), [], "is a device or a pipe"),
    ("model-folder", files("model: net.pth\n" + KEYS, net__pth="<dir>"), [], "is a folder, not a checkpoint file"),
    ("vector-dev-urandom", text("path: {keyframes: [1, {vector: /dev/urandom}]}\n"), [], "path.keyframes.1.vector: /dev/urandom is a device or a pipe"),
    ("vector-lying-header", lying_npy, [], "declares 1000000000000 values"),
    ("vector-nan", saved("nan.npy", np.full(100, np.nan, np.float32)), [], "holds NaN or infinite values"),
    ("vector-zero", saved("zero.npy", np.zeros(100, np.float32)), [], "is all zeros"),
    ("vector-huge", saved("huge.npy", np.full(100, 1e6, np.float32)), [], "not a latent in this model's units"),
    ("vector-objects", saved("obj.npy", np.array([{"x": 1}], dtype=object)), [], "holds Python objects, which are never unpickled"),
    ("image-folder", files("path: {keyframes: [1, {image: pics}]}\n", pics="<dir>"), [], "path.keyframes.1.image"),
    ("polyline-nan", files("path: {legs: [{type: polyline, file: s.csv, duration: 1}]}\n", s__csv="0,0\n1,nan\n2,2\n"), [], "path.legs.0.file: "),
    ("output-is-the-path-file", text(KEYS), ["--out", "{folder}/p.yaml"], "is this render's input too (the path file)"),
    ("output-dev-null", text(KEYS), ["--out", "/dev/null"], "output: output /dev/null is a device or a pipe"),
    ("output-folder-of-other-files", lambda folder: (folder / "stuff").mkdir() or (folder / "stuff" / "notes.txt").write_text("mine") and KEYS,
     ["--out", "{folder}/stuff"], "already holds 'notes.txt', which is not a frame"),
    ("output-name-too-long", text(KEYS), ["--out", "{folder}/" + "a" * 300 + ".mp4"], "keep each name under 200"),
    ("output-no-such-user", text(KEYS), ["--out", "~nosuchuser_odyssey/x.mp4"], "no such user's home folder"),
    ("native-nan-weights", native({}, poison=True), [], "holds NaN or infinite values"),
    ("native-zero-channels", native({"channels": 0}), [], "0 channels"),
    ("native-flat-range", native({"output_range": [1.0, 1.0]}), [], "output_range"),
    ("native-huge-kwargs", native({"kwargs": {"in_channels": 16, "widths": [4096, 4096], "out_channels": 3, "bias": False}}), [], "do not fit"),
]
USAGE: list[tuple[str, list[str], str]] = [
    ("unknown-option", ["render", "{path}", "--bogus"], "No such option: --bogus"),
    ("bad-number", ["preview", "{path}", "--frames", "many"], "'--frames'"),
    ("unknown-command", ["rendre", "{path}"], "No such command 'rendre'"),
]
runner = CliRunner()


def _prepare(tmp_path: Path, tiny_dcgan: Path, setup: Setup) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    body = setup(folder)
    if "MODEL" in body:
        body = body.replace("MODEL", str(tiny_dcgan))
    elif not body.lstrip().startswith(("model", "- ")) and "\nmodel" not in body:
        body = f"model: {tiny_dcgan}\n{body}"
    path = folder / "p.yaml"
    path.write_text(body)
    return path


@pytest.mark.parametrize("command", ["check", "render"])
@pytest.mark.parametrize(("name", "setup", "args", "expected"), CASES, ids=[case[0] for case in CASES])
def test_a_bad_input_is_one_line_and_nothing_else(tmp_path, tiny_dcgan, command, name, setup, args, expected):
    path = _prepare(tmp_path, tiny_dcgan, setup)
    out = tmp_path / "out" / "o.mp4"
    args = [a.replace("{folder}", str(tmp_path / "in")) for a in args]
    started = time.perf_counter()
    result = runner.invoke(app, [command, str(path), *(args or ["--out", str(out)]), "--quiet"] if command == "render" else [command, str(path), *(args or ["--out", str(out)])])
    seconds = time.perf_counter() - started
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.exit_code == 1, result.output
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    line = errors[0]
    assert "p.yaml" in line and expected in line, line
    assert len(line) < 700 and line.isprintable(), line
    assert seconds < 30, seconds
    assert not out.exists() and not (tmp_path / "out" / ".odyssey-work").exists()


@pytest.mark.parametrize(("name", "args", "expected"), USAGE, ids=[case[0] for case in USAGE])
def test_a_mistyped_command_line_is_one_line_and_exit_2(tmp_path, tiny_dcgan, name, args, expected):
    path = _prepare(tmp_path, tiny_dcgan, text(KEYS))
    result = subprocess.run(
        [sys.executable, "-m", "odyssey.cli", *(a.replace("{path}", str(path)) for a in args)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and expected in result.stderr, result.stderr


MEMORY_LIMIT = 3 << 30  # bytes of address space for the child: a bomb that expands fails the test, not the machine
BOMBS = ["yaml-alias-bomb", "vector-lying-header", "frames-1e12", "frames-over-max"]


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS")
@pytest.mark.parametrize("name", BOMBS)
def test_bombs_stay_within_bounded_memory(tmp_path, tiny_dcgan, name):
    setup = next(case[1] for case in CASES if case[0] == name)
    path = _prepare(tmp_path, tiny_dcgan, setup)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    done = subprocess.run(
        [sys.executable, "-m", "odyssey.cli", "check", str(path)], capture_output=True, text=True, timeout=120,
        preexec_fn=limit, env={**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert done.returncode == 1 and len(errors) == 1 and "MemoryError" not in done.stderr, done.stderr


def test_the_corpus_covers_every_class_of_the_issue():
    names = {case[0] for case in CASES}
    for prefix in ("yaml-", "fps-", "size-", "seed-", "duration-", "vector-", "model-", "output-", "native-"):
        assert any(name.startswith(prefix) for name in names), prefix
    assert torch is not None  # torch is imported above for the native cases' helpers
