"""The pose model in its own process (the live coach's estimator): real MediaPipe, real child processes."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

from coach.estimator import EstimatorOptions, PoseEstimator
from coach.estimator_process import EstimatorProcessError, PoseEstimatorProcess, ProcessOptions
from coach.stretches import load_library
from coach import settings
from coach.routine import stretch_routine
from coach.live import LiveCoach

from conftest import moving_frames


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _nice(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])  # field 19 of /proc/<pid>/stat; the first two are cut off above


def test_the_child_finds_the_same_person_as_the_model_in_process(astronaut_rgb: np.ndarray) -> None:
    frames = moving_frames(astronaut_rgb, 8)
    with PoseEstimator() as local:
        expected = [local.process(frame, i / 15) for i, frame in enumerate(frames)]
    with PoseEstimatorProcess(process_options=ProcessOptions(nice=7)) as remote:
        pid = remote.pid
        assert pid is not None and pid != os.getpid()
        # Lower CPU priority than the app (niceness adds to the parent's).
        assert _nice(pid) == min(19, os.nice(0) + 7)
        got = [remote.process(frame, i / 15) for i, frame in enumerate(frames)]
    assert not _alive(pid), "closing must end the child"
    for mine, theirs in zip(got, expected):
        assert mine.people_in_view == theirs.people_in_view == 1
        assert mine.landmarks is not None and theirs.landmarks is not None
        np.testing.assert_allclose(mine.landmarks.image, theirs.landmarks.image, atol=1e-6)
        np.testing.assert_allclose(mine.landmarks.visibility, theirs.landmarks.visibility, atol=1e-6)
        assert mine.landmarks.image_size == theirs.landmarks.image_size
        assert mine.landmarks.timestamp_s == theirs.landmarks.timestamp_s


def test_frames_of_any_size_and_bad_frames() -> None:
    with PoseEstimatorProcess() as remote:
        for size in ((480, 640), (360, 480), (481, 641)):  # Chrome drops the size mid-session; odd sizes too
            result = remote.process(np.full((*size, 3), 128, np.uint8), 0.1 * size[0])
            assert result.landmarks is None and result.people_in_view == 0
        with pytest.raises(ValueError, match="expected an RGB uint8 frame"):
            remote.process(np.zeros((480, 640), np.uint8), 1.0)
        # A bad frame is refused before it is sent: the child is still there and answers.
        assert remote.process(np.zeros((48, 64, 3), np.uint8), 2.0).landmarks is None
    with pytest.raises(RuntimeError, match="closed"):
        remote.process(np.zeros((480, 640, 3), np.uint8), 3.0)


def test_a_file_that_is_not_a_model_fails_with_the_childs_reason(tmp_path: Path) -> None:
    bogus = tmp_path / "not_a_model.task"
    bogus.write_bytes(b"this is not a pose model bundle")
    with pytest.raises(EstimatorProcessError, match="pose model could not be loaded: .+"):
        PoseEstimatorProcess(EstimatorOptions(model=str(bogus)))
    with pytest.raises(FileNotFoundError, match="nope.task"):  # a missing file fails at once, no child
        PoseEstimatorProcess(EstimatorOptions(model=str(tmp_path / "nope.task")))


def test_a_child_that_dies_is_reported_plainly(astronaut_rgb: np.ndarray) -> None:
    remote = PoseEstimatorProcess()
    assert remote.process(astronaut_rgb, 0.0).landmarks is not None
    os.kill(remote.pid, signal.SIGKILL)  # as if the model crashed or the OS killed it
    with pytest.raises(EstimatorProcessError, match="stopped unexpectedly"):
        remote.process(astronaut_rgb, 0.1)
    remote.close()  # closing again is harmless
    with pytest.raises(RuntimeError, match="closed"):
        remote.process(astronaut_rgb, 0.2)


def test_a_child_that_hangs_is_killed_and_reported(astronaut_rgb: np.ndarray) -> None:
    remote = PoseEstimatorProcess(process_options=ProcessOptions(frame_timeout_s=1.0))
    pid = remote.pid
    os.kill(pid, signal.SIGSTOP)  # frozen: it will never answer
    with pytest.raises(EstimatorProcessError, match="did not answer within 1 s"):
        remote.process(astronaut_rgb, 0.0)
    assert not _alive(pid)


def test_the_live_coach_runs_its_model_in_a_child_and_ends_it_with_the_stream(
        astronaut_rgb: np.ndarray, tmp_path: Path) -> None:
    library = load_library()
    coach = LiveCoach(stretch_routine(library.stretches["downward_dog"], (None,)), library.stretches,
                      log_dir=tmp_path, model_process=ProcessOptions(nice=3))
    try:
        for i, frame in enumerate(moving_frames(astronaut_rgb, 4)):
            coach.process_rgb(frame, i / 15)
        snap = coach.snapshot()
        assert snap.frames == 4 and snap.person_visible and snap.error is None
        child = coach._model._estimator.pid
        assert child != os.getpid() and _alive(child)
    finally:
        coach.on_stream_ended()
    assert not _alive(child)  # the model ends with the stream; the session only pauses
    assert coach.snapshot().paused == "camera stopped" and not coach.snapshot().log_closed
    coach.close()
    assert coach.snapshot().log_closed


def test_a_model_process_that_dies_mid_session_is_replaced(astronaut_rgb: np.ndarray, tmp_path: Path) -> None:
    library = load_library()
    coach = LiveCoach(stretch_routine(library.stretches["downward_dog"], (None,)), library.stretches,
                      log_dir=tmp_path)
    frames = moving_frames(astronaut_rgb, 3)
    try:
        coach.process_rgb(frames[0], 0.0)
        first = coach._model._estimator.pid
        os.kill(first, signal.SIGKILL)
        # The frame that finds it gone says so, on the video and in the panel; coaching goes on.
        coach.process_rgb(frames[1], 0.1)
        assert "stopped unexpectedly" in (coach.snapshot().error or "")
        coach.process_rgb(frames[2], 0.2)
        snap = coach.snapshot()
        assert snap.error is None and snap.person_visible and snap.frames == 2
        assert coach._model._estimator.pid != first and _alive(coach._model._estimator.pid)
    finally:
        coach.close()


def test_model_settings_from_the_environment() -> None:
    assert settings.model_process({}).nice == ProcessOptions().nice
    assert settings.model_process({settings.MODEL_NICE_ENV: "19"}).nice == 19
    assert settings.model_fps({}) == settings.DEFAULT_MODEL_FPS
    assert settings.model_fps({settings.MODEL_FPS_ENV: "0"}) is None  # no limit
    assert settings.model_fps({settings.MODEL_FPS_ENV: "24"}) == 24.0
    for bad in ("-1", "20", "ten"):
        with pytest.raises(settings.SettingsError, match=settings.MODEL_NICE_ENV):
            settings.model_process({settings.MODEL_NICE_ENV: bad})
    for bad in ("-5", "fast", "nan"):
        with pytest.raises(settings.SettingsError, match=settings.MODEL_FPS_ENV):
            settings.model_fps({settings.MODEL_FPS_ENV: bad})
