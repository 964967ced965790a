"""The studio's JSON API, endpoint by endpoint: what it answers, and one clear line for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from odyssey import api
from odyssey.errors import CheckpointError, ConfigError
from odyssey.studio.session import Studio

from .conftest import document

REPO = Path(__file__).resolve().parents[2]


def test_state_names_the_model_and_a_new_document(client):
    state = client.get("/api/state").json()
    assert state["model"]["name"] == "dcgan-faces" and state["model"]["width"] == 64
    assert state["document"]["model"] == "dcgan-faces" and state["document"]["path"]["legs"] == [{"type": "keyframes", "keyframes": []}]


def test_the_page_and_its_static_files(client):
    page = client.get("/")
    assert page.status_code == 200 and "odyssey explore" in page.text
    for name in ("api.js", "seeds.js", "plane.js", "timeline.js", "preview.js", "export.js", "main.js", "studio.css"):
        assert f"static/{name}" in page.text
        assert client.get(f"/static/{name}").status_code == 200
    assert "cdn" not in page.text.lower() and "http" not in page.text.replace("http-equiv", "")  # offline: nothing fetched from elsewhere


def test_seed_grid_is_what_keyframes_draw(client, studio):
    answer = client.get("/api/seeds?start=10&count=4&truncation=0.7").json()
    assert [s["seed"] for s in answer["seeds"]] == [10, 11, 12, 13]
    tiles = api.seed_tiles(studio.generator, [10, 11, 12, 13], truncation=0.7)
    from .test_browser import decode

    assert all(np.array_equal(decode(s["image"]), t) for s, t in zip(answer["seeds"], tiles))


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("start=-1", "start: must be from 0 to 4294967295, got -1"),
        ("start=4294967290&count=16", "start: seeds end at 4294967295; start at most at 4294967280"),
        ("start=zero", "start: must be an integer, got 'zero'"),
        ("count=1000", "count: must be from 1 to 64, got 1000"),
        ("truncation=nan", "truncation: must be from 0 to 2, got nan"),
        ("class=blue", "class: dcgan-faces is not conditional; leave the class empty"),
    ],
)
def test_bad_seed_requests_are_one_line(client, query, says):
    answer = client.get(f"/api/seeds?{query}")
    assert answer.status_code == 400 and answer.json() == {"error": says}


def test_preview_frames_are_the_trajectory_frames(client, studio):
    doc = document(studio, [3, 7, 11])
    answer = client.post("/api/preview", json={"document": doc, "start": 4, "count": 3}).json()
    assert answer["start"] == 4 and answer["total"] == 72 and answer["fps"] == 12 and len(answer["frames"]) == 3
    job = api.load_job(doc, check_output=False)
    expected = api.latent_tiles(job.generator, *job.trajectory.at([4, 5, 6]))
    from .test_browser import decode

    assert all(np.array_equal(decode(f), e) for f, e in zip(answer["frames"], expected))
    again = client.post("/api/preview", json={"document": doc, "start": 70, "count": 16}).json()
    assert len(again["frames"]) == 2  # cut at the end of the path


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"document": None}, "document: send the path file as a JSON object"),
        ({"document": {"model": "dcgan-faces", "path": {"legs": [{"type": "keyframes", "keyframes": []}]}}}, "keyframes"),
        ({"document": {"model": "dcgan-faces", "path": {"keyframes": [1, 2], "lop": True}}}, "did you mean 'loop'"),
        ({"document": {"model": "dcgan-faces", "fps": "30", "path": {"keyframes": [1, 2]}}}, "fps: must be a number"),
        ({"document": {"model": "omniart-eyes", "path": {"keyframes": [1, 2]}}}, "model: this studio shows 'dcgan-faces' only"),
        ({"document": {"model": "dcgan-faces", "path": {"keyframes": [{"vector": "/etc/passwd.npy"}, 2]}}}, "the studio reads only the files"),
    ],
)
def test_malformed_documents_are_one_line(client, body, says):
    for endpoint in ("/api/preview", "/api/check"):
        answer = client.post(endpoint, json=body)
        assert answer.status_code == 400 and says in answer.json()["error"] and "\n" not in answer.json()["error"]


def test_bodies_that_are_not_json_objects(client):
    assert client.post("/api/check", content=b"{", headers={"Content-Type": "application/json"}).json()["error"].startswith("the request is not valid JSON")
    assert client.post("/api/check", content=b"[]", headers={"Content-Type": "application/json"}).json() == {"error": "send a JSON object"}
    assert client.post("/api/check", content=b"{}", headers={"Content-Type": "text/plain"}).status_code == 415


def test_check_reports_speed_and_seam(client, studio):
    report = client.post("/api/check", json={"document": document(studio, [3, 7, 11], loop=True)}).json()
    assert report["frames"] == 72 and report["loop"] is True
    assert report["diagnostics"]["path"]["seam_ratio"] == pytest.approx(1, abs=0.5)
    assert [leg["type"] for leg in report["legs"]] == ["keyframes"]


def test_stroke_and_plane_map(client, studio):
    answer = client.post("/api/stroke", json={"points": [[0, 0], [0.2, 0.1], [0.3, 0.4]]}).json()
    saved = json.loads(open(answer["file"]).read())
    assert saved == [[0, 0], [0.2, 0.1], [0.3, 0.4]] and answer["size"] == pytest.approx(0.5)
    doc = document(studio, [3, 7, 11])
    doc["path"]["legs"].append({"type": "polyline", "file": answer["file"], "size": answer["size"], "axes": [1, 2]})
    grid = client.post("/api/plane", json={"document": doc, "leg": 1, "extent": 0.5, "grid": 3}).json()
    assert len(grid["tiles"]) == 9 and grid["tiles"][0]["x"] == -0.5 and grid["tiles"][0]["y"] == 0.5
    centre = grid["tiles"][4]
    from .test_browser import decode

    assert (centre["x"], centre["y"]) == (0, 0)
    assert np.array_equal(decode(centre["image"]), api.seed_tiles(studio.generator, [11])[0])  # the drawn leg starts at the last keyframe
    report = client.post("/api/check", json={"document": doc}).json()
    assert report.get("legs", [{}, {}])[1].get("type") == "polyline", report


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"points": [[0, 0]]}, "points: send 2 to 5000 [x, y] pairs"),
        ({"points": [[0, 0], ["a", 1]]}, "points: each point is"),
        ({"points": [[0, 0], [0, 0]]}, "points: the stroke must move"),
        ({"points": [[0, 0], [1e9, 0]]}, "within -2 to 2"),
    ],
)
def test_bad_strokes(client, body, says):
    answer = client.post("/api/stroke", json=body)
    assert answer.status_code == 400 and says in answer.json()["error"]


def test_plane_map_needs_a_plane_leg(client, studio):
    doc = document(studio, [3, 7])
    answer = client.post("/api/plane", json={"document": doc, "leg": 0, "extent": 1, "grid": 3})
    assert answer.status_code == 400 and "a plane map needs a polyline, circle, lissajous leg" in answer.json()["error"]
    assert "grid: must be from 2 to 8" in client.post("/api/plane", json={"document": doc, "leg": 0, "grid": 99}).json()["error"]


def test_export_writes_a_path_file_that_validates(client, studio):
    doc = document(studio, [3, 7, 11])
    answer = client.post("/api/export", json={"document": doc, "name": "film", "format": "gif"})
    assert answer.json() == {"file": "film.yaml"}
    config, output = api.load_config(studio.folder / "film.yaml")
    assert output == studio.folder / "film.gif" and config.fps == 12
    for name, says in [("../x", "name: use letters"), ("/tmp/x", "name: use letters"), ("", "name: use letters")]:
        assert says in client.post("/api/export", json={"document": doc, "name": name}).json()["error"]
    assert "format: one of mp4" in client.post("/api/export", json={"document": doc, "name": "f", "format": "exe"}).json()["error"]


def test_saved_path_files_can_be_opened_again(client, studio):
    doc = document(studio, [5, 6], loop=True)
    client.post("/api/export", json={"document": doc, "name": "again", "format": "mp4"})
    assert "again" in client.get("/api/documents").json()["saved"]
    opened = client.get("/api/document?name=again").json()["document"]
    assert opened["path"]["legs"][0]["keyframes"] == [5, 6] and opened["path"]["loop"] is True and "output" not in opened
    assert client.get("/api/document?name=../again").json()["error"].startswith("name: use letters")
    assert client.get("/api/document?name=nothing").json()["error"] == "name: no nothing.yaml in the output folder; export it first"


def test_render_of_a_file_that_was_not_exported(client):
    answer = client.post("/api/render", json={"name": "never"})
    assert answer.status_code == 404 and "never.yaml is not in the output folder; export it first" in answer.json()["error"]
    assert client.get("/api/render").json()["state"] == "idle"


def test_a_model_that_does_not_load(tmp_path):
    with pytest.raises(CheckpointError):
        Studio("no-such-model", None, tmp_path)
    broken = tmp_path / "broken.yaml"
    broken.write_text("model: dcgan-faces\npath: {keyframes: [1, 2], lop: true}\n")
    with pytest.raises(ConfigError, match="did you mean 'loop'"):
        Studio(None, broken, tmp_path)


def test_opening_a_path_file_keeps_its_files(tmp_path):
    from starlette.testclient import TestClient

    from odyssey.studio.app import create_app
    from odyssey.studio.guard import Access

    opened = Studio(None, REPO / "paths" / "polyline.yaml", tmp_path)
    doc = opened.state()["document"]
    assert doc["path"]["legs"][0]["file"].endswith("paths/heart.csv") and "output" not in doc
    with TestClient(create_app(opened, Access(None)), base_url="http://127.0.0.1") as client:
        doc["fps"], doc["size"] = 4, 64
        assert client.post("/api/check", json={"document": doc}).json()["legs"][0]["type"] == "polyline"
        assert client.post("/api/plane", json={"document": doc, "leg": 0, "extent": 0.6, "grid": 2}).status_code == 200


def test_every_static_file_ships_in_the_package():
    """A non-editable install carries the page: pyproject's package data covers every file in static/."""
    import fnmatch
    import tomllib

    patterns = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["odyssey.studio"]
    static = REPO / "odyssey" / "studio" / "static"
    files = [p.relative_to(static.parent).as_posix() for p in static.iterdir()]
    assert files and all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files), files
