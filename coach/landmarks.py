"""One frame of pose landmarks: the data every later stage of the pipeline reads.

Left and right always mean the person's anatomical side, never the side of the
screen. MediaPipe's BlazePose model already labels landmarks anatomically, so no
adapter may swap them, and mirroring the live picture never touches this data.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

import numpy as np

NUM_LANDMARKS = 33


class PoseLandmark(IntEnum):
    """Index of each BlazePose landmark (the layout MediaPipe uses)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


#: Body parts that exist on both sides, by their side-free name ("knee").
SIDED_PARTS: tuple[str, ...] = (
    "eye_inner", "eye", "eye_outer", "ear", "shoulder", "elbow", "wrist",
    "pinky", "index", "thumb", "hip", "knee", "ankle", "heel", "foot_index",
)

#: Pairs (left, right) of every sided landmark, used to mirror a pose.
LEFT_RIGHT_PAIRS: tuple[tuple[PoseLandmark, PoseLandmark], ...] = tuple(
    (PoseLandmark[f"LEFT_{part.upper()}"], PoseLandmark[f"RIGHT_{part.upper()}"])
    for part in SIDED_PARTS
) + ((PoseLandmark.MOUTH_LEFT, PoseLandmark.MOUTH_RIGHT),)

#: Bones drawn for the skeleton (pairs of landmark indices).
SKELETON_EDGES: tuple[tuple[PoseLandmark, PoseLandmark], ...] = (
    (PoseLandmark.LEFT_SHOULDER, PoseLandmark.RIGHT_SHOULDER),
    (PoseLandmark.LEFT_HIP, PoseLandmark.RIGHT_HIP),
    (PoseLandmark.LEFT_SHOULDER, PoseLandmark.LEFT_HIP),
    (PoseLandmark.RIGHT_SHOULDER, PoseLandmark.RIGHT_HIP),
    (PoseLandmark.LEFT_SHOULDER, PoseLandmark.LEFT_ELBOW),
    (PoseLandmark.LEFT_ELBOW, PoseLandmark.LEFT_WRIST),
    (PoseLandmark.RIGHT_SHOULDER, PoseLandmark.RIGHT_ELBOW),
    (PoseLandmark.RIGHT_ELBOW, PoseLandmark.RIGHT_WRIST),
    (PoseLandmark.LEFT_HIP, PoseLandmark.LEFT_KNEE),
    (PoseLandmark.LEFT_KNEE, PoseLandmark.LEFT_ANKLE),
    (PoseLandmark.RIGHT_HIP, PoseLandmark.RIGHT_KNEE),
    (PoseLandmark.RIGHT_KNEE, PoseLandmark.RIGHT_ANKLE),
    (PoseLandmark.LEFT_ANKLE, PoseLandmark.LEFT_HEEL),
    (PoseLandmark.LEFT_HEEL, PoseLandmark.LEFT_FOOT_INDEX),
    (PoseLandmark.LEFT_ANKLE, PoseLandmark.LEFT_FOOT_INDEX),
    (PoseLandmark.RIGHT_ANKLE, PoseLandmark.RIGHT_HEEL),
    (PoseLandmark.RIGHT_HEEL, PoseLandmark.RIGHT_FOOT_INDEX),
    (PoseLandmark.RIGHT_ANKLE, PoseLandmark.RIGHT_FOOT_INDEX),
    (PoseLandmark.LEFT_WRIST, PoseLandmark.LEFT_INDEX),
    (PoseLandmark.RIGHT_WRIST, PoseLandmark.RIGHT_INDEX),
    (PoseLandmark.NOSE, PoseLandmark.LEFT_EYE),
    (PoseLandmark.NOSE, PoseLandmark.RIGHT_EYE),
    (PoseLandmark.LEFT_EYE, PoseLandmark.LEFT_EAR),
    (PoseLandmark.RIGHT_EYE, PoseLandmark.RIGHT_EAR),
)


def _as_float_array(value: object, shape: tuple[int, ...], name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"Landmarks.{name} must have shape {shape}, got {array.shape}")
    return array


@dataclass(frozen=True)
class Landmarks:
    """The 33 BlazePose landmarks of one frame.

    Attributes:
        image: (33, 3) normalised image coordinates: x in [0, 1] of the width (to the
            right), y in [0, 1] of the height (downwards), z relative depth on the
            scale of x (smaller is nearer the camera). NaN means "not detected".
        world: (33, 3) metres, origin between the hips, axes aligned with the
            camera: x to the right of the picture, y down, z away from the camera.
        visibility: (33,) likelihood in [0, 1] that the landmark is visible.
        presence: (33,) likelihood in [0, 1] that the landmark is in the frame.
        timestamp_s: when the frame was captured, in seconds (from the source).
        image_size: (width, height) of the analysed picture in pixels.
    """

    image: np.ndarray
    world: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    timestamp_s: float
    image_size: tuple[int, int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "image", _as_float_array(self.image, (NUM_LANDMARKS, 3), "image"))
        object.__setattr__(self, "world", _as_float_array(self.world, (NUM_LANDMARKS, 3), "world"))
        object.__setattr__(
            self, "visibility", _as_float_array(self.visibility, (NUM_LANDMARKS,), "visibility")
        )
        object.__setattr__(
            self, "presence", _as_float_array(self.presence, (NUM_LANDMARKS,), "presence")
        )
        width, height = (int(v) for v in self.image_size)
        if width <= 0 or height <= 0:
            raise ValueError(f"Landmarks.image_size must be positive, got {self.image_size}")
        object.__setattr__(self, "image_size", (width, height))
        object.__setattr__(self, "timestamp_s", float(self.timestamp_s))

    @cached_property
    def pixels(self) -> np.ndarray:
        """(33, 2) image positions in pixels, so angles are not skewed by the aspect ratio."""
        width, height = self.image_size
        return self.image[:, :2] * np.array([width, height], dtype=np.float64)

    @cached_property
    def _confidence(self) -> np.ndarray:
        score = np.minimum(self.visibility, self.presence)
        finite = np.isfinite(self.image).all(axis=1) & np.isfinite(score)
        xy = np.where(np.isfinite(self.image[:, :2]), self.image[:, :2], -1.0)
        inside = ((xy >= -0.02) & (xy <= 1.02)).all(axis=1)
        return np.where(finite & inside, score, 0.0)

    def confidence(self) -> np.ndarray:
        """(33,) the smaller of visibility and presence.

        0 where a coordinate is NaN, and for landmarks outside the picture: the
        model extrapolates those, and nothing outside the frame can be judged.
        """
        return self._confidence

    def replace(self, **changes: object) -> "Landmarks":
        """A copy with some fields changed (the arrays are copied, never shared)."""
        values = {
            "image": self.image.copy(),
            "world": self.world.copy(),
            "visibility": self.visibility.copy(),
            "presence": self.presence.copy(),
            "timestamp_s": self.timestamp_s,
            "image_size": self.image_size,
        }
        values.update(changes)
        return Landmarks(**values)  # type: ignore[arg-type]

    def swapped_sides(self) -> "Landmarks":
        """The same picture with every left landmark relabelled right and vice versa.

        Used by tests and by side-detection: it is *not* what mirroring the display does.
        """
        order = np.arange(NUM_LANDMARKS)
        for left, right in LEFT_RIGHT_PAIRS:
            order[left], order[right] = right, left
        return self.replace(
            image=self.image[order],
            world=self.world[order],
            visibility=self.visibility[order],
            presence=self.presence[order],
        )


def landmark_index(name: str) -> PoseLandmark:
    """Look up a landmark by a case-insensitive name such as "left_knee"."""
    try:
        return PoseLandmark[name.upper()]
    except KeyError:
        raise KeyError(f"unknown landmark {name!r}") from None


def median_landmarks(frames: Sequence[Landmarks]) -> Landmarks:
    """One frame standing for several of the same still position (the start position): each
    coordinate's and confidence's median over them, NaN where none saw it; the last frame's
    time and picture size."""
    if not frames:
        raise ValueError("median_landmarks needs at least one frame")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: no frame saw that landmark
        return frames[-1].replace(**{name: np.nanmedian(np.stack([getattr(f, name) for f in frames]), axis=0)
                                     for name in ("image", "world", "visibility", "presence")})
