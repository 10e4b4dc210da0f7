"""Which known stretch a video shows, for the Review page's picker (issue 14: it defaulted to the
downward dog whatever the video showed).

Frames spread over the video (the person gets into the stretch after the first seconds, so
not only the start) go through the pose model, each looked at afresh; on each, every stretch's gates (the shape of
the stretch, `role = "gate"` in its file) are judged on each side. The stretch whose gates
hold on the most frames is the guess, with the side that held most. No guess when no stretch's
gates held on at least `MIN_SHARE` of the frames with a person: the page then says so.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coach.estimator import EstimatorOptions, PoseEstimator
from coach.landmarks import Landmarks
from coach.person_size import person_height_px
from coach.sources import VideoFileSource
from coach.stretches import Library, Stretch
from coach.verdicts import CheckStatus, StretchEvaluator

#: Frames judged, spread evenly over the video.
SAMPLES = 24
#: Frames looked at in a row at each sample, judged on the last. The tracker carried over
#: from half a second before follows the region the person was in then (a rendered downward
#: dog sampled frame by frame was tracked as its hands-and-knees start throughout: 0 of 26
#: frames judged a dog); a single fresh detection reads worse than a tracked one (10 of 26,
#: where 17 were held); a fresh detection and two tracked frames read 16.
LOOK_FRAMES = 3
#: The guessed stretch's gates must hold on at least this share of the frames with a person.
MIN_SHARE = 0.2


@dataclass(frozen=True)
class StretchGuess:
    stretch_id: str | None  # None: no known stretch fits
    side: str | None
    #: Frames with a person on which each stretch's gates held (on its better side).
    votes: dict[str, int] = field(default_factory=dict)
    frames_with_person: int = 0
    #: The person's median height in the picture, head to feet (None: nobody found).
    person_height_px: float | None = None


def _sides_that_fit(stretch: Stretch, landmarks: Landmarks) -> list[str | None]:
    """The sides on which the stretch's gates hold; when both do (a leg misread in the
    crossing), the one that also meets more depth targets (the twist turned its way)."""
    fits: list[tuple[int, str | None]] = []
    for side in ("right", "left") if stretch.has_sides else (None,):
        verdict = StretchEvaluator(stretch, side, check_other_side=False).evaluate(landmarks)  # type: ignore[arg-type]
        if verdict.correct:
            fits.append((sum(check.status is CheckStatus.OK for check in verdict.checks), side))
    best = max((met for met, _ in fits), default=0)
    return [side for met, side in fits if met == best]


def guess_from_landmarks(frames: list[Landmarks], library: Library) -> StretchGuess:
    """The stretch (and side) whose gates hold on the most of these frames."""
    votes: Counter[str] = Counter()
    sides: dict[str, Counter[str]] = {sid: Counter() for sid in library.stretches}
    for landmarks in frames:
        for sid, stretch in library.stretches.items():
            held = _sides_that_fit(stretch, landmarks)
            if held:
                votes[sid] += 1
                sides[sid].update(s for s in held if s is not None)
    counts = {sid: votes.get(sid, 0) for sid in library.stretches}
    heights = [h for h in map(person_height_px, frames) if math.isfinite(h)]
    height = float(np.median(heights)) if heights else None
    if not frames or not votes:
        return StretchGuess(None, None, counts, len(frames), height)
    best, count = votes.most_common(1)[0]
    if count < max(1, MIN_SHARE * len(frames)) or list(votes.values()).count(count) > 1:
        return StretchGuess(None, None, counts, len(frames), height)  # too few frames, or a tie
    side_votes = sides[best].most_common(2)
    side = side_votes[0][0] if side_votes and (len(side_votes) == 1 or side_votes[0][1] > side_votes[1][1]) else None
    return StretchGuess(best, side, counts, len(frames), height)


def guess_stretch(path: str | Path, library: Library, samples: int = SAMPLES,
                  model: str | None = None) -> StretchGuess:
    """Guess from `samples` frames spread over the video at `path` (raises `VideoError` as
    `VideoFileSource` does; a pose model that cannot load raises its own error)."""
    source = VideoFileSource(path)
    step = max(1, source.info.frame_count // samples)
    judged_at = min(LOOK_FRAMES, step) - 1
    found: list[Landmarks] = []
    with PoseEstimator(EstimatorOptions(model=model, census_poses=0)) as estimator:
        for frame in source:
            offset = frame.index % step
            if offset == 0:
                estimator.reset_tracking()
            if offset > judged_at:
                continue
            result = estimator.process(frame.rgb, frame.timestamp_s)
            if offset == judged_at and result.landmarks is not None:
                found.append(result.landmarks)
    return guess_from_landmarks(found, library)
