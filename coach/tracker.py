"""One stretch on one side, frame by frame: smoothing -> verdict -> hold timer -> cue.

This is the engine's per-frame entry point; the live page, `coach analyze` and
the routine runner all go through it, so they judge a pose identically.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from coach.feedback import CueSelector
from coach.hold import HoldSettings, HoldSnapshot, HoldState, HoldTimer
from coach.landmarks import Landmarks
from coach.measurements import Side
from coach.smoothing import LandmarkSmoother, OneEuroSettings
from coach.stretches import Stretch
from coach.verdicts import FrameVerdict, StretchEvaluator


@dataclass(frozen=True)
class TrackerSettings:
    """Tuning shared by every tracker of a session."""

    smoothing: OneEuroSettings | None = field(default_factory=OneEuroSettings)
    settle_s: float = 0.5
    absence_reset_s: float = 10.0
    max_frame_gap_s: float = 1.0
    #: A stretch's start position is waited for at most this long (then the hold begins anyway:
    #: nobody is kept waiting, e.g. a patient who sat down with the legs already crossed).
    start_timeout_s: float = 10.0


@dataclass(frozen=True)
class TrackerUpdate:
    """Everything known after one frame."""

    landmarks: Landmarks | None
    verdict: FrameVerdict
    hold: HoldSnapshot
    #: The cue to show and say: the verdict's cue, kept steady by `CueSelector`.
    cue: str | None = None


class StretchTracker:
    """Judges and times one stretch on one side of one video stream."""

    def __init__(
        self,
        stretch: Stretch,
        side: Side | None,
        hold_seconds: float | None = None,
        settings: TrackerSettings | None = None,
    ) -> None:
        settings = settings or TrackerSettings()
        self.stretch = stretch
        self.side = side if stretch.has_sides else None
        self.evaluator = StretchEvaluator(stretch, self.side)
        self.smoother = LandmarkSmoother(settings.smoothing) if settings.smoothing else None
        self.timer = HoldTimer(
            HoldSettings(
                target_s=hold_seconds or stretch.hold_seconds,
                settle_s=settings.settle_s,
                absence_reset_s=settings.absence_reset_s,
                max_frame_gap_s=settings.max_frame_gap_s,
            )
        )
        self.cues = CueSelector()
        self.cue_seconds: Counter[str] = Counter()
        self._last_t: float | None = None
        self._last_cue: str | None = None
        self._judged: tuple[Landmarks | None, float, TrackerUpdate] | None = None

    def update(self, landmarks: Landmarks | None, timestamp_s: float, count_time: bool = True) -> TrackerUpdate:
        """Process one frame. ``landmarks=None`` means nobody was found in it.

        With ``count_time=False`` the pose is judged (cues still show) but the hold
        timer does not run, e.g. during the countdown before a hold. The same frame given
        twice (a phase that ends on this frame hands it to the next) is judged once.
        """
        given = landmarks
        if self._judged is not None and self._judged[0] is given and self._judged[1] == timestamp_s:
            landmarks, verdict, cue = self._judged[2].landmarks, self._judged[2].verdict, self._judged[2].cue
        else:
            if landmarks is not None and self.smoother is not None:
                landmarks = self.smoother(landmarks)
            elif landmarks is None and self.smoother is not None:
                self.smoother.reset()
            verdict = self.evaluator.evaluate(landmarks, timestamp_s)
            cue = self.cues.select(verdict)
        if count_time:
            if self._last_t is not None and self._last_cue and timestamp_s > self._last_t:
                self.cue_seconds[self._last_cue] += min(timestamp_s - self._last_t, 1.0)
            self._last_t, self._last_cue = timestamp_s, cue
            hold = self.timer.update(timestamp_s, verdict.correct, verdict.person_visible)
        else:
            hold = self.timer.snapshot()
        update = TrackerUpdate(landmarks, verdict, hold, cue)
        self._judged = (given, timestamp_s, update)
        return update

    @property
    def complete(self) -> bool:
        return self.timer.state is HoldState.COMPLETE
