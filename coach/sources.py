"""Frame sources: video files and local cameras, as (RGB frame, timestamp) pairs.

Timestamps of a file come from the file (its presentation times), never the wall
clock, so analysing a video gives the same result however fast the machine is.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# FFmpeg's own complaints about a damaged file ("moov atom not found", "Invalid NAL unit
# size") would reach the person's terminal beside our one-line error: OpenCV reads this
# when it first opens a file, so it is set before OpenCV is imported.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2
import numpy as np

#: File name endings offered for upload; anything OpenCV can decode is accepted.
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg")

#: Smallest picture side accepted: below this nobody can be found, and H.264 cannot encode it.
MIN_SIDE_PX = 32
#: Below this picture size (either way round) crossed legs are read less reliably: the figure-4's
#: crossed-leg stills were accepted when correct 71 of 85 times rendered at 480x360 and 76-80 at
#: 640x480 or 960x720, the same scenes (README, "Picture size"). Enlarging does not help.
ADVISED_SIZE_PX = (640, 480)


def small_picture_note(width: int, height: int) -> str | None:
    """What to tell someone whose video is smaller than a webcam's 640x480 (None when it is not)."""
    long_side, short_side = max(width, height), min(width, height)
    if long_side >= ADVISED_SIZE_PX[0] and short_side >= ADVISED_SIZE_PX[1]:
        return None
    return (f"The picture is small ({width}×{height}): crossed legs are read less reliably below "
            f"{ADVISED_SIZE_PX[0]}×{ADVISED_SIZE_PX[1]}. Record at that size or more if you can.")


#: Decoding may stop this many frames (and this share of them) short of the stated count
#: before the video counts as ended early: stated counts are estimates in some containers.
EARLY_END_FRAMES = 3
EARLY_END_SHARE = 0.05


class VideoError(ValueError):
    """A video that cannot be used, with a message meant for the person who chose it."""


@dataclass(frozen=True)
class Frame:
    """One decoded frame: RGB pixels (H, W, 3, uint8) and when it was captured."""

    rgb: np.ndarray
    timestamp_s: float
    index: int


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    width: int
    height: int
    fps: float
    frame_count: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps > 0 else math.nan


def _open_capture(path: Path) -> cv2.VideoCapture:
    capture = cv2.VideoCapture(str(path))
    # Phone videos store their rotation as metadata; apply it so people stand upright.
    capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    return capture


class VideoFileSource:
    """Reads a video file frame by frame, with the file's own timestamps.

    Raises `VideoError` up front for a missing file, a file that is not a video,
    and a video without frames.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise VideoError(f"{self.path}: file not found")
        if not self.path.is_file():
            raise VideoError(f"{self.path}: not a file")
        if self.path.stat().st_size == 0:
            raise VideoError(f"{self.path}: the file is empty (0 bytes)")
        capture = _open_capture(self.path)
        try:
            if not capture.isOpened():
                raise VideoError(f"{self.path}: not a video file that can be read (unknown or damaged format)")
            count_reported = capture.get(cv2.CAP_PROP_FRAME_COUNT)
            count = int(count_reported) if math.isfinite(count_reported) and 0 < count_reported < 1e9 else 0
            ok, first = capture.read()
            if not ok or first is None:
                if count > 0:
                    raise VideoError(f"{self.path}: the video is damaged: none of its frames can be decoded")
                raise VideoError(f"{self.path}: not a video file that can be read (unknown or damaged format)")
            if not capture.read()[0]:
                raise VideoError(f"{self.path}: contains a single picture, not a video")
            fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
            height, width = first.shape[:2]
        finally:
            capture.release()
        if min(width, height) < MIN_SIDE_PX:
            raise VideoError(f"{self.path}: the picture is {width}x{height} pixels, too small to find a person in "
                             f"(at least {MIN_SIDE_PX}x{MIN_SIDE_PX} needed)")
        if not (math.isfinite(fps) and 1.0 <= fps <= 1000.0):
            fps = 30.0  # unknown rate: timestamps then come from the stream's positions
        self.info = VideoInfo(self.path, width, height, fps, max(count, 1))
        self.frames_decoded = 0
        self.stopped_early = False

    def __iter__(self) -> Iterator[Frame]:
        capture = _open_capture(self.path)
        try:
            index = 0
            last_t = -math.inf
            while True:
                ok, bgr = capture.read()
                if not ok or bgr is None:
                    break
                position_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
                t = position_ms / 1000.0 if position_ms and math.isfinite(position_ms) else index / self.info.fps
                if index == 0 or t <= last_t:
                    # Some containers report 0 or repeat times; fall back to the nominal rate.
                    t = max(index / self.info.fps, last_t + 1e-3) if index else 0.0
                last_t = t
                yield Frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), t, index)
                index += 1
            self.frames_decoded = index
            missing = self.info.frame_count - index
            self.stopped_early = missing >= max(EARLY_END_FRAMES, EARLY_END_SHARE * self.info.frame_count)
        finally:
            capture.release()

    def early_end_warning(self) -> str | None:
        """After reading: why the video ended before its stated length (truncated or damaged), if it did."""
        if not self.stopped_early:
            return None
        fps = self.info.fps
        return (f"{self.path.name}: the video ended early: {self.frames_decoded} of its {self.info.frame_count} "
                f"frames could be decoded ({self.frames_decoded / fps:.1f} s of {self.info.duration_s:.1f} s); "
                "the file is probably truncated or damaged, so only the start was analysed")


class CameraSource:
    """A local camera by index; timestamps are seconds since the camera opened."""

    def __init__(self, index: int = 0, width: int | None = None, height: int | None = None) -> None:
        self.capture = cv2.VideoCapture(index)
        if not self.capture.isOpened():
            self.capture.release()
            raise VideoError(f"camera {index} could not be opened (none connected, or in use by another program)")
        if width:
            self.capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self.capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._start = time.monotonic()

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while True:
            ok, bgr = self.capture.read()
            if not ok or bgr is None:
                return  # the camera disappeared: the caller sees the stream end
            yield Frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), time.monotonic() - self._start, index)
            index += 1

    def close(self) -> None:
        self.capture.release()

    def __enter__(self) -> "CameraSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
