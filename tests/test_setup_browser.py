"""End to end: the routine's set-up step before the floor stretch, in a real browser (issue 14).

The sciatica routine with a fake camera showing a person seated face-on (the rendered figure-4
sample; the astronaut photo when the samples are absent): its four chair holds are skipped with
the panel's Skip button, as a person would who is short of time. The downward dog is seen
side-on and the camera faces the person, so the routine stops at the set-up step: the panel
says to move the laptop, shows the dog's picture and a large Ready button. Pressing Ready starts
the countdown even though the camera never sees the person side-on.

Skipped when Chromium is not installed (CI installs it with
`apt-get install -y chromium chromium-driver`).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest

import browser  # tests/browser.py (pytest puts tests/ on sys.path)

pytest.importorskip("playwright.sync_api", reason="the playwright Python client is not installed")
if browser.chromium_path() is None:
    pytest.skip("chromium is not installed (apt-get install -y chromium chromium-driver)", allow_module_level=True)

ARTIFACTS = browser.ROOT / "test-artifacts"
SAMPLES = browser.ROOT / "sample_videos"
TEST_BUDGET_S = 60.0
#: The sciatica routine: twist right and left, figure-4 right and left, then the downward dog.
CHAIR_HOLDS = 4


def face_on_camera() -> tuple[list[np.ndarray], int]:
    """A few seconds of a person seated face-on (never side-on), and its frame rate."""
    video, truth_path = SAMPLES / "seated_figure_four_right.mp4", SAMPLES / "seated_figure_four_right.truth.json"
    if video.is_file() and truth_path.is_file():
        fps = int(round(json.loads(truth_path.read_text()).get("fps", 12)))
        return browser.video_clip(video, 0.0, 3.0), fps
    return browser.camera_clip(seconds=2.0, fps=30), 30


def test_the_floor_set_up_step_in_the_browser_and_ready_starts_the_countdown(tmp_path: Path) -> None:
    started = time.monotonic()

    def budget(most: float) -> float:
        """Milliseconds to wait: at most `most` seconds, never past the test's budget."""
        left = TEST_BUDGET_S - (time.monotonic() - started)
        assert left > 0, "the browser test ran over its time budget"
        return min(most, left) * 1000

    frames, fps = face_on_camera()
    y4m = browser.write_y4m(tmp_path / "camera.y4m", frames, fps=fps)
    ARTIFACTS.mkdir(exist_ok=True)

    with browser.streamlit_server({"STRETCH_COACH_DATA_DIR": str(tmp_path / "data")},
                                  log_path=tmp_path / "streamlit.log") as url, \
            browser.chromium_context(y4m, viewport=(1366, 768)) as context:
        page = context.new_page()
        page.goto(url)
        page.get_by_text("Waiting for the camera").first.wait_for(timeout=budget(20))
        browser.start_camera(page, timeout=budget(30) / 1000)
        main = page.locator("[data-testid='stMain']")
        page.get_by_text(re.compile(r"^Hold 1 of 5: ")).first.wait_for(timeout=budget(20))

        # Skip the chair holds, one press per hold, each seen to take effect before the next.
        # (A fragment's rerun can briefly leave its old elements beside the new: click an enabled one.)
        skip = page.locator(".st-key-live_skip button:not([disabled])").first
        print(f"\ncoaching after {time.monotonic() - started:.1f} s")
        for hold in range(1, CHAIR_HOLDS + 1):
            skip.click(timeout=budget(10))
            page.get_by_text(re.compile(rf"^Hold {hold + 1} of 5: ")).first.wait_for(timeout=budget(10))

        # The set-up step: where the laptop goes, in large type; the picture; the Ready button.
        page.get_by_text("Hold 5 of 5: Downward dog").first.wait_for(timeout=budget(10))
        instruction = page.get_by_text("Set up for Downward dog: move the laptop so it sees you side-on")
        instruction.first.wait_for(timeout=budget(10))
        assert page.get_by_text("The countdown starts when the camera sees you side-on").count() >= 1
        size = instruction.first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 48, f"the set-up instruction is {size} px: not readable from 2-3 m"
        picture = page.locator("[data-testid='stImage'] img").first
        picture.wait_for(timeout=budget(10))
        browser.wait_until(lambda: picture.evaluate("i => i.complete && i.naturalWidth > 0"), budget(10) / 1000,
                           what="the downward dog's picture to load")
        page.get_by_text("Downward dog: the position to get into").first.wait_for(timeout=budget(10))
        ready = page.locator(".st-key-live_setup_ready button").first
        ready.wait_for(timeout=budget(10))
        print(f"set-up step after {time.monotonic() - started:.1f} s")
        assert ready.inner_text().strip() == "Ready"
        assert ready.bounding_box()["height"] >= 70  # type: ignore[index]  # large: pressed from the floor
        assert "Get ready:" not in main.inner_text()
        page.screenshot(path=str(ARTIFACTS / "live-setup.png"))

        # The camera never sees the person side-on: the set-up waits ...
        assert "Set up for Downward dog" in main.inner_text()
        # ... until Ready: the countdown starts, the set-up step (its instruction, picture, button) goes.
        ready.click()
        browser.wait_until(lambda: re.search(r"Get ready: \d", main.inner_text()) is not None, budget(15) / 1000,
                           interval=0.2, what="the countdown after Ready")
        text = main.inner_text()
        assert "Set up for Downward dog" not in text, text[-1500:]
        browser.wait_until(lambda: page.locator(".st-key-live_setup_ready").count() == 0, budget(10) / 1000,
                           what="the Ready button to go (a rerun's old elements leave when it ends)")
        assert "Hold 5 of 5: Downward dog" in text
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(ARTIFACTS / "live-setup-ready.png"))
    print(f"\nset-up browser test: {time.monotonic() - started:.1f} s")
