"""Verdicts: compare one frame's measurements with a stretch's targets.

Per check: ok, too low, too high, not visible, or unjudged (a check measured against
the person's own start position, when that was not seen). Overall: correct only when every
gate (the shape of the stretch) is ok and visible, or unjudged; depth checks (how far) are
judged and cued but never make a frame incorrect. The single cue a person hears
is the one of the most important failing gate, or a request to get the missing
body parts into view; when every gate holds, an encouraging cue of the most
important depth check not yet reached (the hold still counts). When this side's
gates fail but the other side's all hold, the cue says the person is doing the
other side. Hysteresis (enter tight, exit loose) lives here, so the verdict does
not flicker when a joint sits on the edge of its range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum

import numpy as np

from coach.landmarks import Landmarks, median_landmarks
from coach.measurements import (
    START_SCALE,
    BodyContext,
    Side,
    against_start,
    measure,
    nearer_side,
    parse_point,
    point_confidence,
    resolve_point,
    with_points_from,
)
from coach.stretches import Check, Role, Stretch, fill_sides

NOT_IN_FRAME_CUE = "Step into view so the camera can see your whole body"
#: Once a check's landmarks are seen, they count as seen down to this much below the threshold.
VISIBILITY_HYSTERESIS = 0.15


class CheckStatus(str, Enum):
    OK = "ok"
    TOO_LOW = "too_low"
    TOO_HIGH = "too_high"
    NOT_VISIBLE = "not_visible"
    #: Measured against the person's own start position (``scale = "start"``), which was not
    #: seen (the hold began from the stretch itself, or the start position timed out). It
    #: does not stop the hold: the coach cannot tell, so it does not claim a mistake.
    UNJUDGED = "unjudged"


#: The statuses that do not stop the hold.
PASSING_STATUSES = frozenset({CheckStatus.OK, CheckStatus.UNJUDGED})


@dataclass(frozen=True)
class CheckVerdict:
    """The outcome of one check on one frame."""

    check_id: str
    status: CheckStatus
    value: float
    cue: str | None
    score: float
    priority: int
    role: Role
    missing_parts: tuple[str, ...] = ()
    #: Landmark indices the check looks at (for colouring the skeleton).
    joints: tuple[int, ...] = ()
    #: For angle checks, the landmark at the vertex (where to print the angle).
    vertex: int | None = None

    @property
    def ok(self) -> bool:
        return self.status is CheckStatus.OK

    @property
    def passes(self) -> bool:
        """Does not stop the hold: ok, or not judgeable without the start position."""
        return self.status in PASSING_STATUSES

    @property
    def gate(self) -> bool:
        return self.role == "gate"


@dataclass(frozen=True)
class FrameVerdict:
    """The outcome of all checks on one frame, and the cue to give."""

    timestamp_s: float
    side: Side | None
    person_visible: bool
    checks: tuple[CheckVerdict, ...]
    #: Every gate holds: the hold counts.
    correct: bool
    score: int
    #: The one cue: a failing gate's (or the wrong-side cue) when not correct; when
    #: correct, an encouraging depth cue or None.
    cue: str | None
    #: Every depth check is reached (True when the stretch has none). Never affects `correct`.
    depth_met: bool = True
    #: This side's gates fail but the other side's all hold: the person is doing the other side.
    wrong_side: bool = False

    def by_id(self) -> dict[str, CheckVerdict]:
        return {c.check_id: c for c in self.checks}


#: How missing body parts are named in the "move so your ... are in view" cue.
_PART_WORDS = {
    "shoulder": "shoulders", "elbow": "elbows", "wrist": "hands", "pinky": "hands",
    "index": "hands", "thumb": "hands", "hip": "hips", "knee": "knees", "ankle": "feet",
    "heel": "feet", "foot_index": "feet", "eye": "head", "eye_inner": "head",
    "eye_outer": "head", "ear": "head", "nose": "head", "mouth_left": "head", "mouth_right": "head",
}


def check_joints(check: Check, context: BodyContext) -> tuple[int, ...]:
    """Landmark indices a check looks at (its measurement's points and its visibility parts),
    resolved for this body: what the skeleton colours by the check's verdict."""
    names = tuple(dict.fromkeys(check.measurement.landmark_names() + check.visible))
    return tuple(sorted({int(i) for name in names for i in resolve_point(name, context)}))


def visibility_cue(parts: tuple[str, ...]) -> str:
    """'Move so your knees and feet are in view' for the given body-part words."""
    words = list(dict.fromkeys(parts))
    if len(words) > 2:
        return NOT_IN_FRAME_CUE
    return f"Move so your {' and '.join(words)} {'is' if words == ['head'] else 'are'} in view"


def _default_falloff(check: Check) -> float:
    if check.score_falloff > 0:
        return check.score_falloff
    return 30.0 if check.unit == "°" else 0.5


def _score(check: Check, value: float, status: CheckStatus) -> float:
    """1 inside the range, falling linearly to 0 at `score_falloff` outside it."""
    if status is CheckStatus.OK:
        return 1.0
    if status is CheckStatus.NOT_VISIBLE:
        return 0.0
    bound = check.target.min if status is CheckStatus.TOO_LOW else check.target.max
    assert bound is not None
    return max(0.0, 1.0 - abs(value - bound) / _default_falloff(check))


class StretchEvaluator:
    """Evaluates frames of one stretch on one side; keeps the hysteresis state.

    One instance per stretch, side and video stream (it remembers which checks
    were passing on the previous frame).
    """

    def __init__(self, stretch: Stretch, side: Side | None, check_other_side: bool = True) -> None:
        if stretch.has_sides and side not in ("left", "right"):
            raise ValueError(f"stretch {stretch.id!r} has sides: choose 'left' or 'right'")
        self.stretch = stretch
        self.side: Side | None = side if stretch.has_sides else None
        self._passing: dict[str, bool] = {}
        self._seen: dict[str, bool] = {}
        self._near_side: Side = "left"
        #: check id -> the check's raw value in the person's start position (``scale = "start"``).
        self._start_reference: dict[str, float] = {}
        #: The start position as one frame (median), for the checks with points ``at_start``.
        self._start_frame: Landmarks | None = None
        #: Judges the gates for the opposite working side, only on frames whose own gates fail.
        self._other: StretchEvaluator | None = None
        if check_other_side and self.side is not None:
            self._other = StretchEvaluator(stretch, "left" if self.side == "right" else "right", check_other_side=False)

    @property
    def relative_checks(self) -> tuple[Check, ...]:
        """The checks measured against the person's own start position (``scale = "start"``)."""
        return tuple(c for c in self.stretch.checks if c.measurement.scale == START_SCALE)

    def _medians(self, frames: Sequence[Landmarks], checks: Sequence[Check]) -> dict[str, float]:
        values: dict[str, list[float]] = {c.id: [] for c in checks}
        for landmarks in frames:  # (the near side as each frame shows it, without remembering it)
            context = BodyContext(working_side=self.side, near_side=nearer_side(landmarks) or self._near_side)
            for c in checks:
                values[c.id].append(measure(c.measurement, landmarks, context))
        return {cid: float(np.nanmedian(v)) for cid, v in values.items() if np.isfinite(v).any()}

    def set_start_reference(self, frames: Sequence[Landmarks]) -> None:
        """What the relative checks are measured against from now on: the median of each one's
        value over ``frames`` (the start position; none: each is unjudged until
        `fill_hold_reference`), and the median frame that points ``at_start`` are taken from
        (none: they are where they are now). The other side's evaluator takes its own from the
        same frames: the start position is the same person's, and without it a start-relative
        gate there is unjudged, so a slump could pass as the other side done correctly (its
        turn, measured towards its own side, has the opposite sign)."""
        self._start_reference = self._medians(frames, self.relative_checks)
        takes_points = any(c.measurement.at_start for c in self.stretch.checks)
        self._start_frame = median_landmarks(frames) if frames and takes_points else None
        if self._other is not None:
            self._other.set_start_reference(frames)

    def _waiting_for_the_hold(self) -> list[Check]:
        """The relative checks without a reference that the hold's first moments can give one
        (a length; not a turn, which is what the hold changes)."""
        return [c for c in self.relative_checks
                if c.id not in self._start_reference and c.measurement.definition.hold_reference]

    @property
    def missing_hold_reference(self) -> bool:
        return bool(self._waiting_for_the_hold())

    def fill_hold_reference(self, frames: Sequence[Landmarks]) -> None:
        """The start position was not seen: the relative checks that allow it take the median
        over ``frames``, correct frames of the hold."""
        self._start_reference.update(self._medians(frames, self._waiting_for_the_hold()))
        if self._other is not None:
            self._other.fill_hold_reference(frames)

    def reset(self) -> None:
        self._passing.clear()
        self._seen.clear()
        if self._other is not None:
            self._other.reset()

    def _words(self, cue: str) -> str:
        """Fill in the side names of a cue ("Press your {working} knee down")."""
        return fill_sides(cue, self.side)

    def _context(self, landmarks: Landmarks) -> BodyContext:
        near = nearer_side(landmarks)
        if near is not None:
            self._near_side = near
        return BodyContext(working_side=self.side, near_side=self._near_side)

    def _evaluate_check(self, check: Check, landmarks: Landmarks, context: BodyContext) -> CheckVerdict:
        joints = check_joints(check, context)
        vertex = None
        if check.measurement.kind == "angle":
            middle = resolve_point(check.measurement.points[1], context)
            vertex = int(middle[0]) if len(middle) == 1 else None
        verdict = self._judge(check, landmarks, context)
        return replace(verdict, joints=joints, vertex=vertex)

    def _judge(self, check: Check, landmarks: Landmarks, context: BodyContext) -> CheckVerdict:
        # Visibility has hysteresis too: a partly hidden joint (the crossed ankle of a
        # figure-4 reads about 0.5) must not flicker between seen and not seen.
        spec = check.measurement
        reference = self._start_reference.get(check.id)
        if spec.scale == START_SCALE and reference is None:
            self._passing[check.id] = False
            return CheckVerdict(check.id, CheckStatus.UNJUDGED, math.nan, None, 1.0, check.priority, check.role)
        if spec.at_start and self._start_frame is not None:  # (not seen: the points where they are now)
            landmarks = with_points_from(landmarks, self._start_frame, spec.at_start, context)
        threshold = self.stretch.visibility_threshold
        if self._seen.get(check.id, False):
            threshold -= VISIBILITY_HYSTERESIS
        missing = tuple(
            _PART_WORDS.get(parse_point(name)[1], "body")
            for name in check.visible
            if point_confidence(landmarks, name, context) < threshold
        )
        value = measure(spec, landmarks, context)
        if reference is not None:
            value = against_start(spec, value, reference)
        self._seen[check.id] = not missing and math.isfinite(value)
        if missing or not math.isfinite(value):
            self._passing[check.id] = False
            parts = missing or tuple(_PART_WORDS.get(parse_point(n)[1], "body") for n in check.visible)
            return CheckVerdict(
                check.id, CheckStatus.NOT_VISIBLE, math.nan, visibility_cue(parts), 0.0,
                check.priority, check.role, tuple(dict.fromkeys(parts)),
            )
        margin = check.hysteresis if self._passing.get(check.id, False) else 0.0
        if check.target.contains(value, margin):
            status, cue = CheckStatus.OK, None
        elif check.target.min is not None and value < check.target.min:
            status, cue = CheckStatus.TOO_LOW, self._words(check.cue_low)
        else:
            status, cue = CheckStatus.TOO_HIGH, self._words(check.cue_high)
        self._passing[check.id] = status is CheckStatus.OK
        return CheckVerdict(
            check.id, status, value, cue, _score(check, value, status), check.priority, check.role
        )

    def _gates_hold(self, landmarks: Landmarks) -> bool:
        """Whether every gate holds on this frame (this evaluator's side; hysteresis kept)."""
        context = self._context(landmarks)
        return all([self._judge(c, landmarks, context).passes for c in self.stretch.gates])

    def evaluate(self, landmarks: Landmarks | None, timestamp_s: float | None = None) -> FrameVerdict:
        """Judge one frame. ``None`` means nobody was found in it."""
        if landmarks is None:
            self.reset()
            t = math.nan if timestamp_s is None else timestamp_s
            checks = tuple(
                CheckVerdict(c.id, CheckStatus.NOT_VISIBLE, math.nan, NOT_IN_FRAME_CUE, 0.0, c.priority, c.role)
                for c in self.stretch.checks
            )
            return FrameVerdict(t, self.side, False, checks, False, 0, NOT_IN_FRAME_CUE, depth_met=False)

        context = self._context(landmarks)
        checks = tuple(self._evaluate_check(c, landmarks, context) for c in self.stretch.checks)
        correct = all(c.passes for c in checks if c.gate)
        depth_met = all(c.passes for c in checks if not c.gate)
        score = round(100.0 * sum(c.score for c in checks) / len(checks))
        by_priority = sorted((c for c in checks if not c.passes), key=lambda c: c.priority)
        failing_gates = [c for c in by_priority if c.gate]
        wrong_side = False
        if correct:
            if self._other is not None:
                self._other.reset()  # its hysteresis must not carry over frames it did not see
            # Every gate holds: the hold counts; the cue, if any, encourages more depth.
            cue = by_priority[0].cue if by_priority else None
        else:
            wrong_side = self._other is not None and self._other._gates_hold(landmarks)
            cue = self._words(self.stretch.wrong_side_cue) if wrong_side else failing_gates[0].cue
        return FrameVerdict(landmarks.timestamp_s, self.side, True, checks, correct, score, cue,
                            depth_met=depth_met, wrong_side=wrong_side)


def detect_side(stretch: Stretch, landmarks: Landmarks) -> Side | None:
    """Which side a person is doing a two-sided stretch on, judged from one frame.

    Evaluates both sides and picks the one with the higher form score (None if
    the stretch has no sides, or the pose fits both sides alike).
    """
    if not stretch.has_sides:
        return None
    scores = {side: StretchEvaluator(stretch, side, check_other_side=False).evaluate(landmarks).score
              for side in ("right", "left")}
    if max(scores.values()) == 0 or scores["right"] == scores["left"]:
        return None  # nothing to go on, or a neutral pose that fits both sides alike
    return "right" if scores["right"] > scores["left"] else "left"
