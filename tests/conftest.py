"""Shared fixtures: real pictures and real video files built from them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from coach.video_writer import AnnotatedVideoWriter

DATA = Path(__file__).parent / "data"


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
