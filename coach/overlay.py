"""What the person looks at: the frame with skeleton, angles, hold progress and cue.

Each annotator is a small class that draws one thing; `Overlay` runs them in
order. Sizes scale with the frame height so the picture reads the same at
640×480 and 1280×720. With ``mirror=True`` the picture is flipped like a mirror
(what people expect of a selfie view) but the side labels stay anatomical:
"right knee" is still the person's right knee.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from coach.hold import HoldSnapshot, HoldState
from coach.landmarks import SKELETON_EDGES, Landmarks
from coach.verdicts import CheckStatus, FrameVerdict

if TYPE_CHECKING:
    from coach.judged_frame import JudgedFrame
    from coach.tracker import TrackerUpdate

# Colours are RGB (frames flow through the pipeline as RGB).
OK_GREEN = (46, 204, 113)
WRONG_RED = (235, 64, 52)
UNSEEN_GREY = (150, 150, 150)
DEPTH_AMBER = (255, 176, 32)
NEUTRAL = (235, 235, 235)
PANEL = (20, 20, 20)
#: MediaPipe's points 0-10 are the face; the skeleton starts at the shoulders (11).
FIRST_BODY_POINT = 11
FONT = cv2.FONT_HERSHEY_DUPLEX


@dataclass
class OverlayContext:
    """Everything a frame's annotation needs; built once per frame."""

    frame: np.ndarray  # RGB, already mirrored if requested
    landmarks: Landmarks | None
    verdict: FrameVerdict | None
    hold: HoldSnapshot | None
    title: str
    instruction: str | None
    mirror: bool
    second_person: bool = False
    cue: str | None = None

    @property
    def unit(self) -> float:
        """One "unit" of drawing size: 1.0 at 480 px frame height."""
        return max(0.5, self.frame.shape[0] / 480.0)

    def to_pixels(self, landmarks: Landmarks) -> np.ndarray:
        """Landmark positions in the (possibly mirrored) output picture."""
        height, width = self.frame.shape[:2]
        xy = landmarks.image[:, :2] * np.array([width, height])
        if self.mirror:
            xy[:, 0] = width - xy[:, 0]
        return xy


def put_text(
    frame: np.ndarray,
    text: str,
    origin: tuple[int, int],
    scale: float,
    colour: tuple[int, int, int] = NEUTRAL,
    thickness: int = 1,
) -> None:
    """Text with a dark outline so it reads on any background.

    The text is drawn once into a mask and the outline is that mask grown by a
    few pixels. (A thicker black copy would not do: OpenCV spaces letters by
    thickness, so on long lines it drifts away from the text as ghost letters.)
    """
    if len(text) <= 8:
        # Short labels (angles): a thicker black copy is fast and drifts too little to see.
        cv2.putText(frame, text, origin, FONT, scale, (0, 0, 0), thickness + 3, cv2.LINE_AA)
        cv2.putText(frame, text, origin, FONT, scale, colour, thickness, cv2.LINE_AA)
        return
    (width, height), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    pad = max(2, round(thickness * 1.5)) + 1
    x0, y0 = origin[0] - pad, origin[1] - height - pad
    x1, y1 = origin[0] + width + pad, origin[1] + baseline + pad
    fx0, fy0 = max(0, x0), max(0, y0)
    fx1, fy1 = min(frame.shape[1], x1), min(frame.shape[0], y1)
    if fx1 <= fx0 or fy1 <= fy0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.putText(mask, text, (pad, pad + height), FONT, scale, 255, thickness, cv2.LINE_AA)
    grow = 2 * max(1, round(thickness * 1.5)) + 1
    outline = cv2.dilate(mask, np.ones((grow, grow), np.uint8))
    sub = (slice(fy0 - y0, fy1 - y0), slice(fx0 - x0, fx1 - x0))
    region = frame[fy0:fy1, fx0:fx1]
    ink = cv2.merge([mask[sub]] * 3)
    # Black outline, then the text in its colour, both anti-aliased (uint8 maths in OpenCV).
    cv2.multiply(region, cv2.merge([cv2.bitwise_not(outline[sub])] * 3), dst=region, scale=1 / 255)
    paint = np.empty_like(region)
    paint[:] = colour
    cv2.add(cv2.multiply(region, cv2.bitwise_not(ink), scale=1 / 255),
            cv2.multiply(paint, ink, scale=1 / 255), dst=region)


def wrap_text(text: str, scale: float, thickness: int, max_width: int) -> list[str]:
    """Split text into lines that fit `max_width` pixels."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        width = cv2.getTextSize(candidate, FONT, scale, thickness)[0][0]
        if width <= max_width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _blend_rect(frame: np.ndarray, top_left: tuple[int, int], bottom_right: tuple[int, int], alpha: float) -> None:
    x0, y0 = max(0, top_left[0]), max(0, top_left[1])
    x1, y1 = min(frame.shape[1], bottom_right[0]), min(frame.shape[0], bottom_right[1])
    if x1 <= x0 or y1 <= y0:
        return
    region = frame[y0:y1, x0:x1]
    # PANEL is a grey, so blending towards it is one scale-and-shift (fast, in place).
    cv2.convertScaleAbs(region, dst=region, alpha=1.0 - alpha, beta=PANEL[0] * alpha)


def joint_colours(checks: Iterable[tuple[CheckStatus, tuple[int, ...], bool]]) -> dict[int, tuple[int, int, int]]:
    """Each checked joint's colour from (status, joints, is a gate): green ok, grey not seen,
    none for an unjudged check, red a gate that fails (the shape is wrong), amber a depth target
    not reached yet (the hold still counts: something to work towards, not a mistake). Problems
    are drawn over ok, so a joint shared by a passing and a failing check shows the problem."""
    def rank(item: tuple[CheckStatus, tuple[int, ...], bool]) -> int:
        status, _, gate = item
        return {CheckStatus.OK: 0, CheckStatus.NOT_VISIBLE: 1}.get(status, 3 if gate else 2)

    colours: dict[int, tuple[int, int, int]] = {}
    for status, joints, gate in sorted(checks, key=rank):
        if status is CheckStatus.UNJUDGED:
            continue  # nothing to say about those joints
        colour = {CheckStatus.OK: OK_GREEN, CheckStatus.NOT_VISIBLE: UNSEEN_GREY}.get(
            status, WRONG_RED if gate else DEPTH_AMBER)
        for joint in joints:
            colours[joint] = colour
    return colours


class SkeletonAnnotator:
    """Bones in white; the joints of each check coloured by its verdict."""

    def __init__(self, min_confidence: float = 0.3) -> None:
        self.min_confidence = min_confidence

    def joint_colours(self, verdict: FrameVerdict | None) -> dict[int, tuple[int, int, int]]:
        if verdict is None:
            return {}
        return joint_colours((c.status, c.joints, c.gate) for c in verdict.checks)

    def annotate(self, ctx: OverlayContext) -> None:
        if ctx.landmarks is None:
            return
        self.draw(ctx.frame, ctx.to_pixels(ctx.landmarks), ctx.landmarks.confidence() >= self.min_confidence,
                  self.joint_colours(ctx.verdict), ctx.unit)

    @staticmethod
    def draw(frame: np.ndarray, xy: np.ndarray, confident: np.ndarray,
             colours: dict[int, tuple[int, int, int]], unit: float) -> None:
        """Bones between confident joints; checked joints as coloured dots (also the log replay's picture)."""
        for a, b in SKELETON_EDGES:
            if a < FIRST_BODY_POINT or b < FIRST_BODY_POINT:
                continue  # no face: its points drawn from across a room look like goggles
            if not (confident[a] and confident[b]) or not np.isfinite(xy[[a, b]]).all():
                continue
            colour = colours.get(a) if colours.get(a) == colours.get(b) and a in colours else NEUTRAL
            p, q = tuple(np.round(xy[a]).astype(int)), tuple(np.round(xy[b]).astype(int))
            cv2.line(frame, p, q, (0, 0, 0), int(5 * unit), cv2.LINE_AA)
            cv2.line(frame, p, q, colour, int(3 * unit), cv2.LINE_AA)
        for index, (x, y) in enumerate(xy):
            if index < FIRST_BODY_POINT or not np.isfinite([x, y]).all():
                continue
            if index in colours:
                radius = int(7 * unit)
                cv2.circle(frame, (int(x), int(y)), radius + 2, (0, 0, 0), -1, cv2.LINE_AA)
                cv2.circle(frame, (int(x), int(y)), radius, colours[index], -1, cv2.LINE_AA)
            elif confident[index]:
                cv2.circle(frame, (int(x), int(y)), int(3 * unit), NEUTRAL, -1, cv2.LINE_AA)


class AngleAnnotator:
    """The measured angle printed beside the joint of each angle check."""

    def annotate(self, ctx: OverlayContext) -> None:
        if ctx.landmarks is None or ctx.verdict is None:
            return
        xy = ctx.to_pixels(ctx.landmarks)
        for check in ctx.verdict.checks:
            if check.vertex is None or check.status is CheckStatus.NOT_VISIBLE or not np.isfinite(check.value):
                continue
            x, y = xy[check.vertex]
            if not np.isfinite([x, y]).all():
                continue
            colour = OK_GREEN if check.ok else WRONG_RED
            offset = int(12 * ctx.unit)
            put_text(ctx.frame, f"{check.value:.0f}", (int(x) + offset, int(y) - offset), 0.6 * ctx.unit, colour, 1)


class HoldAnnotator:
    """Top panel: stretch and side, the hold bar, seconds held and to go."""

    def annotate(self, ctx: OverlayContext) -> None:
        frame, unit = ctx.frame, ctx.unit
        width = frame.shape[1]
        panel_h = int(62 * unit)
        _blend_rect(frame, (0, 0), (width, panel_h), 0.6)
        put_text(frame, ctx.title, (int(10 * unit), int(22 * unit)), 0.6 * unit, NEUTRAL, 1)
        hold = ctx.hold
        if hold is None:
            return
        x0, y0 = int(10 * unit), int(34 * unit)
        x1, y1 = width - int(10 * unit), int(52 * unit)
        cv2.rectangle(frame, (x0, y0), (x1, y1), (70, 70, 70), -1)
        fill = x0 + int((x1 - x0) * hold.progress)
        colour = OK_GREEN if hold.state in (HoldState.HOLDING, HoldState.COMPLETE) else (230, 160, 40)
        if fill > x0:
            cv2.rectangle(frame, (x0, y0), (fill, y1), colour, -1)
        label = f"{hold.held_s:4.1f} s held  |  {hold.remaining_s:.0f} s to go"
        if hold.state is HoldState.COMPLETE:
            label = f"Done: {hold.target_s:.0f} s held"
        elif hold.state is HoldState.PAUSED:
            label += "  (paused)"
        put_text(frame, label, (x0 + int(6 * unit), y1 - int(4 * unit)), 0.5 * unit, NEUTRAL, 1)


class CueAnnotator:
    """Bottom banner: the one thing to do now, in large text.

    ``clear_bottom``: the share of the frame's height kept free under the banner (a browser's
    video controls cover the bottom of a played video; the live view has none there)."""

    def __init__(self, clear_bottom: float = 0.0) -> None:
        if not 0.0 <= clear_bottom < 0.5:
            raise ValueError(f"clear_bottom must be in [0, 0.5), got {clear_bottom}")
        self.clear_bottom = clear_bottom

    def annotate(self, ctx: OverlayContext) -> None:
        frame, unit = ctx.frame, ctx.unit
        height, width = frame.shape[:2]
        verdict = ctx.verdict
        if verdict is not None and verdict.correct:
            text, colour = ctx.instruction or "Good. Hold it", OK_GREEN
        elif verdict is not None and (ctx.cue or verdict.cue):
            text, colour = ctx.cue or verdict.cue or "", (255, 210, 80)
        elif ctx.instruction:
            text, colour = ctx.instruction, NEUTRAL
        else:
            return
        scale, thickness = 0.85 * unit, max(1, int(2 * unit))
        lines = wrap_text(text, scale, thickness, width - int(30 * unit))[:2]
        line_h = int(34 * unit)
        bottom = height - int(round(height * self.clear_bottom))
        top = bottom - line_h * len(lines) - int(14 * unit)
        _blend_rect(frame, (0, top), (width, bottom), 0.6)
        for i, line in enumerate(lines):
            put_text(frame, line, (int(15 * unit), top + line_h * (i + 1) - int(4 * unit)), scale, colour, thickness)


class NotInFrameAnnotator:
    """A clear "not in frame" state when nobody is found, and a note about a second person."""

    def annotate(self, ctx: OverlayContext) -> None:
        frame, unit = ctx.frame, ctx.unit
        height, width = frame.shape[:2]
        if ctx.landmarks is None:
            cv2.convertScaleAbs(frame, dst=frame, alpha=0.55)
            text = "NOT IN FRAME"
            scale, thickness = 1.3 * unit, max(2, int(3 * unit))
            (tw, th), _ = cv2.getTextSize(text, FONT, scale, thickness)
            put_text(frame, text, ((width - tw) // 2, height // 2), scale, (255, 210, 80), thickness)
        if ctx.second_person:
            put_text(frame, "Someone else is in view", (int(10 * unit), int(84 * unit)), 0.55 * unit, (255, 210, 80), 1)


class Overlay:
    """Draws every annotator on a copy of the frame."""

    #: The bottom share of a video that a browser's player controls cover (for ``cue_clear_bottom``).
    PLAYER_CONTROLS = 0.16

    def __init__(self, mirror: bool = False, show_angles: bool = False, cue_clear_bottom: float = 0.0) -> None:
        """``show_angles``: print joint angles at their joints (for a therapist reviewing a video;
        off by default, as numbers on the video mean nothing to the person stretching).
        ``cue_clear_bottom``: keep the cue above this share of the frame's height (a video to be
        played in a browser: `PLAYER_CONTROLS`; the live view keeps the cue at the very bottom)."""
        self.mirror = mirror
        self.annotators = [NotInFrameAnnotator(), SkeletonAnnotator(),
                           *([AngleAnnotator()] if show_angles else []), HoldAnnotator(),
                           CueAnnotator(cue_clear_bottom)]

    def render_judged(self, frame_rgb: np.ndarray, judged: JudgedFrame) -> np.ndarray:
        """Annotate with a judged frame (live and `coach analyze` draw the same way); the joints
        are coloured by what the person is judged on now (`JudgedFrame.verdict`: in the start
        phase the start position's checks, not the stretch's)."""
        update = judged.update
        if update is None:
            return self.render(frame_rgb, judged.landmarks, None, None, judged.title, judged.instruction,
                               judged.second_person)
        return self.render(frame_rgb, update.landmarks, judged.verdict, update.hold, judged.title,
                           judged.instruction, judged.second_person, cue=update.cue)

    def render_update(
        self,
        frame_rgb: np.ndarray,
        update: TrackerUpdate | None,
        landmarks: Landmarks | None,
        title: str = "",
        instruction: str | None = None,
        second_person: bool = False,
    ) -> np.ndarray:
        """Annotate with a tracker's result; without one (resting, done) the person
        found in the frame (``landmarks``) is drawn plainly, not as "not in frame"."""
        if update is None:
            return self.render(frame_rgb, landmarks, None, None, title, instruction, second_person)
        return self.render(frame_rgb, update.landmarks, update.verdict, update.hold, title, instruction,
                           second_person, cue=update.cue)

    def render(
        self,
        frame_rgb: np.ndarray,
        landmarks: Landmarks | None,
        verdict: FrameVerdict | None,
        hold: HoldSnapshot | None,
        title: str = "",
        instruction: str | None = None,
        second_person: bool = False,
        cue: str | None = None,
    ) -> np.ndarray:
        """Annotate a copy of the frame. ``cue`` overrides the verdict's own cue
        (pass `TrackerUpdate.cue`, the steadied one)."""
        frame = cv2.flip(frame_rgb, 1) if self.mirror else frame_rgb.copy()
        ctx = OverlayContext(frame, landmarks, verdict, hold, title, instruction, self.mirror, second_person, cue)
        for annotator in self.annotators:
            annotator.annotate(ctx)
        return ctx.frame
