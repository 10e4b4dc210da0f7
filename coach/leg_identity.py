"""Which leg is which: undo MediaPipe's left/right leg swaps by continuity.

With crossed legs (the figure-4, the seated twist) MediaPipe sometimes labels the
left leg's knee, ankle, heel and toes as the right leg's and vice versa, for a few
frames (7 of 138 held-out rendered stills with crossed legs came out swapped). A
swapped frame reads as the wrong leg crossed and would stop the hold, yet the
person has not moved. Legs do not jump: a leg chain is where it was a frame ago.
So each frame's two leg chains are matched to the previous frame's (straight or
crosswise, whichever is much closer), and a crosswise match is relabelled. The
hips are not part of the chains: MediaPipe keeps them apart even with legs crossed; when
the hips swap too, the model relabelled the whole body (which way the person faces), and
that is not undone here.

Continuity carries an identity; the start position gives it: sitting tall (or on
hands and knees), each knee is near its own hip, so `anchor` labels the chains by
the hips while the person is seen there. Corrections are silent (no cue; the
person did nothing wrong) and counted for the session log.
"""

from __future__ import annotations

import numpy as np

from coach.landmarks import Landmarks
from coach.landmarks import PoseLandmark as L

#: The leg chains whose labels MediaPipe swaps, (left, right) pairs.
LEG_PAIRS: tuple[tuple[L, L], ...] = (
    (L.LEFT_KNEE, L.RIGHT_KNEE),
    (L.LEFT_ANKLE, L.RIGHT_ANKLE),
    (L.LEFT_HEEL, L.RIGHT_HEEL),
    (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX),
)
#: A crosswise match must be at most this fraction of the straight one ("much closer").
SWAP_RATIO = 0.5
#: ... and closer by at least this many trunk lengths per point, so jitter of legs lying on
#: top of each other (side-on, both legs in one place) never relabels them.
SWAP_MARGIN_TORSO = 0.1
#: Frames further apart than this are not compared (the person may have moved anyhow).
MAX_GAP_S = 1.0

_LEFT = np.array([left for left, _ in LEG_PAIRS])
_RIGHT = np.array([right for _, right in LEG_PAIRS])


def swap_legs(landmarks: Landmarks) -> Landmarks:
    """The frame with the left and right leg chains (knee to toes) exchanged."""
    order = np.arange(len(landmarks.visibility))
    order[_LEFT], order[_RIGHT] = _RIGHT, _LEFT
    return landmarks.replace(image=landmarks.image[order], world=landmarks.world[order],
                             visibility=landmarks.visibility[order], presence=landmarks.presence[order])


def _torso_px(landmarks: Landmarks) -> float:
    pixels = landmarks.pixels
    shoulders = (pixels[L.LEFT_SHOULDER] + pixels[L.RIGHT_SHOULDER]) / 2
    hips = (pixels[L.LEFT_HIP] + pixels[L.RIGHT_HIP]) / 2
    length = float(np.linalg.norm(shoulders - hips))
    return length if np.isfinite(length) else 0.0


def _crosswise(left_now: np.ndarray, right_now: np.ndarray, left_ref: np.ndarray, right_ref: np.ndarray,
               margin_px: float) -> bool:
    """Matching the new points crosswise is much closer to the reference than straight."""
    straight = np.linalg.norm(left_now - left_ref, axis=-1) + np.linalg.norm(right_now - right_ref, axis=-1)
    cross = np.linalg.norm(left_now - right_ref, axis=-1) + np.linalg.norm(right_now - left_ref, axis=-1)
    usable = np.isfinite(straight) & np.isfinite(cross)
    if not usable.any() or margin_px < 0:
        return False
    straight_sum, cross_sum = float(straight[usable].sum()), float(cross[usable].sum())
    return cross_sum < SWAP_RATIO * straight_sum and straight_sum - cross_sum > 2 * margin_px * usable.sum()


class LegIdentity:
    """Carries each leg's identity from frame to frame of one stream; one per session.

    Call it on every frame before anything is measured; it returns the frame with the
    leg chains labelled as in the frame before. `swapped` says whether the last frame
    was relabelled; `swaps` counts relabelled frames.
    """

    def __init__(self) -> None:
        self._previous: Landmarks | None = None
        self.swapped = False
        self.swaps = 0

    def reset(self) -> None:
        """Forget the last frame (nobody in view, a long gap): the next is taken as labelled."""
        self._previous = None
        self.swapped = False

    def __call__(self, landmarks: Landmarks | None) -> Landmarks | None:
        if landmarks is None:
            self.reset()
            return None
        previous = self._previous
        self.swapped = False
        if previous is not None and 0 <= landmarks.timestamp_s - previous.timestamp_s <= MAX_GAP_S:
            now, ref = landmarks.pixels, previous.pixels
            margin = SWAP_MARGIN_TORSO * _torso_px(landmarks)
            hips = [L.LEFT_HIP], [L.RIGHT_HIP]
            whole_body = _crosswise(now[hips[0]], now[hips[1]], ref[hips[0]], ref[hips[1]], 0.0)
            if margin > 0 and not whole_body and _crosswise(now[_LEFT], now[_RIGHT], ref[_LEFT], ref[_RIGHT], margin):
                landmarks = swap_legs(landmarks)
                self.swapped = True
                self.swaps += 1
        self._previous = landmarks
        return landmarks

    def anchor(self) -> bool:
        """The person is in the start position (legs uncrossed): label the last frame's
        leg chains by the hips, each knee belonging to the hip it is much nearer.

        Returns whether that relabelled it (then the frames after follow the hips).
        """
        last = self._previous
        if last is None:
            return False
        pixels = last.pixels
        knees = pixels[[L.LEFT_KNEE, L.RIGHT_KNEE]]
        hips = pixels[[L.LEFT_HIP, L.RIGHT_HIP]]
        margin = SWAP_MARGIN_TORSO * _torso_px(last)
        if margin <= 0 or not _crosswise(knees[:1], knees[1:], hips[:1], hips[1:], margin):
            return False
        self._previous = swap_legs(last)
        self.swaps += 1
        return True
