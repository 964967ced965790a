"""End to end in a real browser: headless Chromium (the system's package) drives the page.

It adds three keyframes from the seed grid, shows the plane map and draws a stroke on it,
plays the preview, exports the path file, renders it from the page (which runs
``odyssey render``) and checks that the rendered PNG frames are the previewed frames,
pixel for pixel. Without Chromium this fails and says how to install it: it is part of
every CI run (.ci/run installs chromium and chromium-driver).

``ODYSSEY_SCREENSHOTS=DIR`` also saves the screenshots used in the README.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = "chromedriver"


def find_browser() -> tuple[str, str]:
    browser = next((path for name in CHROMIUM if (path := shutil.which(name))), None)
    driver = shutil.which(DRIVER) or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    if browser is None or driver is None:
        pytest.fail("the studio's browser tests need Chromium and its driver: apt-get install chromium chromium-driver (Debian/Ubuntu); .ci/run installs them")
    return browser, driver


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = find_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    height = 1500 if os.environ.get("ODYSSEY_SCREENSHOTS") else 1000  # tall enough for whole panels
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size=1400,{height}", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.set_script_timeout(60)
    yield chrome
    chrome.quit()


def wait_for(chrome, script: str, timeout: float = 30.0, what: str = ""):
    """Poll ``return <script>`` in the page until it is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = chrome.execute_script(f"return {script}")
        if value:
            return value
        time.sleep(0.1)
    message = chrome.execute_script("return document.getElementById('message').textContent")
    raise AssertionError(f"timed out waiting for {what or script}; the page says: {message!r}")


def shoot(chrome, name: str, element=None) -> None:
    """The page (or one panel of it) into ``$ODYSSEY_SCREENSHOTS/NAME.png``, when that is set."""
    folder = os.environ.get("ODYSSEY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        target = str(Path(folder) / f"{name}.png")
        element.screenshot(target) if element is not None else chrome.save_screenshot(target)


def decode(data_url: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGB"))


def test_pick_draw_preview_export_render(browser, served):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.by import By

    chrome = browser
    started = time.perf_counter()
    chrome.get(served.url)
    wait_for(chrome, "document.querySelectorAll('#seed-grid img').length === 16", what="the seed grid")
    tiles = chrome.find_elements(By.CSS_SELECTOR, "#seed-grid img")
    assert tiles[5].get_attribute("title") == "seed 5"
    for index in (3, 7, 11):
        tiles[index].click()
    wait_for(chrome, "document.querySelectorAll('#keyframes li').length === 3", what="three keyframes")
    assert chrome.execute_script("return studio.doc.path.legs[0].keyframes") == [3, 7, 11]

    chrome.find_element(By.ID, "plane-show").click()
    wait_for(chrome, "document.querySelectorAll('#plane-tiles img').length === 25", what="the plane map")
    canvas = chrome.find_element(By.ID, "plane-canvas")
    stroke = ActionChains(chrome, duration=20).move_to_element(canvas).click_and_hold()
    for dx, dy in [(20, -10), (20, -20), (10, -30), (-10, -20), (-20, 0)]:
        stroke = stroke.move_by_offset(dx, dy)
    stroke.release().perform()
    wait_for(chrome, "studio.doc.path.legs.length === 2 && studio.doc.path.legs[1].type === 'polyline'", what="the drawn leg")
    drawn = chrome.execute_script("return studio.doc.path.legs[1]")
    assert drawn["axes"] == [1, 2] and 0 < drawn["size"] <= 2 and drawn["duration"] >= 0.5
    ActionChains(chrome).scroll_from_origin(ScrollOrigin.from_element(canvas), 0, -120).perform()  # the wheel zooms in
    wait_for(chrome, "document.querySelector('#plane-tiles img').title === '(-0.80, 0.80)'", what="the zoomed map")

    chrome.find_element(By.ID, "play").click()
    total = wait_for(chrome, "studio.total > 0 && studio.frames.filter(Boolean).length === studio.total && studio.total", timeout=40, what="every preview frame")
    first = chrome.execute_script("return document.getElementById('frame-label').textContent")
    wait_for(chrome, f"document.getElementById('frame-label').textContent !== {first!r}", what="playback to move")
    assert "frames at 12 fps" in chrome.find_element(By.ID, "diagnostics").text
    shoot(chrome, "studio")
    shoot(chrome, "plane-map", chrome.find_element(By.ID, "plane-panel"))

    chrome.find_element(By.ID, "export-name").clear()
    chrome.find_element(By.ID, "export-name").send_keys("e2e")
    chrome.execute_script("document.getElementById('export-format').value = 'png'")
    chrome.find_element(By.ID, "render").click()
    wait_for(chrome, "document.getElementById('render-status').dataset.state", timeout=60, what="the render to end")
    status = chrome.find_element(By.ID, "render-status")
    assert status.get_attribute("data-state") == "done", status.text
    shoot(chrome, "film-panel", chrome.find_element(By.ID, "film-panel"))
    frames = chrome.execute_script("return studio.frames")
    rendered = sorted((served.studio.folder / "e2e").glob("frame_*.png"))
    assert len(rendered) == len(frames) == total
    for preview, file in zip(frames, rendered):  # the same batches as the render: the same pixels
        assert np.array_equal(decode(preview), np.asarray(Image.open(file).convert("RGB"))), file.name
    wait_for(chrome, "[...document.querySelectorAll('#open-saved option')].some((o) => o.value === 'e2e')", what="e2e.yaml among the saved files")
    exported = (served.studio.folder / "e2e.yaml").read_text()
    assert "type: polyline" in exported and "output: e2e" in exported
    assert time.perf_counter() - started < 60


def test_timeline_edits_replan_the_preview(browser, served):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    chrome = browser
    chrome.get(served.url)
    wait_for(chrome, "document.querySelectorAll('#seed-grid img').length === 16", what="the seed grid")
    tiles = chrome.find_elements(By.CSS_SELECTOR, "#seed-grid img")
    for index in (0, 1, 2):
        tiles[index].click()
    wait_for(chrome, "studio.total === 72", what="6 s at 12 fps")

    def type_into(element_id: str, text: str) -> None:
        chrome.find_element(By.ID, element_id).send_keys(Keys.CONTROL, "a", Keys.NULL, text, Keys.TAB)  # select all, type over it

    type_into("t-fps", "6")
    wait_for(chrome, "studio.total === 36", what="6 s at 6 fps")
    chrome.find_element(By.ID, "t-loop").click()
    wait_for(chrome, "document.getElementById('diagnostics').textContent.includes('seam ratio')", what="a loop's seam ratio")
    Select(chrome.find_element(By.ID, "t-easing")).select_by_visible_text("smoothstep")
    Select(chrome.find_element(By.ID, "t-interpolation")).select_by_visible_text("slerp")
    chrome.find_element(By.CSS_SELECTOR, "#keyframes li:first-child button.down").click()
    chrome.find_element(By.CSS_SELECTOR, "#keyframes li:last-child button.delete").click()
    hold = chrome.find_element(By.CSS_SELECTOR, "#keyframes li:first-child input")
    hold.send_keys("1", Keys.TAB)
    path = wait_for(chrome, "studio.doc.path.legs[0].keyframes.length === 2 && studio.doc.path", what="the edits")
    assert path["loop"] is True and path["easing"] == "smoothstep" and path["interpolation"] == "slerp"
    assert path["legs"][0]["keyframes"] == [{"seed": 1, "hold": 1}, 0]
    type_into("t-duration", "90f")
    wait_for(chrome, "studio.total === 90 && studio.frames.filter(Boolean).length === 90", what="90 frames, all previewed")
    Select(chrome.find_element(By.CSS_SELECTOR, "#legs li select")).select_by_visible_text("walk")
    wait_for(chrome, "studio.doc.path.legs[0].type === 'walk' && studio.total === 90", what="a walk leg")
