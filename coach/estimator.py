"""Pose estimation: MediaPipe's Tasks `PoseLandmarker` turned into `Landmarks`.

The only module that talks to MediaPipe. One `PoseEstimator` per video stream
(VIDEO running mode needs its own monotonically increasing timestamps), always
closed (`with PoseEstimator(...) as estimator:`).

Tracking asks for one pose while one person is in view: MediaPipe then runs its
person detector only when tracking is lost. Asking for two poses runs the
detector on every frame (measured here: the full model goes from 23 to 44 ms a
frame), so a separate "census" landmarker (IMAGE mode, several poses) looks at
one frame a second. While it sees more than one person, tracking asks for as
many poses and keeps coaching the same person: the one nearest to the previous
frame's person, or at the start the largest and most central.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from coach.landmarks import NUM_LANDMARKS, Landmarks, PoseLandmark

MODELS_DIR = Path(__file__).resolve().parent / "models"
MODEL_ENV_VAR = "STRETCH_COACH_MODEL"
BUILT_IN_MODELS = {
    "full": MODELS_DIR / "pose_landmarker_full.task",
    "lite": MODELS_DIR / "pose_landmarker_lite.task",
}


class ModelNotFoundError(FileNotFoundError):
    """The pose model file the user asked for does not exist."""


def resolve_model_path(model: str | os.PathLike[str] | None = None) -> Path:
    """Path of the pose model bundle to load.

    ``model`` may be "full" (default, most accurate of the committed bundles),
    "lite" (low CPU) or a path to a `.task` file, such as an official one. The
    environment variable STRETCH_COACH_MODEL overrides the default.
    """
    choice = str(model) if model is not None else os.environ.get(MODEL_ENV_VAR, "full")
    path = BUILT_IN_MODELS.get(choice, Path(choice).expanduser())
    if not path.is_file():
        known = ", ".join(BUILT_IN_MODELS)
        raise ModelNotFoundError(f"pose model {choice!r} not found (use {known} or the path of a .task file)")
    return path


@dataclass(frozen=True)
class EstimatorOptions:
    """How the pose model runs.

    model: "full", "lite" or a path to a .task bundle (see `resolve_model_path`).
    census_poses: how many people the once-a-second census looks for
        (0 turns the census off; then `people_in_view` is at most 1).
    census_interval_s: time between two censuses, in frame-timestamp seconds.
    max_inference_side: frames larger than this (longest side, pixels) are
        downscaled before inference; the model works at 256 px anyway.
    zoom_fraction: when nobody is found in the whole frame, look again in a crop
        this share of the frame's width and height, enlarged (around where the
        person was, else the middle); 0 turns the second look off. MediaPipe's
        person detector misses people who are small in the picture: on the wide
        render set (lens 2-3.5 m away, 480x360) it found no one in 36 of 1,200
        stills, a crop of 0.6 found every one tried.
    """

    model: str | None = None
    census_poses: int = 2
    census_interval_s: float = 1.0
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    max_inference_side: int = 960
    jump_reset_fraction: float = 0.6
    zoom_fraction: float = 0.6

    def __post_init__(self) -> None:
        if self.census_poses < 0 or self.census_poses == 1:
            raise ValueError("census_poses must be 0 (off) or >= 2")
        if self.max_inference_side < 64:
            raise ValueError("max_inference_side must be >= 64")


@dataclass(frozen=True)
class PoseResult:
    """What the estimator found in one frame."""

    landmarks: Landmarks | None
    people_in_view: int

    @property
    def second_person(self) -> bool:
        return self.people_in_view > 1


_TORSO = (PoseLandmark.LEFT_SHOULDER, PoseLandmark.RIGHT_SHOULDER, PoseLandmark.LEFT_HIP, PoseLandmark.RIGHT_HIP)


def _centre_and_size(landmarks: Landmarks) -> tuple[np.ndarray, float]:
    """Centre of the body in normalised units and the size of its bounding box."""
    xy = landmarks.image[:, :2]
    finite = np.isfinite(xy).all(axis=1)
    if not finite.any():
        return np.array([np.nan, np.nan]), 0.0
    points = xy[finite]
    span = points.max(axis=0) - points.min(axis=0)
    torso = xy[list(_TORSO)]
    centre = np.nanmean(torso, axis=0) if np.isfinite(torso).any() else points.mean(axis=0)
    return centre, float(span[0] * span[1])


def choose_person(candidates: list[Landmarks], previous: Landmarks | None) -> Landmarks | None:
    """Pick the person being coached among the poses found in a frame.

    With a previous frame: the candidate whose centre is nearest to the previous
    person's (people don't teleport). Otherwise: the largest, most central one.
    """
    if not candidates:
        return None
    if previous is not None:
        before, _ = _centre_and_size(previous)
        if np.isfinite(before).all():
            return min(candidates, key=lambda c: float(np.linalg.norm(_centre_and_size(c)[0] - before)))

    def prominence(candidate: Landmarks) -> float:
        centre, size = _centre_and_size(candidate)
        off_centre = float(np.linalg.norm(centre - 0.5)) if np.isfinite(centre).all() else 1.0
        return size * (1.0 - min(off_centre, 0.9))

    return max(candidates, key=prominence)


@dataclass(frozen=True)
class CropBox:
    """A part of a frame, in pixels: where a second look at a small person goes."""

    x0: int
    y0: int
    width: int
    height: int


def zoom_box(frame_size: tuple[int, int], fraction: float, previous: Landmarks | None = None) -> CropBox:
    """A crop ``fraction`` of the frame's width and height (same shape as the frame),
    centred on the previous person's body when there is one, else on the middle,
    kept inside the frame."""
    width, height = frame_size
    crop_w, crop_h = max(16, round(width * fraction)), max(16, round(height * fraction))
    cx, cy = width / 2, height / 2
    if previous is not None:
        xy = previous.image[:, :2]
        finite = xy[np.isfinite(xy).all(axis=1)]
        if len(finite):
            cx, cy = float((finite[:, 0].min() + finite[:, 0].max()) / 2 * width), \
                float((finite[:, 1].min() + finite[:, 1].max()) / 2 * height)
    x0 = int(min(max(round(cx - crop_w / 2), 0), width - crop_w))
    y0 = int(min(max(round(cy - crop_h / 2), 0), height - crop_h))
    return CropBox(x0, y0, crop_w, crop_h)


def uncrop(landmarks: Landmarks, box: CropBox, frame_size: tuple[int, int]) -> Landmarks:
    """Landmarks found in a crop, in the whole frame's normalised coordinates (z keeps
    the scale of x). World landmarks are metric and need nothing."""
    width, height = frame_size
    image = landmarks.image.copy()
    image[:, 0] = (box.x0 + image[:, 0] * box.width) / width
    image[:, 1] = (box.y0 + image[:, 1] * box.height) / height
    image[:, 2] = image[:, 2] * box.width / width
    return Landmarks(image, landmarks.world, landmarks.visibility, landmarks.presence, landmarks.timestamp_s,
                     frame_size)


def landmarks_from_task_result(result: Any, index: int, timestamp_s: float, image_size: tuple[int, int]) -> Landmarks:
    """Adapter at the boundary: one pose of a `PoseLandmarkerResult` to `Landmarks`."""
    image = np.full((NUM_LANDMARKS, 3), np.nan)
    world = np.full((NUM_LANDMARKS, 3), np.nan)
    visibility = np.zeros(NUM_LANDMARKS)
    presence = np.zeros(NUM_LANDMARKS)
    for i, lm in enumerate(result.pose_landmarks[index][:NUM_LANDMARKS]):
        image[i] = (lm.x, lm.y, lm.z)
        visibility[i] = lm.visibility if lm.visibility is not None else 0.0
        presence[i] = lm.presence if lm.presence is not None else 0.0
    if index < len(result.pose_world_landmarks):
        for i, lm in enumerate(result.pose_world_landmarks[index][:NUM_LANDMARKS]):
            world[i] = (lm.x, lm.y, lm.z)
    return Landmarks(image, world, visibility, presence, timestamp_s, image_size)


class PoseEstimator:
    """MediaPipe PoseLandmarker in VIDEO mode for one stream of frames."""

    def __init__(self, options: EstimatorOptions | None = None) -> None:
        self.options = options or EstimatorOptions()
        self.model_path = resolve_model_path(self.options.model)
        self._landmarker: Any = None
        self._census: Any = None
        self._zoom: Any = None  # IMAGE mode, made on the first second look
        self._last_ms = -1
        self._last_shape: tuple[int, ...] | None = None  # of the last frame the tracker was given
        self._previous: Landmarks | None = None
        self._last_census_t: float | None = None
        self._census_count = 0
        self._tracked_poses = 1
        self.resets = 0
        self._landmarker = self._create(video=True, num_poses=1)
        if self.options.census_poses:
            self._census = self._create(video=False, num_poses=self.options.census_poses)

    def _create(self, video: bool, num_poses: int) -> Any:
        # Imported here so the engine and its tests never need MediaPipe.
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=RunningMode.VIDEO if video else RunningMode.IMAGE,
            num_poses=num_poses,
            min_pose_detection_confidence=self.options.min_detection_confidence,
            min_pose_presence_confidence=self.options.min_presence_confidence,
            min_tracking_confidence=self.options.min_tracking_confidence,
        )
        return PoseLandmarker.create_from_options(options)

    def close(self) -> None:
        for name in ("_landmarker", "_census", "_zoom"):
            landmarker = getattr(self, name)
            if landmarker is not None:
                landmarker.close()
                setattr(self, name, None)

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reset_tracking(self) -> None:
        """Start detection afresh (after a cut, or when tracking locked onto nonsense).

        The tracker is shown one blank frame: with nobody in view it loses the person, and
        the next frame runs the person detector again, as a new tracker would, without
        reloading the model (0.1 s). Checked on the Review page's stretch guess, which
        restarts tracking at each of 24 samples a video: on the 16 committed clips the same
        stretch and side for every clip as with a reloaded model, votes within 1
        (2026-12-06), where a tracker carried over read a downward dog as its start.
        """
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator is closed")
        if self._last_shape is not None:
            import mediapipe as mp

            self._last_ms += 1
            blank = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.zeros(self._last_shape, np.uint8))
            self._landmarker.detect_for_video(blank, self._last_ms)
        self._previous = None
        self.resets += 1

    def _downscale(self, frame_rgb: np.ndarray) -> np.ndarray:
        height, width = frame_rgb.shape[:2]
        longest = max(height, width)
        if longest <= self.options.max_inference_side:
            return frame_rgb
        import cv2

        factor = self.options.max_inference_side / longest
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        return cv2.resize(frame_rgb, size, interpolation=cv2.INTER_AREA)

    def _jumped(self, landmarks: Landmarks, timestamp_s: float) -> bool:
        """An implausible jump of the whole body between close frames: tracking is lost."""
        previous = self._previous
        if previous is None or timestamp_s - previous.timestamp_s > 0.5:
            return False
        before, size = _centre_and_size(previous)
        after, _ = _centre_and_size(landmarks)
        if not (np.isfinite(before).all() and np.isfinite(after).all()) or size <= 0:
            return False
        return float(np.linalg.norm(after - before)) > self.options.jump_reset_fraction * math.sqrt(size)

    def process(self, frame_rgb: np.ndarray, timestamp_s: float) -> PoseResult:
        """Find the coached person in one RGB frame (H, W, 3, uint8).

        Landmarks are normalised to the frame as given, whatever size inference ran at.
        """
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator is closed")
        if frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3 or frame_rgb.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 frame (H, W, 3), got {frame_rgb.dtype} {frame_rgb.shape}")
        import mediapipe as mp

        height, width = frame_rgb.shape[:2]
        small = np.ascontiguousarray(self._downscale(frame_rgb))
        # VIDEO mode needs strictly increasing integer milliseconds.
        ms = max(int(round(timestamp_s * 1000.0)), self._last_ms + 1)
        self._last_ms = ms
        self._last_shape = small.shape
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=small)
        census = self._take_census(image, timestamp_s)
        result = self._landmarker.detect_for_video(image, ms)
        candidates = [
            landmarks_from_task_result(result, i, timestamp_s, (width, height))
            for i in range(len(result.pose_landmarks))
        ]
        chosen = choose_person(candidates, self._previous)
        if chosen is None:
            chosen = self._second_look(small, timestamp_s, (width, height))
        people = max(census, len(candidates), int(chosen is not None))
        if chosen is not None and self._jumped(chosen, timestamp_s):
            # Never coach from a frame where tracking may have locked onto the wrong thing.
            self.reset_tracking()
            return PoseResult(None, people)
        self._previous = chosen
        return PoseResult(chosen, people)

    def _second_look(self, small: np.ndarray, timestamp_s: float, frame_size: tuple[int, int]) -> Landmarks | None:
        """Nobody in the whole frame: look again in an enlarged crop (around where the
        person was, within the last second, else the middle), for someone far away."""
        if not self.options.zoom_fraction:
            return None
        import mediapipe as mp

        recent = self._previous if self._previous is not None and \
            timestamp_s - self._previous.timestamp_s <= 1.0 else None
        box = zoom_box((small.shape[1], small.shape[0]), self.options.zoom_fraction, recent)
        crop = np.ascontiguousarray(small[box.y0:box.y0 + box.height, box.x0:box.x0 + box.width])
        if self._zoom is None:
            self._zoom = self._create(video=False, num_poses=1)
        result = self._zoom.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=crop))
        if not result.pose_landmarks:
            return None
        found = landmarks_from_task_result(result, 0, timestamp_s, (box.width, box.height))
        scaled = uncrop(found, box, (small.shape[1], small.shape[0]))
        return Landmarks(scaled.image, scaled.world, scaled.visibility, scaled.presence, timestamp_s, frame_size)

    def _take_census(self, image: Any, timestamp_s: float) -> int:
        """People in view (at most one census a second); retunes the tracker to match."""
        if self._census is None:
            return 0
        due = self._last_census_t is None or abs(timestamp_s - self._last_census_t) >= self.options.census_interval_s
        if due:
            self._census_count = len(self._census.detect(image).pose_landmarks)
            self._last_census_t = timestamp_s
            wanted = max(1, min(self._census_count, self.options.census_poses))
            if wanted != self._tracked_poses:
                self._landmarker.close()
                self._landmarker = self._create(video=True, num_poses=wanted)
                self._tracked_poses = wanted
        return self._census_count
