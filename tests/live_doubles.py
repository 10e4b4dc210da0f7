"""Test doubles for the live coach: a scripted pose estimator and timestamped frames.

The estimator is the one thing replaced (no model, no camera); the engine, the routine and
the session log are the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from coach.estimator import PoseResult
from coach.live import LiveCoach


@dataclass
class ScriptedEstimator:
    """A pose estimator double that returns prepared landmarks (no model, no camera)."""

    landmarks: Any
    closed: bool = False

    def process(self, rgb: np.ndarray, t: float) -> PoseResult:
        assert rgb.ndim == 3 and rgb.shape[2] == 3
        return PoseResult(self.landmarks(t) if callable(self.landmarks) else self.landmarks, 1)

    def close(self) -> None:
        self.closed = True


def correct_figure_four(t: float) -> Any:
    synthetic = pytest.importorskip("synthetic_cases")
    from coachlab.synthetic.body import BodyProportions

    body = BodyProportions.average_female()
    return synthetic.landmarks_for(synthetic.CORRECT["seated_figure_four"](body), body, "seated_figure_four",
                                   "right", timestamp_s=t)


def feed(coach: LiveCoach, seconds: float, fps: float = 10.0, start: float = 100.0,
         size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """Frames with timestamps (like frame.time), starting at an arbitrary stream time."""
    out = None
    for i in range(int(seconds * fps)):
        frame = np.full((size[1], size[0], 3), 40, np.uint8)
        out = coach.process_rgb(frame, start + i / fps)
    assert out is not None
    return out


def live_page_for(coach: LiveCoach, stretch_id: str = "seated_figure_four", side: str | None = "right") -> Any:
    """The whole app on the Live page, run once with `coach` as this browser session's coach and
    the page's choice set to what the coach runs (a different choice would switch the coach)."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=30)
    at.session_state["live_coach"] = coach
    at.session_state["live_mode"] = "One stretch"
    at.session_state["live_stretch"] = stretch_id
    if side is not None:
        at.session_state["live_side"] = side
    at.run()
    return at
