"""The annotated picture: colours by verdict, mirroring that keeps anatomy, readable cues."""

from __future__ import annotations

import numpy as np

from coach.landmarks import PoseLandmark as L
from coach.overlay import DEPTH_AMBER, OK_GREEN, WRONG_RED, Overlay, wrap_text
from coach.stretches import fill_sides, load_library
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import BodyProportions
from coach.tracker import StretchTracker

from synthetic_cases import landmarks_for

LIBRARY = load_library()
BODY = BodyProportions.average_female()


def _update(pose, stretch_id="seated_figure_four", side="right"):
    lm = landmarks_for(pose, BODY, stretch_id, side)
    return StretchTracker(LIBRARY.stretches[stretch_id], side, settings=None).update(lm, 0.0)


def _colour_near(frame: np.ndarray, xy: np.ndarray, colour, radius: int = 3) -> bool:
    x, y = int(round(xy[0])), int(round(xy[1]))
    patch = frame[y - radius : y + radius + 1, x - radius : x + radius + 1].reshape(-1, 3).astype(int)
    return bool((np.abs(patch - np.array(colour)).sum(axis=1) < 40).any())


def test_a_failing_gate_is_red_an_unmet_depth_target_amber_and_passing_checks_green() -> None:
    # The crossed knee well above the hip: a depth target (a tight hip), not a mistake.
    update = _update(sp.figure_four_knee_lifted(BODY))
    assert update.verdict.correct and update.cue == "Gently press your right knee down: aim for hip height"
    frame = np.full((480, 640, 3), 110, np.uint8)
    out = Overlay(mirror=False).render(frame, update.landmarks, update.verdict, update.hold)
    xy = update.landmarks.pixels
    assert _colour_near(out, xy[L.RIGHT_KNEE], DEPTH_AMBER) and not _colour_near(out, xy[L.RIGHT_KNEE], WRONG_RED)
    assert _colour_near(out, xy[L.LEFT_ANKLE], OK_GREEN)  # only in passing checks
    # Feet on the floor, legs not crossed: the shape of the stretch is wrong (gates fail).
    update = _update(sp.figure_four_not_crossed(BODY))
    assert not update.verdict.correct
    out = Overlay(mirror=False).render(frame, update.landmarks, update.verdict, update.hold)
    assert _colour_near(out, update.landmarks.pixels[L.RIGHT_ANKLE], WRONG_RED)


def test_no_face_points_and_no_angles_by_default() -> None:
    update = _update(sp.downward_dog(BODY), "downward_dog", None)
    frame = np.full((480, 640, 3), 110, np.uint8)
    out = Overlay(mirror=False).render(frame, update.landmarks, update.verdict, update.hold)
    eye = update.landmarks.pixels[L.LEFT_EYE]
    assert not _colour_near(out, eye, (235, 235, 235), radius=2)  # nothing drawn on the face
    with_angles = Overlay(mirror=False, show_angles=True).render(frame, update.landmarks, update.verdict,
                                                                 update.hold)
    assert (with_angles != out).any()  # the therapist's option prints the angles


def test_mirroring_flips_the_picture_but_not_the_anatomy() -> None:
    update = _update(sp.figure_four_knee_lifted(BODY))
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[:, :320] = 200  # a bright left half
    plain = Overlay(mirror=False).render(frame, update.landmarks, update.verdict, update.hold)
    mirrored = Overlay(mirror=True).render(frame, update.landmarks, update.verdict, update.hold)
    assert plain[240, 5].mean() > 150 and mirrored[240, 5].mean() < 60  # the picture is flipped
    knee = update.landmarks.pixels[L.RIGHT_KNEE]
    mirrored_knee = np.array([640 - knee[0], knee[1]])
    # The right knee (the one to press down) keeps its colour where it now appears.
    assert _colour_near(mirrored, mirrored_knee, DEPTH_AMBER)
    assert update.landmarks.pixels[L.RIGHT_KNEE][0] == knee[0], "landmarks themselves are never mirrored"


def test_nobody_in_frame_darkens_the_picture_and_says_so() -> None:
    frame = np.full((480, 640, 3), 200, np.uint8)
    out = Overlay().render(frame, None, None, None, instruction="Step into view")
    assert out[240, 20].mean() < 130  # darkened
    assert frame[240, 20].mean() == 200, "the input frame is never drawn on"


def test_every_seed_cue_fits_in_two_lines_at_640_and_1280() -> None:
    cues = []
    for stretch in LIBRARY.stretches.values():
        for check in stretch.checks:
            for cue in (check.cue_low, check.cue_high):
                if cue:
                    cues.append(fill_sides(cue, "right") if stretch.has_sides else cue)
    for width, height in ((640, 480), (1280, 720)):
        unit = height / 480
        for cue in cues:
            lines = wrap_text(cue, 0.85 * unit, max(1, int(2 * unit)), width - int(30 * unit))
            assert len(lines) <= 2, (width, cue, lines)


def test_any_frame_size_is_accepted() -> None:
    update = _update(sp.figure_four(BODY))
    for size in ((360, 480), (480, 360), (1280, 720), (1080, 1920)):
        frame = np.zeros((size[1], size[0], 3), np.uint8)
        out = Overlay(mirror=True).render(frame, update.landmarks, update.verdict, update.hold, title="t")
        assert out.shape == frame.shape and out.dtype == np.uint8
