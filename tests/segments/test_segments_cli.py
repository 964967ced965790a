"""The command line of segmented renders: --shard, join, --ray's optional address, help, errors."""

from __future__ import annotations

import sys

import imageio_ffmpeg
import pytest
from typer.testing import CliRunner

from odyssey.cli import _ray_without_address, app
from odyssey.errors import RenderError
from odyssey.segments.ray_runner import import_ray, plan_workers
from tests.conftest import write_path_file
from tests.segments.conftest import BODY

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def path_file(tmp_path, tiny_dcgan):
    return write_path_file(tmp_path, tiny_dcgan, BODY)


def test_help_shows_the_new_options_and_join():
    render = invoke("render", "--help")
    assert render.exit_code == 0
    for option in ("--shard", "--ray", "--ray-workers", "--segment-seconds", "--keep-segments", "resumes"):
        assert option in render.stdout
    assert "join" in invoke("--help").stdout
    join = invoke("join", "--help")
    assert join.exit_code == 0 and "manifest.json" in join.stdout


def test_ray_takes_an_optional_address():
    assert _ray_without_address(["render", "p.yaml", "--ray"]) == ["render", "p.yaml", "--ray=local"]
    assert _ray_without_address(["render", "--ray", "p.yaml"]) == ["render", "--ray=local", "p.yaml"]
    assert _ray_without_address(["render", "p.yaml", "--ray", "-q"]) == ["render", "p.yaml", "--ray=local", "-q"]
    assert _ray_without_address(["render", "p.yaml", "--ray", "ray://head:10001"]) == ["render", "p.yaml", "--ray", "ray://head:10001"]


def test_shards_then_join_on_the_command_line(tmp_path, path_file):
    out = tmp_path / "o.mp4"
    first = invoke("render", path_file, "--out", out, "--shard", "0/2")
    assert first.exit_code == 0, first.output
    assert "shard 0/2: rendered 2 segment(s); 2 of 4 are finished" in first.stdout and not out.exists()
    early = invoke("join", path_file, "--out", out)
    assert early.exit_code == 1 and early.stderr.count("\n") == 1 and "segments 1, 3 of 4" in early.stderr
    second = invoke("render", path_file, "--out", out, "--shard", "1/2")
    assert "all segments are finished: join them with `odyssey join" in second.stdout
    joined = invoke("join", path_file, "--out", out)
    assert joined.exit_code == 0 and f"wrote {out}" in joined.stdout
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 40


def test_segment_seconds_on_the_command_line(tmp_path, path_file):
    out = tmp_path / "o.mp4"
    result = invoke("render", path_file, "--out", out, "--segment-seconds", "2", "--shard", "0/1", "--quiet")
    assert result.exit_code == 0, result.output
    folder = next((tmp_path / ".odyssey-work").iterdir())
    assert sorted(p.name for p in folder.glob("seg_*.mp4")) == ["seg_000000.mp4", "seg_000001.mp4"]
    assert invoke("join", path_file, "--out", out, "--segment-seconds", "2").exit_code == 0


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--shard", "2/2"], "--shard 2/2: K must be 0 to N-1"),
        (["--shard", "0/2", "--ray"], "--shard and --ray"),
        (["--ray-workers", "2"], "add --ray"),
    ],
)
def test_bad_options_are_one_red_line(tmp_path, path_file, args, expected):
    result = invoke("render", path_file, "--out", tmp_path / "o.mp4", *args)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and expected in result.stderr, result.output


def test_without_ray_installed_the_error_says_how_to_get_it(tmp_path, path_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(RenderError, match=r"pip install 'odyssey\[ray\]'"):
        import_ray()
    result = invoke("render", path_file, "--out", tmp_path / "o.mp4", "--ray")
    assert result.exit_code == 1 and "pip install 'odyssey[ray]'" in result.stderr and "Traceback" not in result.output


def test_ray_workers_ask_for_gpus_only_where_there_are_some():
    assert plan_workers({"CPU": 16, "GPU": 4}, "auto", None) == (4, {"num_gpus": 1, "num_cpus": 1})
    assert plan_workers({"CPU": 16, "GPU": 4}, "auto", 8) == (4, {"num_gpus": 1, "num_cpus": 1})  # never more than the GPUs
    assert plan_workers({"CPU": 16, "GPU": 4}, "cpu", 2) == (2, {"num_cpus": 8})
    assert plan_workers({"CPU": 2}, "auto", None) == (1, {"num_cpus": 2})
    assert plan_workers({"CPU": 2}, "auto", 2) == (2, {"num_cpus": 1})
    assert plan_workers({"CPU": 2}, "auto", 5) == (2, {"num_cpus": 1})  # a third could never be scheduled
    with pytest.raises(RenderError, match="no GPUs"):
        plan_workers({"CPU": 8}, "cuda", None)  # would wait forever for a GPU
