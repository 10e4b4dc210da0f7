"""Real MediaPipe, with the committed model bundles, on a real photo of a person."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from coach.estimator import (
    BUILT_IN_MODELS,
    MODELS_DIR,
    EstimatorOptions,
    ModelNotFoundError,
    PoseEstimator,
    resolve_model_path,
)
from coach.landmarks import PoseLandmark as L

from conftest import moving_frames


def test_committed_bundles_match_their_recorded_sha256() -> None:
    sums = dict(reversed(line.split()) for line in (MODELS_DIR / "SHA256SUMS").read_text().splitlines() if line.strip())
    assert set(sums) == {p.name for p in BUILT_IN_MODELS.values()}
    for path in BUILT_IN_MODELS.values():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sums[path.name], f"{path.name} changed"
    assert (MODELS_DIR / "LICENSE").read_text().startswith(("Apache", "\n", " ")) or "Apache" in (MODELS_DIR / "LICENSE").read_text()


@pytest.mark.parametrize("model", ["full", "lite"])
def test_the_person_in_a_real_photo_is_found_with_anatomical_sides(astronaut_rgb: np.ndarray, model: str) -> None:
    with PoseEstimator(EstimatorOptions(model=model)) as estimator:
        result = estimator.process(astronaut_rgb, 0.0)
    lm = result.landmarks
    assert lm is not None and result.people_in_view == 1
    assert lm.image_size == (512, 512)
    nose = lm.pixels[L.NOSE]
    # The face is in the upper middle of the picture; the shoulders below it.
    assert 180 < nose[0] < 300 and 90 < nose[1] < 180
    assert lm.pixels[L.LEFT_SHOULDER][1] > nose[1] and lm.pixels[L.RIGHT_SHOULDER][1] > nose[1]
    # She faces the camera: her left shoulder is on the right of the picture.
    assert lm.pixels[L.LEFT_SHOULDER][0] > lm.pixels[L.RIGHT_SHOULDER][0]
    assert lm.visibility[L.NOSE] > 0.9
    # World landmarks are metres around the hips: shoulders 0.25-0.5 m apart.
    width = np.linalg.norm(lm.world[L.LEFT_SHOULDER] - lm.world[L.RIGHT_SHOULDER])
    assert 0.2 < width < 0.5


def test_large_frames_are_downscaled_but_landmarks_stay_in_frame_coordinates(astronaut_rgb: np.ndarray) -> None:
    big = cv2.resize(astronaut_rgb, (1536, 1536))
    with PoseEstimator(EstimatorOptions(max_inference_side=512)) as estimator:
        small_result = estimator.process(astronaut_rgb, 0.0)
    with PoseEstimator(EstimatorOptions(max_inference_side=512)) as estimator:
        big_result = estimator.process(big, 0.0)
    assert big_result.landmarks is not None and small_result.landmarks is not None
    assert big_result.landmarks.image_size == (1536, 1536)
    # Same normalised positions (within 2.5% of the frame, a pixel or two at the
    # model's 256 px input) whatever the input size,
    # for the landmarks the model is sure of (the legs are outside this photo).
    sure = (big_result.landmarks.visibility > 0.9) & (small_result.landmarks.visibility > 0.9)
    assert sure.sum() >= 11
    diff = np.abs(big_result.landmarks.image[sure, :2] - small_result.landmarks.image[sure, :2])
    assert diff.max() < 0.025


def test_tracking_over_a_video_with_repeated_and_backward_timestamps(astronaut_rgb: np.ndarray) -> None:
    frames = moving_frames(astronaut_rgb, 10)
    stamps = [0.0, 0.1, 0.1, 0.2, 0.15, 0.3, 0.4, 0.5, 0.6, 0.7]  # not monotonic: must not raise
    with PoseEstimator() as estimator:
        found = [estimator.process(f, t).landmarks is not None for f, t in zip(frames, stamps)]
    assert all(found)


def test_two_people_are_reported_and_the_central_one_is_coached(astronaut_rgb: np.ndarray) -> None:
    person = cv2.resize(astronaut_rgb, (300, 300))
    small = cv2.resize(astronaut_rgb, (200, 200))
    canvas = np.full((480, 800, 3), 30, np.uint8)
    canvas[90:390, 250:550] = person  # the coached person, central and larger
    canvas[280:480, 580:780] = small  # someone smaller at the side
    with PoseEstimator() as estimator:
        result = estimator.process(canvas, 0.0)
    assert result.people_in_view == 2 and result.second_person
    assert result.landmarks is not None
    nose_x = result.landmarks.pixels[L.NOSE][0]
    assert 250 < nose_x < 550


def test_an_empty_frame_finds_nobody() -> None:
    with PoseEstimator() as estimator:
        result = estimator.process(np.full((480, 640, 3), 128, np.uint8), 0.0)
    assert result.landmarks is None and result.people_in_view == 0


def test_bad_frames_and_closed_estimators_give_clear_errors() -> None:
    estimator = PoseEstimator()
    with pytest.raises(ValueError, match="expected an RGB uint8 frame"):
        estimator.process(np.zeros((480, 640), np.uint8), 0.0)
    estimator.close()
    with pytest.raises(RuntimeError, match="closed"):
        estimator.process(np.zeros((480, 640, 3), np.uint8), 0.0)


def test_model_choice_and_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_model_path("lite").name == "pose_landmarker_lite.task"
    monkeypatch.setenv("STRETCH_COACH_MODEL", "lite")
    assert resolve_model_path().name == "pose_landmarker_lite.task"
    with pytest.raises(ModelNotFoundError, match="pose model .*nope.task.* not found"):
        resolve_model_path(str(tmp_path / "nope.task"))


def _far_away(frame: np.ndarray, scale: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The frame shrunk to ``scale`` and put in the middle of a wall-coloured frame of the
    same size: the same person, as if much further from the camera."""
    height, width = frame.shape[:2]
    small = cv2.resize(frame, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    canvas = np.empty_like(frame)
    canvas[:] = frame[5, 5]
    y0, x0 = (height - small.shape[0]) // 2, (width - small.shape[1]) // 2
    canvas[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
    return canvas, (x0, y0)


def test_a_person_far_from_the_camera_is_found_by_the_second_look() -> None:
    """MediaPipe's detector misses a person small in the picture (a seated figure-4, a
    third of the frame high); the enlarged second look finds them where they are."""
    from coach.sources import VideoFileSource

    frames = [f.rgb for f, _ in zip(VideoFileSource(Path(__file__).parents[1] / "sample_videos"
                                                    / "seated_figure_four_right.mp4"), range(121))]
    near = frames[120]
    height, width = near.shape[:2]
    with PoseEstimator(EstimatorOptions(census_poses=0)) as estimator:
        full_size = estimator.process(near, 0.0).landmarks
    assert full_size is not None
    far, (x0, y0) = _far_away(near, 0.35)
    with PoseEstimator(EstimatorOptions(census_poses=0, zoom_fraction=0.0)) as estimator:
        assert estimator.process(far, 0.0).landmarks is None
    with PoseEstimator(EstimatorOptions(census_poses=0)) as estimator:
        found = [estimator.process(far, k / 12).landmarks for k in range(3)]  # and frame after frame
    assert all(lm is not None for lm in found)
    expected = np.column_stack([(x0 + full_size.image[:, 0] * width * 0.35) / width,
                                (y0 + full_size.image[:, 1] * height * 0.35) / height])
    for lm in found:
        assert lm.image_size == (width, height)
        error = np.abs(lm.image[:, :2] - expected)[[L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_SHOULDER, L.RIGHT_SHOULDER,
                                                    L.LEFT_KNEE, L.RIGHT_KNEE]]
        assert error.max() < 0.02, error


def test_after_a_tracking_reset_the_next_frame_finds_the_person_where_they_now_are(astronaut_rgb: np.ndarray) -> None:
    person = cv2.resize(astronaut_rgb, (300, 300))
    left, right = (np.full((480, 800, 3), 30, np.uint8) for _ in range(2))
    left[90:390, 20:320] = person
    right[90:390, 480:780] = person
    with PoseEstimator(EstimatorOptions(census_poses=0)) as estimator:
        estimator.reset_tracking()  # before any frame: nothing to forget, no error
        assert estimator.process(left, 0.0).landmarks.pixels[L.NOSE][0] < 320
        estimator.reset_tracking()
        after = estimator.process(right, 0.05).landmarks  # an earlier timestamp than the blank's is fine
        assert after is not None and 480 < after.pixels[L.NOSE][0] < 780
        assert estimator.resets == 2
    with pytest.raises(RuntimeError, match="closed"):
        estimator.reset_tracking()
