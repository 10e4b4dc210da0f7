"""Shared fixtures: real pictures and real video files built from them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from coach.video_writer import AnnotatedVideoWriter

DATA = Path(__file__).parent / "data"

#: Test modules that need the machine to themselves: a real browser against a real app server
#: (waits bounded in seconds), or a child process stopped at a moment (Ctrl-C mid-analysis, a
#: hung model process). `make test` runs them one at a time after the rest, which it runs two
#: at a time (pytest-xdist); under a second busy process their waits were seen to run out.
SERIAL_MODULES = frozenset({
    "test_analyze_safety", "test_deploy", "test_estimator_process", "test_live_browser", "test_live_faults",
    "test_localhost_only", "test_no_script_from_data", "test_oidc_browser", "test_patient_to_therapist",
    "test_pause_browser", "test_setup_browser", "test_watch_browser",
})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests of `SERIAL_MODULES` serial (before `-m` selects by marks)."""
    for item in items:
        if item.path.stem in SERIAL_MODULES:
            item.add_marker(pytest.mark.serial)


@pytest.fixture(scope="session")
def astronaut_rgb() -> np.ndarray:
    """A real photo of a person (public domain, see tests/data/README.md)."""
    bgr = cv2.imread(str(DATA / "astronaut.jpg"))
    assert bgr is not None, "tests/data/astronaut.jpg is missing"
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def moving_frames(photo: np.ndarray, count: int, size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """The photo sliding slowly across a dark frame: a short, real-looking clip."""
    width, height = size
    side = min(height, width)
    scaled = cv2.resize(photo, (side, side), interpolation=cv2.INTER_AREA)
    frames = []
    for i in range(count):
        canvas = np.full((height, width, 3), 30, np.uint8)
        x = min(width - side, 20 + 2 * i)
        canvas[:, x : x + side] = scaled
        frames.append(canvas)
    return frames


@pytest.fixture(scope="session")
def astronaut_video(tmp_path_factory: pytest.TempPathFactory, astronaut_rgb: np.ndarray) -> Path:
    """A 2 s, 15 fps H.264 MP4 of the astronaut photo."""
    path = tmp_path_factory.mktemp("videos") / "astronaut.mp4"
    with AnnotatedVideoWriter(path, 15, (640, 480)) as writer:
        for frame in moving_frames(astronaut_rgb, 30):
            writer.write(frame)
    return path
