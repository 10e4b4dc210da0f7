"""Video files: timestamps from the file, and clear errors for anything unusable."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from coach.estimator import PoseEstimator
from coach.landmarks import PoseLandmark as L
from coach.sources import CameraSource, VideoError, VideoFileSource, small_picture_note
from coach.video_writer import AnnotatedVideoWriter


def test_frames_and_timestamps_come_from_the_file(astronaut_video: Path) -> None:
    source = VideoFileSource(astronaut_video)
    assert (source.info.width, source.info.height, source.info.fps) == (640, 480, 15.0)
    frames = list(source)
    assert len(frames) == 30
    stamps = [f.timestamp_s for f in frames]
    assert stamps[0] == 0.0
    assert np.allclose(np.diff(stamps), 1 / 15, atol=1e-3)
    assert frames[0].rgb.shape == (480, 640, 3) and frames[0].rgb.dtype == np.uint8


def test_odd_sizes_and_portrait_videos_are_read(tmp_path: Path) -> None:
    path = tmp_path / "portrait.mp4"
    with AnnotatedVideoWriter(path, 10, (361, 641)) as writer:  # odd sizes are made even
        for i in range(5):
            writer.write(np.full((641, 361, 3), 40 * i, np.uint8))
    source = VideoFileSource(path)
    assert (source.info.width, source.info.height) == (360, 640)
    assert len(list(source)) == 5


def _set_display_rotation(path: Path, a: int, b: int, c: int, d: int) -> None:
    """Write a display matrix into the MP4's track header, as phones do for portrait videos."""
    data = bytearray(path.read_bytes())
    box = data.find(b"tkhd") - 4
    matrix_at = box + (48 if data[box + 8] == 0 else 60)  # version 0 / 1 header layout

    def fixed(value: float, bits: int = 16) -> bytes:
        return struct.pack(">i", int(value * (1 << bits)))

    data[matrix_at:matrix_at + 36] = (fixed(a) + fixed(b) + fixed(0, 30) + fixed(c) + fixed(d) + fixed(0, 30)
                                      + fixed(0) + fixed(0) + fixed(1, 30))
    path.write_bytes(bytes(data))


def test_rotation_metadata_is_honoured_so_people_stand_upright(tmp_path: Path, astronaut_rgb: np.ndarray) -> None:
    upright = cv2.resize(astronaut_rgb, (360, 480))
    stored = np.ascontiguousarray(np.rot90(upright, k=-1))  # a phone stores the picture on its side
    path = tmp_path / "phone.mp4"
    with AnnotatedVideoWriter(path, 10, (480, 360)) as writer:
        for _ in range(5):
            writer.write(stored)
    _set_display_rotation(path, 0, -1, 1, 0)  # "turn a quarter to show"

    source = VideoFileSource(path)
    assert (source.info.width, source.info.height) == (360, 480)
    frame = next(iter(source)).rgb
    assert frame.shape == upright.shape
    assert np.abs(frame.astype(int) - upright).mean() < 8  # the upright picture, up to compression
    with PoseEstimator() as estimator:
        landmarks = estimator.process(frame, 0.0).landmarks
    assert landmarks is not None
    pixels = landmarks.pixels
    assert pixels[L.NOSE, 1] < pixels[L.LEFT_SHOULDER, 1] < pixels[L.LEFT_HIP, 1]  # head up, hips down


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.mp4", b"", "the file is empty"),
        ("notes.mp4", b"these are my notes, not a video\n" * 50, "not a video file that can be read"),
        ("photo.mov", b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, "not a video file that can be read"),
        ("astronaut.mp4", (Path(__file__).parent / "data" / "astronaut.jpg").read_bytes(),
         "contains a single picture, not a video"),
    ],
)
def test_unusable_files_get_a_specific_message(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(VideoError) as caught:
        VideoFileSource(path)
    assert message in str(caught.value) and name in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="nope.mp4: file not found"):
        VideoFileSource(tmp_path / "nope.mp4")


def test_a_truncated_video_yields_what_it_can(astronaut_video: Path, tmp_path: Path) -> None:
    data = astronaut_video.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    try:
        source = VideoFileSource(cut)
    except VideoError as error:  # a cut MP4 may lose its index: then it must say so
        assert "cut.mp4" in str(error)
        return
    frames = list(source)
    assert len(frames) < 30


def test_a_missing_camera_is_a_clear_error() -> None:
    with pytest.raises(VideoError, match="camera 57 could not be opened"):
        CameraSource(57)


@pytest.mark.parametrize(("width", "height", "small"), [(480, 360, True), (640, 480, False), (1280, 720, False),
                                                          (480, 640, False), (360, 480, True), (640, 360, True)])
def test_a_picture_below_a_webcams_640x480_gets_a_note(width: int, height: int, small: bool) -> None:
    """Either way round (a phone held upright is 480x640); a wide but short 640x360 is small too."""
    note = small_picture_note(width, height)
    assert (note is not None) == small
    if small:
        assert f"({width}×{height})" in note and "640×480" in note
