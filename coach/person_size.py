"""How tall the person is in the picture the pose model reads, and whether a stretch can be
read well at that size.

MediaPipe reads a crossed leg worse when the person is small in the picture: on the wide render
set, correct figure-4s were accepted 72 % of the time below 130 px tall and 93 % from 145 px
(README). A stretch file's ``min_person_height_px`` says from what height its checks are
reliable; the Review page and ``coach analyze`` tell a smaller person to record closer
(`small_person_note`), the Live page to come closer. The rule is here, once.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Mapping

import numpy as np

from coach.estimator import EstimatorOptions
from coach.landmarks import Landmarks
from coach.stretches import Stretch

#: Frames larger than this (longest side) are downscaled before the pose model reads them
#: (`EstimatorOptions.max_inference_side`): the height that matters is the one it reads.
INFERENCE_SIDE = EstimatorOptions.max_inference_side
#: The Live page judges the person's height over this many seconds of frames (median), so
#: that a hint near the limit does not flicker with the model's jitter.
WINDOW_S = 2.0


def person_height_px(landmarks: Landmarks, inference_side: int = INFERENCE_SIDE) -> float:
    """Head to feet in the picture the pose model read, in pixels: the vertical extent of the
    landmarks (NaN when none is placed)."""
    heights = landmarks.pixels[:, 1]
    heights = heights[np.isfinite(heights)]
    if not heights.size:
        return math.nan
    scale = min(1.0, inference_side / max(landmarks.image_size))
    return float(np.ptp(heights)) * scale


def too_small(stretch: Stretch, height_px: float | None) -> bool:
    """The person is smaller in the picture than the stretch needs to be read reliably
    (False when the stretch sets no limit or the height is not known)."""
    limit = stretch.min_person_height_px
    return limit is not None and height_px is not None and math.isfinite(height_px) and height_px < limit


def small_person_note(stretch: Stretch, height_px: float | None) -> str | None:
    """What to tell someone who was smaller in a recorded session (a video, a live session's log)
    than the stretch needs to be read well (their median height, `person_height_px`); None when
    they were not, or it is not known."""
    if height_px is None or not too_small(stretch, height_px):
        return None
    return (f"You were about {height_px:.0f} px tall in the picture: the {stretch.name.lower()} is read less "
            f"reliably below about {stretch.min_person_height_px:.0f} px. Next time, be closer to the camera or "
            "use a larger picture size, if you can.")


class HeightsSeen:
    """The person's height in the picture on every judged frame of a session, by stretch: what a
    recorded session (a video's analysis, a live session's log) says about it afterwards."""

    def __init__(self) -> None:
        self._by_stretch: dict[str, list[float]] = defaultdict(list)

    def add(self, stretch_id: str, landmarks: Landmarks) -> None:
        height = person_height_px(landmarks)
        if math.isfinite(height):
            self._by_stretch[stretch_id].append(height)

    def median(self) -> float | None:
        """Over every judged frame (None: nobody was seen)."""
        every = [h for heights in self._by_stretch.values() for h in heights]
        return round(float(np.median(every)), 1) if every else None

    def notes(self, stretches: Mapping[str, Stretch]) -> list[str]:
        """`small_person_note` for each stretch judged, from the person's median height while it was."""
        return [note for sid, heights in self._by_stretch.items() if sid in stretches
                and (note := small_person_note(stretches[sid], float(np.median(heights))))]


class RecentHeight:
    """The person's median height over the last `WINDOW_S` seconds of frames (frame timestamps)."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._heights: deque[tuple[float, float]] = deque()

    def update(self, landmarks: Landmarks | None, t: float) -> float | None:
        """Add this frame (nobody found: nothing added) and return the median (None: nobody
        seen within the window)."""
        if landmarks is not None:
            height = person_height_px(landmarks)
            if math.isfinite(height):
                self._heights.append((t, height))
        while self._heights and t - self._heights[0][0] > self.window_s:
            self._heights.popleft()
        return float(np.median([h for _, h in self._heights])) if self._heights else None


__all__ = ["INFERENCE_SIDE", "HeightsSeen", "RecentHeight", "WINDOW_S", "person_height_px", "small_person_note",
           "too_small"]
