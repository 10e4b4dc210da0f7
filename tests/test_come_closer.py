"""The Live page tells a person who is too small in the picture for the stretch to come closer
(the stretch file's `min_person_height_px`): in large type and once aloud, before the hold and
while it does not count, never while it counts, and without holding anything back.

Real pose model on the committed rendered clips, fed to the live coach frame by frame (every
third frame, with its own timestamp, as a slow camera would deliver them).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from coach import settings
from coach.estimator import PoseEstimator
from coach.live import LiveCoach, LiveSnapshot
from coach.person_size import RecentHeight, small_person_note, too_small
from coach.session_log import load_session_log
from coach.routine import stretch_routine
from coach.sources import VideoFileSource
from coach.stretches import load_library
from coach.ui import words
from coach.ui.panel_html import now_box_html
from coach.ui.speech import SpeechPlanner
from live_doubles import ScriptedEstimator, correct_figure_four, feed

LIBRARY = load_library()
FIGURE_FOUR = LIBRARY.stretches["seated_figure_four"]
DOG = LIBRARY.stretches["downward_dog"]


def coached_clip(clip: str, seconds: float, every: int = 3) -> list[LiveSnapshot]:
    """The live coach's snapshot after each frame fed from the start of `clip`."""
    side = "left" if "left" in clip else "right"
    coach = LiveCoach(stretch_routine(FIGURE_FOUR, (side,)), LIBRARY.stretches,
                      estimator_factory=lambda options: PoseEstimator(options))
    snaps = []
    try:
        for frame in VideoFileSource(settings.SAMPLE_VIDEOS_DIR / clip):
            if frame.timestamp_s > seconds:
                break
            if frame.index % every == 0:
                coach.process_rgb(frame.rgb, frame.timestamp_s)
                snaps.append(coach.snapshot())
    finally:
        coach.close()
    return snaps


def spoken(snaps: list[LiveSnapshot]) -> list[str]:
    planner, said = SpeechPlanner(), []
    for i, snap in enumerate(snaps):
        text = planner.update(snap, now=i * 0.3)
        if text:
            said.append(text)
    return said


@pytest.mark.parametrize(("clip", "small"), [("varied_figure_four_muscular_man_left.mp4", True),
                                             ("seated_figure_four_left.mp4", False)])
def test_a_person_small_in_the_picture_is_told_to_come_closer_before_the_figure_four(clip: str, small: bool) -> None:
    """The muscular man 3.2 m away in a 480x360 clip (about 133 px tall; the figure-4 needs 145)
    is told, during the countdown and the start position; the figure-4 clip 2.5 m away (about
    229 px) is not. The countdown and the start go on either way."""
    snaps = coached_clip(clip, seconds=6.5)
    before_hold = [s for s in snaps if s.phase in ("countdown", "start") and s.person_height_px is not None]
    assert len(before_hold) >= 10
    heights = [s.person_height_px for s in before_hold]
    assert all((h < 145) == small for h in heights), heights
    assert all(s.too_small == small for s in before_hold)
    shown = [words.COME_CLOSER in now_box_html(s) for s in before_hold]
    assert all(shown) if small else not any(shown)
    said = spoken(snaps)
    assert said.count(words.COME_CLOSER_SPOKEN) == (1 if small else 0), said
    assert snaps[-1].phase in ("start", "hold")  # the hint holds nothing back


def shrunk(landmarks_at, factor: float):
    """The same pose, `factor` times as tall in the picture (about the picture's middle)."""
    def at(t: float):
        landmarks = landmarks_at(t)
        image = landmarks.image.copy()
        image[:, :2] = 0.5 + (image[:, :2] - 0.5) * factor
        return type(landmarks)(image, landmarks.world, landmarks.visibility, landmarks.presence,
                               landmarks.timestamp_s, landmarks.image_size)
    return at


def test_the_hint_is_not_shown_while_the_hold_counts_and_it_counts_all_the_same(tmp_path: Path) -> None:
    """A correct figure-4, small in the picture: the hint is shown in the countdown, not once the
    hold counts, and the hold counts as it would for a person close to the camera."""
    full_height = RecentHeight().update(correct_figure_four(0.0), 0.0)
    assert full_height is not None and full_height > 145
    factor = 100.0 / full_height  # about 100 px tall in the 640x480 picture
    coach = LiveCoach(stretch_routine(FIGURE_FOUR, ("right",)), LIBRARY.stretches, log_dir=tmp_path,
                      estimator_factory=lambda options: ScriptedEstimator(shrunk(correct_figure_four, factor)))
    feed(coach, 3.0)
    countdown = coach.snapshot()
    assert countdown.phase == "countdown" and countdown.too_small
    assert countdown.person_height_px == pytest.approx(100.0, abs=1.0)
    assert words.COME_CLOSER in now_box_html(countdown)
    feed(coach, 9.0, start=103.0)
    holding = coach.snapshot()
    assert holding.phase == "hold" and holding.correct and holding.too_small
    assert holding.held_s > 5.0
    assert words.COME_CLOSER not in now_box_html(holding)
    coach.close()
    # The log says so too, for the patient's review and for their therapist (the session report).
    live = load_session_log(next(tmp_path.glob("*.jsonl")), allow_incomplete=True).summary["live"]
    assert live["person_height_px"] == pytest.approx(100.0, abs=1.0)
    assert live["notes"] == [small_person_note(FIGURE_FOUR, live["person_height_px"])]
    assert "be closer to the camera" in live["notes"][0]


def in_picture(height_px: float, image_size: tuple[int, int]):
    """A correct figure-4 `height_px` tall in a picture of `image_size` (width, height)."""
    base = correct_figure_four(0.0)
    tall = RecentHeight().update(base, 0.0)
    assert tall is not None
    landmarks = shrunk(correct_figure_four, height_px / tall * base.image_size[1] / image_size[1])(0.0)
    return type(landmarks)(landmarks.image, landmarks.world, landmarks.visibility, landmarks.presence, 0.0,
                           image_size)


def test_the_height_that_counts_is_the_one_the_model_reads() -> None:
    """Frames larger than 960 px are downscaled before the model reads them: a person 180 px
    tall in a 1920x1080 frame is 90 px tall to the model, too small for the figure-4; the same
    person in a 640x480 frame is not. A stretch without a limit never asks."""
    hd = RecentHeight().update(in_picture(180.0, (1920, 1080)), 0.0)
    vga = RecentHeight().update(in_picture(180.0, (640, 480)), 0.0)
    assert hd == pytest.approx(90.0, abs=1.0) and vga == pytest.approx(180.0, abs=1.0)
    assert too_small(FIGURE_FOUR, hd) and not too_small(FIGURE_FOUR, vga)
    assert DOG.min_person_height_px is None and not too_small(DOG, 20.0)
    assert not too_small(FIGURE_FOUR, None) and not too_small(FIGURE_FOUR, math.nan)


def test_the_recent_height_forgets_frames_older_than_its_window() -> None:
    """The person walks up to the camera: after two seconds only the new height counts; nobody in
    view for longer than that: the height is not known."""
    near, far = correct_figure_four(0.0), shrunk(correct_figure_four, 0.5)(0.0)
    recent = RecentHeight(window_s=2.0)
    first = recent.update(far, 0.0)
    for i in range(1, 30):
        recent.update(far if i < 10 else near, i * 0.1)
    assert first is not None
    assert recent.update(near, 3.0) == pytest.approx(2 * first, rel=0.01)
    assert recent.update(None, 5.5) is None
