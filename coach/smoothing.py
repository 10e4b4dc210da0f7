"""One-euro filter over landmarks, driven by frame timestamps.

Raw MediaPipe angles jump by about ±5° from frame to frame; unfiltered, cues and
the hold timer flicker. The one-euro filter (Casiez et al., CHI 2012) smooths
strongly while a joint is still and lightly while it moves, so it removes jitter
without adding lag to real movement. It uses the time between frames, not a
frame count, because webcam frames arrive at irregular rates and get dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coach.landmarks import Landmarks


@dataclass(frozen=True)
class OneEuroSettings:
    """Tuning of the filter.

    min_cutoff_hz: cut-off when still; lower = smoother but laggier at rest.
    beta: how fast the cut-off rises with speed; higher = less lag when moving.
        The default suits pixel units (landmark jitter of a few pixels, real
        movements of hundreds of pixels per second).
    derivative_cutoff_hz: cut-off used to smooth the speed estimate itself.
    """

    min_cutoff_hz: float = 0.5
    beta: float = 0.007
    derivative_cutoff_hz: float = 1.0

    def __post_init__(self) -> None:
        if self.min_cutoff_hz <= 0 or self.derivative_cutoff_hz <= 0:
            raise ValueError("one-euro cut-off frequencies must be > 0")
        if self.beta < 0:
            raise ValueError("one-euro beta must be >= 0")


def _alpha(cutoff_hz: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Element-wise one-euro filter for an array of any fixed shape.

    NaN inputs pass through as NaN and restart the filter for those elements, so a
    landmark that disappears and comes back does not drag along a stale value.
    """

    def __init__(self, settings: OneEuroSettings | None = None) -> None:
        self.settings = settings or OneEuroSettings()
        self._value: np.ndarray | None = None
        self._speed: np.ndarray | None = None
        self._last_t: float | None = None

    def reset(self) -> None:
        self._value = None
        self._speed = None
        self._last_t = None

    def __call__(self, value: np.ndarray, timestamp_s: float) -> np.ndarray:
        value = np.asarray(value, dtype=np.float64)
        if (
            self._value is None
            or self._last_t is None
            or self._value.shape != value.shape
            or timestamp_s <= self._last_t
        ):
            self._value = value.copy()
            self._speed = np.zeros_like(value)
            self._last_t = timestamp_s
            return value.copy()

        dt = timestamp_s - self._last_t
        self._last_t = timestamp_s
        previous = self._value
        fresh = ~np.isfinite(previous)
        previous = np.where(fresh, value, previous)

        speed = (value - previous) / dt
        a_d = _alpha(self.settings.derivative_cutoff_hz, dt)
        speed = np.where(fresh, 0.0, a_d * speed + (1.0 - a_d) * self._speed)
        cutoff = self.settings.min_cutoff_hz + self.settings.beta * np.abs(speed)
        a = _alpha(cutoff, dt)
        filtered = a * value + (1.0 - a) * previous

        missing = ~np.isfinite(value)
        self._value = np.where(missing, np.nan, filtered)
        self._speed = np.where(missing, 0.0, np.nan_to_num(speed))
        return self._value.copy()


class LandmarkSmoother:
    """Smooths the image and world coordinates of successive `Landmarks` of one stream.

    Visibility and presence are smoothed with a plain exponential average so a
    single low-confidence frame does not flip a check to "not visible".
    A long gap between frames (the person left, or the camera stalled) restarts
    the filter instead of blending two unrelated poses.
    """

    def __init__(
        self,
        settings: OneEuroSettings | None = None,
        world_settings: OneEuroSettings | None = None,
        restart_after_gap_s: float = 1.0,
    ) -> None:
        self._image = OneEuroFilter(settings)
        # World coordinates are metres, so the speed term needs a larger beta.
        self._world = OneEuroFilter(world_settings or OneEuroSettings(min_cutoff_hz=1.0, beta=3.0))
        self._confidence = OneEuroFilter(OneEuroSettings(min_cutoff_hz=2.0, beta=0.0))
        self.restart_after_gap_s = restart_after_gap_s
        self._last_t: float | None = None

    def reset(self) -> None:
        for f in (self._image, self._world, self._confidence):
            f.reset()
        self._last_t = None

    def __call__(self, landmarks: Landmarks) -> Landmarks:
        t = landmarks.timestamp_s
        if self._last_t is not None and t - self._last_t > self.restart_after_gap_s:
            self.reset()
        self._last_t = t
        # Pixels, not normalised units, so the filter's speed term is aspect-independent.
        scale = np.array([*landmarks.image_size, landmarks.image_size[0]], dtype=np.float64)
        image = self._image(landmarks.image * scale, t) / scale
        world = self._world(landmarks.world, t)
        conf = self._confidence(np.stack([landmarks.visibility, landmarks.presence]), t)
        return landmarks.replace(image=image, world=world, visibility=conf[0], presence=conf[1])
