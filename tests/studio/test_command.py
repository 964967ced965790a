"""``odyssey explore`` as a user runs it: the URL, the token under --listen, Ctrl-C, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from odyssey.cli import app
from odyssey.studio import missing_extra

REPO = Path(__file__).resolve().parents[2]


def start(*args: str, folder: Path) -> tuple[subprocess.Popen, str]:
    """``odyssey explore ARGS --no-browser --out folder``, once it has printed its URL."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen([sys.executable, "-m", "odyssey", "explore", *args, "--no-browser", "--out", str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if " at http://" in line:
            return process, line.split(" at ", 1)[1].split()[0]
    process.kill()
    raise AssertionError(f"no URL printed: {lines} {process.stderr.read()}")


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def stop(process: subprocess.Popen) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    return process.returncode, out, err


def test_explore_serves_on_loopback_and_stops_on_ctrl_c(tmp_path):
    process, url = start("dcgan-faces", folder=tmp_path / "out")
    try:
        assert url.startswith("http://127.0.0.1:") and "token" not in url
        status, state = get(url + "api/state")
        assert status == 200 and state["model"]["name"] == "dcgan-faces"
    finally:
        code, out, err = stop(process)
    assert code == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_listen_prints_a_token_and_requires_it(tmp_path):
    process, url = start("dcgan-faces", "--listen", "127.0.0.1", folder=tmp_path / "out")
    try:
        assert "?token=" in url
        bare = url.split("?")[0]
        status, answer = get(bare + "api/state")
        assert status == 403 and "needs its token" in answer["error"]
        status, _ = get(bare + "api/state?token=" + url.split("token=")[1])
        assert status == 200
    finally:
        stop(process)


def test_a_model_that_does_not_load_is_one_red_line(tmp_path):
    result = CliRunner().invoke(app, ["explore", "no-such-model", "--no-browser", "--out", str(tmp_path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "no-such-model" in lines[0]


def test_without_the_extra_it_says_which_to_install(monkeypatch, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    assert missing_extra() == "odyssey explore needs the explore extra: pip install 'odyssey[explore]' (missing: uvicorn)"
    result = CliRunner().invoke(app, ["explore", "dcgan-faces", "--no-browser", "--out", str(tmp_path)])
    assert result.exit_code == 1 and result.output.strip() == "error: odyssey explore needs the explore extra: pip install 'odyssey[explore]' (missing: uvicorn)"


def test_a_render_from_the_page_can_be_cancelled(client, studio):
    doc = studio.state()["document"]
    doc["path"]["legs"][0]["keyframes"] = [1, 2, 3]
    doc["path"]["duration"] = 60
    assert client.post("/api/export", json={"document": doc, "name": "long", "format": "png"}).status_code == 200
    assert client.post("/api/render", json={"name": "long"}).json()["state"] == "running"
    assert client.post("/api/render", json={"name": "long"}).json()["error"].startswith("render: a render is running")
    time.sleep(0.5)
    client.delete("/api/render")
    deadline = time.monotonic() + 60
    while client.get("/api/render").json()["state"] in ("running", "cancelling") and time.monotonic() < deadline:
        time.sleep(0.2)
    state = client.get("/api/render").json()
    assert state["state"] == "cancelled", state
    assert not (studio.folder / "long").exists()


@pytest.mark.parametrize("fmt", ["gif"])
def test_a_render_from_the_page_reports_progress_and_its_output(client, studio, fmt):
    doc = studio.state()["document"]
    doc["path"]["legs"][0]["keyframes"] = [1, 2]
    doc["path"]["duration"] = 1
    client.post("/api/export", json={"document": doc, "name": "short", "format": fmt})
    client.post("/api/render", json={"name": "short"})
    deadline = time.monotonic() + 60
    while (state := client.get("/api/render").json())["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert state == {"state": "done", "done": 12, "total": 12, "output": f"short.{fmt}", "error": ""}
    assert client.get(f"/outputs/short.{fmt}").content[:6] == b"GIF89a"
