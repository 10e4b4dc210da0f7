"""End to end: a patient shares a live session and their therapist watches it, in real browsers.

Streamlit runs `app.py` with a temporary SQLite database (patient Ann, her therapist drlee,
and drkim, who is not hers); one Chromium with a fake camera (the rendered downward-dog
sample's correct hold, so the hold timer counts) holds three browser contexts, each its own
Streamlit session. The patient logs in, picks the downward dog and turns on "Let my therapist
watch"; a wrong code and the unassigned therapist are refused; drlee opens the Watch page by
its link before the camera is on, then the patient presses START and drlee's video starts by
itself: frames arrive (the <video>'s decoded frame count rises, and they carry the coach's
hold bar), and the Watch panel's held time rises in step with the patient's. The patient ends
sharing: drlee's video stops within a few seconds and the page says so, while the patient's
session carries on.

Skipped when Chromium, the playwright client or the rendered sample is missing.
"""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

import browser  # tests/browser.py (pytest puts tests/ on sys.path)
from coach import settings
from coach.store import accounts
from coach.store.database import open_database

pytest.importorskip("playwright.sync_api", reason="the playwright Python client is not installed")
if browser.chromium_path() is None:
    pytest.skip("chromium is not installed (apt-get install -y chromium chromium-driver)", allow_module_level=True)

SAMPLE = browser.ROOT / "sample_videos" / "downward_dog.mp4"
TRUTH = browser.ROOT / "sample_videos" / "downward_dog.truth.json"
PASSWORD = "correct horse battery"
TEST_BUDGET_S = 150.0
HELD_RE = re.compile(r"(\d+\.\d) s held of")
FRAMES_JS = "v => v.getVideoPlaybackQuality().totalVideoFrames"
GRAB_JS = """v => {
  if (!v.videoWidth) return null;
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  c.getContext('2d').drawImage(v, 0, 0);
  return c.toDataURL('image/png');
}"""


def hold_bar_visible(rgb: np.ndarray) -> bool:
    """The coach's hold bar (see tests/test_live_browser.py): a flat dark-grey strip near the top."""
    height, width = rgb.shape[:2]
    unit = height / 480.0
    strip = rgb[int(38 * unit):int(48 * unit), int(0.62 * width):int(0.95 * width)].astype(float)
    return bool(strip.size) and abs(strip.mean() - 70.0) < 20.0 and strip.std() < 14.0


def camera_frames() -> tuple[list[np.ndarray], int]:
    if not (SAMPLE.is_file() and TRUTH.is_file()):
        pytest.skip("the rendered downward-dog sample is missing (make samples)")
    truth = json.loads(TRUTH.read_text())
    hold = next(p for p in truth["phases"] if p["name"] == "correct")
    start, end = hold["start_s"] + 0.5, min(hold["end_s"] - 0.5, hold["start_s"] + 6.5)
    return browser.video_clip(SAMPLE, start, end), int(round(truth.get("fps", 12)))


def make_clinic(url: str) -> None:
    db = open_database(url)
    try:
        ann = accounts.add_patient(db, "Ann Example", "ann", PASSWORD)
        lee = accounts.add_therapist(db, "drlee", PASSWORD)
        accounts.add_therapist(db, "drkim", PASSWORD)
        accounts.assign(db, lee.id, ann.id)
    finally:
        db.close()


def log_in(page: Any, username: str, then: str, timeout: float) -> None:
    """Log in, and wait for the text the page then shows."""
    browser.log_in(page, username, PASSWORD, page.get_by_text(then).first, timeout)


def held(page: Any) -> float | None:
    """The held seconds the page's panel shows now (None: no hold timer on screen)."""
    found = HELD_RE.search(page.locator("[data-testid='stMain']").inner_text())
    return float(found.group(1)) if found else None


def frames(page: Any) -> int:
    return int(page.frame_locator("iframe[title*='webrtc']").locator("video").evaluate(FRAMES_JS))


def test_a_therapist_watches_a_shared_live_session(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    started = time.monotonic()

    def budget(most: float) -> float:
        left = TEST_BUDGET_S - (time.monotonic() - started)
        assert left > 0, "the browser test ran over its time budget"
        return min(most, left)

    clip, fps = camera_frames()
    y4m = browser.write_y4m(tmp_path / "camera.y4m", clip, fps=fps)
    db_url = f"sqlite:///{tmp_path / 'clinic.db'}"
    make_clinic(db_url)
    env = {settings.DATA_DIR_ENV: str(tmp_path / "data"), settings.DATABASE_URL_ENV: db_url}
    executable = browser.chromium_path()
    assert executable is not None

    with browser.streamlit_server(env, log_path=tmp_path / "streamlit.log") as url, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, headless=True,
                                      args=[*browser.CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={y4m}"])
        try:
            viewport = {"width": 1400, "height": 1100}
            patient = chromium.new_context(viewport=viewport).new_page()
            lee = chromium.new_context(viewport=viewport).new_page()
            kim = chromium.new_context(viewport=viewport).new_page()

            # The patient logs in, picks the downward dog and shares (the camera still off).
            patient.goto(url)
            patient.get_by_text("Log in, so your sessions are saved for your therapist").click()
            log_in(patient, "ann", "Logged in as Ann Example.", budget(30))
            browser.open_live_setup(patient)
            browser.choose_one_stretch(patient, "Downward dog", timeout_ms=budget(15) * 1000)
            browser.close_live_setup(patient)
            patient.get_by_role("button", name="Let my therapist watch").click()
            banner = patient.get_by_text("Your therapist drlee can watch")
            banner.wait_for(timeout=budget(15) * 1000)
            code = browser.wait_until(
                lambda: re.search(r"code ([2-9A-Z]{8})", patient.locator("[data-testid='stMain']").inner_text()),
                budget(10), what="the share code").group(1)

            # The therapist opens the link (and logs in): a wrong code first, then the right one typed in.
            lee.goto(f"{url}/watch?watch=wrong123")
            log_in(lee, "drlee", "No live session is shared with the code WRONG123", budget(30))
            lee.get_by_role("textbox", name="Share code").fill(code)
            lee.get_by_role("textbox", name="Share code").press("Enter")
            lee.get_by_text("Watching Ann Example live.").wait_for(timeout=budget(20) * 1000)
            lee.get_by_text("The patient's camera is off").wait_for(timeout=budget(10) * 1000)

            # Another therapist, not Ann's, gets a refusal and no video.
            kim.goto(f"{url}/watch?watch={code}")
            log_in(kim, "drkim", "you are not assigned to this patient", budget(30))
            assert kim.locator("iframe[title*='webrtc']").count() == 0
            assert "Ann Example" not in kim.locator("[data-testid='stMain']").inner_text()

            # The patient starts the camera: drlee's video starts by itself and shows the coach's output.
            browser.start_camera(patient, timeout=budget(40))
            browser.wait_until(lambda: held(patient) is not None and held(patient) > 0.5, budget(40),  # type: ignore[operator]
                               what="the patient's hold timer to count")
            lee.frame_locator("iframe[title*='webrtc']").locator("video").wait_for(timeout=budget(30) * 1000)
            connected = time.monotonic()
            first = browser.wait_until(lambda: frames(lee), budget(30), what="drlee's first frames")
            browser.wait_until(lambda: frames(lee) > first + 20, budget(20), what="drlee's frame count to rise")
            print(f"drlee: first frames {time.monotonic() - connected:.1f} s after the video element")

            def annotated() -> bool:
                data = lee.frame_locator("iframe[title*='webrtc']").locator("video").evaluate(GRAB_JS)
                if not data:
                    return False
                raw = np.frombuffer(base64.b64decode(data.split(",", 1)[1]), np.uint8)
                return hold_bar_visible(cv2.cvtColor(cv2.imdecode(raw, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))

            browser.wait_until(annotated, budget(15), what="the coach's hold bar in drlee's video")

            # The Watch panel's held time rises in step with the patient's.
            pairs = []
            deadline = time.monotonic() + budget(15)
            while time.monotonic() < deadline and len(pairs) < 4:
                mine, theirs = held(patient), held(lee)
                if mine is not None and theirs is not None:
                    pairs.append((mine, theirs))
                lee.wait_for_timeout(1000)
            assert len(pairs) >= 3, pairs
            assert pairs[-1][1] > pairs[0][1] + 1.5, f"drlee's held time does not rise: {pairs}"
            assert all(abs(mine - theirs) < 3.0 for mine, theirs in pairs), f"held times out of step: {pairs}"
            lee_status = lee.locator("[data-testid='stMain']").inner_text()
            assert "Hold 1 of 1: Downward dog" in lee_status
            patient.get_by_text("Watching now: drlee").wait_for(timeout=budget(10) * 1000)

            # The patient ends sharing: drlee's video stops within a few seconds, the page says so.
            ended_at = time.monotonic()
            patient.get_by_role("button", name="End sharing").click()
            patient.get_by_text("You ended sharing").wait_for(timeout=budget(15) * 1000)
            lee.get_by_text("This share has ended: The patient ended sharing.").wait_for(timeout=budget(10) * 1000)
            stopped_after = time.monotonic() - ended_at

            def stopped() -> bool:
                videos = lee.frame_locator("iframe[title*='webrtc']").locator("video")
                if videos.count() == 0:
                    return True  # the component is gone from the page
                before = videos.evaluate(FRAMES_JS)
                lee.wait_for_timeout(1000)
                return bool(videos.evaluate(FRAMES_JS) == before)

            browser.wait_until(stopped, budget(8), interval=0.1, what="drlee's video to stop")
            print(f"drlee's stream stopped {time.monotonic() - ended_at:.1f} s after End sharing "
                  f"(page said so after {stopped_after:.1f} s)")

            # The patient's session carries on.
            before = held(patient)
            assert before is not None
            patient_frames = frames(patient)
            browser.wait_until(lambda: frames(patient) > patient_frames + 10, budget(10),
                               what="the patient's video to go on")
            browser.wait_until(lambda: (held(patient) or 0.0) > before + 1.0, budget(10),
                               what="the patient's hold to go on counting")
            assert "Session ended" not in patient.locator("[data-testid='stMain']").inner_text()
        finally:
            chromium.close()
    print(f"test took {time.monotonic() - started:.1f} s")
