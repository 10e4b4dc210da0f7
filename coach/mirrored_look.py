"""A second reading of the same frame, mirrored left to right, averaged with the first.

Why: from the front, with legs crossed, MediaPipe's mistakes are not symmetric. It may
draw a crossed ankle hanging under its own knee in a picture and lying across the
other thigh in the mirror image of that picture. Mirroring the frame, reading it,
mirroring the landmarks back and averaging the two readings halves such one-sided
mistakes (a standard test-time flip in pose estimation). It does not favour any
verdict: both readings are weighed equally, whatever they say.

Measured on the wide render set (2026-12-06, IMAGE mode, the stretch files unchanged):
correct seated twists accepted 82 -> 87 of 91 on the test part, wrong ones 5 of 82 either
way; correct figure-4s 79 -> 82 of 87 on the calibration part and 71 -> 74 of 85 on the
test part, wrong ones +1 (calibration) and +2 (test) of 139 and 89. Downward dog, seen
side-on: no gain (72 -> 71 of 77), so it is used for stretches seen from the front
(`Stretch.mirrored_look`). It costs a second pass of the pose model per frame.
"""

from __future__ import annotations

import numpy as np

from coach.landmarks import Landmarks
from coach.leg_identity import matched_legs


def mirror_frame(frame_rgb: np.ndarray) -> np.ndarray:
    """The frame flipped left to right (a new, contiguous array)."""
    return np.ascontiguousarray(frame_rgb[:, ::-1])


def unmirror(landmarks: Landmarks) -> Landmarks:
    """Landmarks read on a mirrored frame, put back on the frame as it was.

    x flips in the picture (normalised) and in the world (metres, about the hips), and
    every left landmark becomes the right one: the mirror image of a left knee is a
    right knee.
    """
    image = landmarks.image.copy()
    image[:, 0] = 1.0 - image[:, 0]
    world = landmarks.world.copy()
    world[:, 0] = -world[:, 0]
    return landmarks.replace(image=image, world=world).swapped_sides()


def average_readings(first: Landmarks, second: Landmarks) -> Landmarks:
    """The mean of two readings of one frame (the second's legs labelled like the first's).

    When the two readings disagree about which leg is which, averaging them as labelled
    would put both legs in the middle; the second's leg chains are matched to the
    first's instead, and the leg identity downstream handles the first's labels as usual.
    """
    second = matched_legs(second, first)
    return first.replace(
        image=(first.image + second.image) / 2.0,
        world=(first.world + second.world) / 2.0,
        visibility=(first.visibility + second.visibility) / 2.0,
        presence=(first.presence + second.presence) / 2.0,
    )
