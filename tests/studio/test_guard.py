"""What the studio's server refuses: reads and writes outside its folder, strangers, stale work."""

from __future__ import annotations

import os
import threading

import pytest

from odyssey.errors import ConfigError
from odyssey.studio.channels import Channels, Superseded
from odyssey.studio.guard import Access, inside


@pytest.fixture(scope="module")
def secret(studio):
    """A file outside the output folder, and a link to it from inside."""
    outside = studio.folder.parent / "secret.txt"
    outside.write_text("not for the page")
    (studio.folder / "link.txt").symlink_to(outside)
    (studio.folder / "linked-dir").symlink_to(studio.folder.parent, target_is_directory=True)
    (studio.folder / "ok.txt").write_text("fine")
    return outside


@pytest.mark.parametrize(
    "url",
    [
        "/outputs/..%2fsecret.txt",
        "/outputs/%2e%2e/secret.txt",
        "/outputs/%2e%2e%2fsecret.txt",
        "/outputs/sub/..%2f..%2fsecret.txt",
        "/outputs/%2fetc%2fpasswd",
        "/outputs//etc/passwd",
        "/outputs/link.txt",
        "/outputs/linked-dir/secret.txt",
        "/outputs/..%5csecret.txt",
        "/static/..%2f__init__.py",
        "/static/%2e%2e/app.py",
        "/static/index.html%00.js",
    ],
)
def test_reads_outside_the_folder_are_refused(client, secret, url):
    answer = client.get(url)
    assert answer.status_code in (400, 404), answer.text
    assert "not for the page" not in answer.text and "import" not in answer.text
    assert "error" in answer.json()


def test_files_inside_the_folder_are_served(client, secret):
    assert client.get("/outputs/ok.txt").text == "fine"


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/../../x", "a\\..\\x", "", ".", "a/./b", "C:/x", "x\x00y"])
def test_inside_refuses_every_way_out(tmp_path, name):
    with pytest.raises(ConfigError):
        inside(tmp_path, name)


def test_documents_cannot_name_files_outside(client, studio, secret):
    doc = studio.state()["document"]
    doc["path"]["legs"] = [{"type": "polyline", "file": str(secret), "axes": [1, 2]}]
    answer = client.post("/api/check", json={"document": doc})
    assert answer.status_code == 400 and "the studio reads only the files" in answer.json()["error"]
    doc["path"]["legs"][0]["file"] = str(studio.folder / "link.txt")  # a link out of the folder is outside too
    assert "the studio reads only the files" in client.post("/api/check", json={"document": doc}).json()["error"]


def test_export_writes_only_into_the_folder(client, studio, secret):
    doc = studio.state()["document"]
    doc["path"]["legs"][0]["keyframes"] = [1, 2]
    doc["output"] = str(secret)  # ignored: the studio chooses the output
    assert client.post("/api/export", json={"document": doc, "name": "safe", "format": "mp4"}).json() == {"file": "safe.yaml"}
    assert secret.read_text() == "not for the page"
    assert "output: safe.mp4" in (studio.folder / "safe.yaml").read_text()


def test_loopback_server_refuses_other_hosts():
    access = Access(None)
    assert access.token is None
    assert access.refusal("127.0.0.1:8000", None, None) is None and access.refusal("localhost:1", None, None) is None
    assert "not this machine's loopback" in access.refusal("evil.example:8000", None, None)


def test_listen_needs_the_token():
    access = Access("0.0.0.0")
    assert access.token and len(access.token) >= 24
    assert "needs its token" in access.refusal("anything", None, None)
    assert "needs its token" in access.refusal("anything", "wrong", None)
    assert access.refusal("anything", access.token, None) is None and access.refusal("x", None, access.token) is None


def test_token_is_checked_on_every_request(studio):
    from starlette.testclient import TestClient

    from odyssey.studio.app import create_app

    access = Access("0.0.0.0")
    with TestClient(create_app(studio, access), base_url="http://10.0.0.5") as remote:
        for url in ("/", "/static/api.js", "/api/state", "/outputs/ok.txt"):
            assert remote.get(url).status_code == 403
            assert remote.get(url, headers={"X-Odyssey-Token": access.token}).status_code in (200, 404)
        assert remote.get(f"/api/state?token={access.token}").status_code == 200
    with TestClient(create_app(studio, access), base_url="http://10.0.0.5") as browser:
        assert browser.get("/static/api.js").status_code == 403
        assert browser.get(f"/?token={access.token}").status_code == 200  # the printed URL sets the cookie
        assert browser.get("/static/api.js").status_code == 200 and browser.get("/api/state").status_code == 200
        browser.cookies.set("odyssey_token", "forged")
        assert browser.get("/api/state").status_code == 403


def test_newest_request_wins():
    channels = Channels()
    first = channels.ticket("seeds")
    assert not first()
    second = channels.ticket("seeds")
    other = channels.ticket("plane")
    assert first() and not second() and not other()
    with pytest.raises(Superseded), channels.generating(first):
        pass  # a stale request never runs


def test_stale_seed_pages_stop_between_batches(studio):
    """A page asked for while another renders makes the older one stop (409), not finish."""
    results: dict[str, object] = {}
    channels = studio.channels
    channels.generator_lock.acquire()  # the generator is busy: both requests queue
    try:
        older = threading.Thread(target=lambda: results.setdefault("older", _try(lambda: studio.seeds(0, 16))))
        older.start()
        while channels._latest.get("seeds", 0) == 0 or not older.is_alive():
            pass
        ticket_before = channels._latest["seeds"]
        newer = threading.Thread(target=lambda: results.setdefault("newer", _try(lambda: studio.seeds(16, 16))))
        newer.start()
        while channels._latest["seeds"] == ticket_before:
            pass
    finally:
        channels.generator_lock.release()
    older.join(30)
    newer.join(30)
    assert isinstance(results["older"], Superseded)
    assert [s["seed"] for s in results["newer"]["seeds"]][:2] == [16, 17]


def _try(work):
    try:
        return work()
    except Exception as exc:  # noqa: BLE001 - the test looks at what was raised
        return exc


def test_symlink_check_uses_the_resolved_folder(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    alias = tmp_path / "alias"
    os.symlink(real, alias)
    (real / "f.txt").write_text("x")
    assert inside(alias, "f.txt") == (real / "f.txt").resolve()
