"""The mirrored look: a second reading of each frame, mirrored, put back and averaged.

Real MediaPipe on a frame of a committed sample clip (a seated twist seen from the front).
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from coach.estimator import EstimatorOptions, PoseEstimator
from coach.landmarks import PoseLandmark as L
from coach.leg_identity import swap_legs
from coach.live import LiveCoach
from coach.mirrored_look import average_readings, mirror_frame, unmirror
from coach.routine import stretch_routine
from coach.stretches import load_library
from live_doubles import ScriptedEstimator, feed

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "sample_videos" / "seated_piriformis_twist_right.mp4"
LIBRARY = load_library()
BODY = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE,
        L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_ANKLE, L.RIGHT_ANKLE]


@pytest.fixture(scope="module")
def twist_frame() -> np.ndarray:
    """A frame of the sample clip with the person twisting, right foot across."""
    with av.open(str(CLIP)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == 120:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"{CLIP} is shorter than 121 frames")


def _read(frame: np.ndarray, mirrored_look: bool = False):
    with PoseEstimator(EstimatorOptions(census_poses=0, mirrored_look=mirrored_look)) as estimator:
        return estimator.process(frame, 0.0).landmarks


def test_the_mirrored_reading_lands_on_the_same_joints_with_the_same_names(twist_frame: np.ndarray) -> None:
    plain = _read(twist_frame)
    mirrored = unmirror(_read(mirror_frame(twist_frame)))
    width = twist_frame.shape[1]
    apart = np.linalg.norm(plain.pixels[BODY] - mirrored.pixels[BODY], axis=1)
    # the same joints, a few pixels apart (left stays left: the shoulders are 60+ px apart)
    assert apart.max() < 0.05 * width, dict(zip([j.name for j in BODY], apart.round(1)))
    shoulders = abs(plain.pixels[L.LEFT_SHOULDER][0] - plain.pixels[L.RIGHT_SHOULDER][0])
    assert shoulders > 2 * apart[:2].max()
    # world: metres about the hips, x flipped back (the left hip on the same side as before)
    assert np.sign(mirrored.world[L.LEFT_HIP][0]) == np.sign(plain.world[L.LEFT_HIP][0])


def test_the_estimator_averages_the_plain_and_the_mirrored_reading(twist_frame: np.ndarray) -> None:
    plain = _read(twist_frame)
    mirrored = unmirror(_read(mirror_frame(twist_frame)))
    both = _read(twist_frame, mirrored_look=True)
    expected = average_readings(plain, mirrored)
    assert np.allclose(both.image, expected.image, atol=1e-4)
    assert np.allclose(both.world, expected.world, atol=1e-4)
    assert np.allclose(both.visibility, expected.visibility, atol=1e-4)
    # ... which differs from the plain reading (or the option did nothing)
    assert not np.allclose(both.image, plain.image, atol=1e-4)


def test_legs_the_two_readings_label_differently_are_matched_before_averaging(twist_frame: np.ndarray) -> None:
    plain = _read(twist_frame)
    averaged = average_readings(plain, swap_legs(plain))
    # averaged as labelled, both knees would land between the two
    assert np.allclose(averaged.image, plain.image)


def test_the_seed_stretch_files_ask_for_it_where_it_was_measured_to_help() -> None:
    assert LIBRARY.stretches["seated_piriformis_twist"].mirrored_look
    assert not LIBRARY.stretches["seated_figure_four"].mirrored_look
    assert not LIBRARY.stretches["downward_dog"].mirrored_look


def test_the_live_coach_loads_the_model_with_the_routines_choice() -> None:
    asked: list[EstimatorOptions] = []

    def factory(options: EstimatorOptions) -> ScriptedEstimator:
        asked.append(options)
        return ScriptedEstimator(None)

    twist = stretch_routine(LIBRARY.stretches["seated_piriformis_twist"], ("right",))
    dog = stretch_routine(LIBRARY.stretches["downward_dog"], (None,))
    coach = LiveCoach(LIBRARY.routines["sciatica"], LIBRARY.stretches, estimator_factory=factory)
    feed(coach, 0.2, start=0.0)
    coach.configure(routine=dog)
    feed(coach, 0.2, start=1.0)
    coach.configure(routine=twist)
    feed(coach, 0.2, start=2.0)
    assert [options.mirrored_look for options in asked] == [True, False, True]
