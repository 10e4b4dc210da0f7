"""`coach analyze` with bad videos, bad output places, concurrent runs and killed runs.

Every failure is one `error:` line naming the file or folder, exit code 2, no traceback.
The bad videos are made here (PyAV, a few kB each); the runs that load the pose model use
tiny clips.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from coach.session_log import load_session_log

from coach.analyze import analyze_video
from coach.cli import main as coach_main
from coach.video_writer import AnnotatedVideoWriter

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "downward_dog.mp4"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _encode(path: Path, width: int, height: int, frames: int, codec: str = "libx264",
            pix_fmt: str = "yuv420p") -> Path:
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        container.start_encoding()  # the header, even without frames
        for i in range(frames):
            picture = av.VideoFrame.from_ndarray(np.full((height, width, 3), (9 * i) % 256, np.uint8), format="rgb24")
            for packet in stream.encode(picture):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=8000)
        for i in range(5):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 8000, i * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _still_named_mp4(path: Path) -> Path:
    path.write_bytes((ROOT / "tests" / "data" / "astronaut.jpg").read_bytes())
    return path


def _analyze(capsys: pytest.CaptureFixture[str], video: Path, out: Path | str, *extra: str) -> tuple[int, str, str]:
    code = coach_main(["analyze", str(video), "--stretch", "downward_dog", "--out", str(out), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_error_line(err: str) -> str:
    """The error line, and nothing that looks like a traceback or an FFmpeg message."""
    assert "Traceback" not in err and "moov atom" not in err and "NAL unit" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, err
    return errors[0]


# ---------------------------------------------------------------- bad videos

BAD_VIDEOS = {
    # name: (how to make it in a folder, the message)
    "one_pixel.mp4": (lambda p: _encode(p, 1, 1, 5, pix_fmt="yuv444p"),
                      "one_pixel.mp4: the picture is 1x1 pixels, too small to find a person in"),
    "no_frames.mp4": (lambda p: _encode(p, 64, 64, 0), "no_frames.mp4: not a video file that can be read"),
    "random.mp4": (lambda p: p.write_bytes(np.random.default_rng(7).bytes(4000)) and p,
                   "random.mp4: not a video file that can be read"),
    "notes.mp4": (lambda p: p.write_text("these are my notes, not a video\n" * 50) and p,
                  "notes.mp4: not a video file that can be read"),
    "sound.mp4": (_audio_only, "sound.mp4: not a video file that can be read"),
    "photo.mp4": (_still_named_mp4, "photo.mp4: contains a single picture, not a video"),
    "empty.mp4": (lambda p: p.write_bytes(b"") or p, "empty.mp4: the file is empty (0 bytes)"),
    # Index at the end (as most recorders write it): the first 5 kB have no index at all.
    "cut_short.mp4": (lambda p: p.write_bytes(_encode(p, 64, 64, 300).read_bytes()[:5000]) or p,
                      "cut_short.mp4: not a video file that can be read"),
    "bad_header.mp4": (lambda p: p.write_bytes(SAMPLE.read_bytes()[:200] + bytes(3000)
                                               + SAMPLE.read_bytes()[3200:]) or p,
                       "bad_header.mp4: not a video file that can be read"),
}


@pytest.mark.parametrize("name", sorted(BAD_VIDEOS))
def test_bad_videos_are_one_clear_error(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make, message = BAD_VIDEOS[name]
    video = tmp_path / name
    make(video)
    code, out, err = _analyze(capsys, video, tmp_path / "out")
    assert code == 2 and message in _one_error_line(err) and out == ""
    assert not (tmp_path / "out").exists()  # nothing created for a video that cannot be used


@pytest.mark.parametrize(("name", "damage"), [
    ("truncated.mp4", lambda data: data[:20_000]),  # the first 20 kB of a 21.5 s clip
    ("corrupt.mp4", lambda data: data[:30_000] + np.random.default_rng(1).bytes(60_000) + data[90_000:]),
])
def test_a_video_that_ends_early_is_analysed_with_a_warning(name: str, damage: object, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    video = tmp_path / name
    video.write_bytes(damage(SAMPLE.read_bytes()))  # type: ignore[operator]
    code, _, err = _analyze(capsys, video, tmp_path / "out")
    assert code == 0 and "Traceback" not in err
    warning = next(line for line in err.splitlines() if line.startswith("warning: "))
    assert f"{name}: the video ended early: " in warning and "of its 258 frames could be decoded" in warning
    assert "probably truncated or damaged" in warning
    summary = next((tmp_path / "out").glob("*_summary.json")).read_text()
    assert "the video ended early" in summary  # the stored result carries it too
    log = load_session_log(next((tmp_path / "out").glob("*_session.jsonl")))  # and its log still opens
    assert log.summary is not None and "the video ended early" in log.summary["video"]["warnings"][0]


# ---------------------------------------------------------------- bad output places and models


@pytest.fixture(scope="module")
def tiny_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The start of the sample clip (a person in downward dog), 12 frames: fast to analyse."""
    path = tmp_path_factory.mktemp("tiny") / "clip.mp4"
    decoded = 0
    with av.open(str(SAMPLE)) as source, AnnotatedVideoWriter(path, 12, (240, 180)) as writer:
        for frame in source.decode(video=0):
            writer.write(frame.to_ndarray(format="rgb24"))
            decoded += 1
            if decoded == 12:
                break
    return path


def test_strict_makes_a_video_that_ended_early_a_failure(tiny_video: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`--strict`: the truncated clip still gets its results, but the exit code says it is not whole (3);
    a whole video with `--strict` exits 0, and the truncated one without it exits 0 too."""
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(SAMPLE.read_bytes()[:20_000])
    code, out, err = _analyze(capsys, truncated, tmp_path / "strict", "--strict")
    assert code == 3, err
    assert "Traceback" not in err
    assert any(line.startswith("warning: truncated.mp4: the video ended early: ") for line in err.splitlines())
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "--strict" in errors[0] and "ended early" in errors[0]
    assert "summary: " in out and next((tmp_path / "strict").glob("*_summary.json")).exists()
    code, _, err = _analyze(capsys, tiny_video, tmp_path / "whole", "--strict")
    assert code == 0 and "warning:" not in err and "error:" not in err


def test_strict_is_documented_with_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        coach_main(["analyze", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--strict" in help_text and "exit 3" in help_text
    assert "--strict" in (ROOT / "README.md").read_text() and "exits 3" in (ROOT / "README.md").read_text()


def test_out_is_an_existing_file(tiny_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "results.txt"
    existing.write_text("mine\n")
    code, _, err = _analyze(capsys, tiny_video, existing)
    assert code == 2 and _one_error_line(err) == f"error: {existing}: exists and is not a folder"
    code, _, err = _analyze(capsys, tiny_video, existing / "sub")
    assert code == 2 and _one_error_line(err) == f"error: {existing / 'sub'}: part of this path is a file, not a folder"
    assert existing.read_text() == "mine\n"


def test_an_unwritable_folder_is_named(tiny_video: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # sysfs takes no new folder, from root either (a chmod-ed folder would not stop root,
    # which runs these tests).
    if not Path("/sys/kernel").is_dir():
        pytest.skip("needs a Linux /sys")
    code, _, err = _analyze(capsys, tiny_video, "/sys/kernel/coach-results")
    assert code == 2
    line = _one_error_line(err)
    assert line.startswith("error: /sys/kernel/coach-results: ") and (
        "permission denied" in line or "read-only file system" in line), line


@contextlib.contextmanager
def _tmpfs(where: Path, options: str) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("mounting a small file system needs root and mount rights")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_read_only_file_system(tiny_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with _tmpfs(tmp_path / "ro", "ro,size=64k") as folder:
        code, _, err = _analyze(capsys, tiny_video, folder / "results")
    assert code == 2
    assert _one_error_line(err) == f"error: {folder / 'results'}: read-only file system, cannot write here"


def test_a_full_disk_is_reported_and_leaves_nothing(tiny_video: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with _tmpfs(tmp_path / "small", "size=24k") as folder:
        code, out, err = _analyze(capsys, tiny_video, folder)
        left = sorted(p.name for p in folder.iterdir())
    assert code == 2 and out == ""
    assert _one_error_line(err) == f"error: no space left on device: {folder}"
    assert left == []  # the run's partial files are gone


def test_the_video_writer_reports_a_full_disk() -> None:
    # /dev/full takes no byte: the same error a full disk gives, on any Linux machine.
    with pytest.raises(OSError) as caught, AnnotatedVideoWriter("/dev/full", 10, (64, 64)) as writer:
        for i in range(20):
            writer.write(np.full((64, 64, 3), 10 * i, np.uint8))
    assert caught.value.errno == errno.ENOSPC


@pytest.mark.parametrize(("model", "message"), [
    ("/etc/passwd", "error: /etc/passwd: not a pose model file (a MediaPipe .task bundle)"),
    ("/no/such/model.task", "error: pose model '/no/such/model.task' not found"),
    ("{tmp}/other.task", "error: {tmp}/other.task: the pose model cannot be loaded (No file with name: "),
])
def test_a_wrong_model_is_named(model: str, message: str, tiny_video: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    with zipfile.ZipFile(tmp_path / "other.task", "w") as bundle:  # a zip, but no pose model in it
        bundle.writestr("notes.txt", "hello")
    code, _, err = _analyze(capsys, tiny_video, tmp_path / "out", "--model", model.format(tmp=tmp_path))
    assert code == 2 and _one_error_line(err).startswith(message.format(tmp=tmp_path))
    assert not list((tmp_path / "out").glob(".partial-*"))


# ---------------------------------------------------------------- concurrent, killed and interrupted runs


def _coach(video: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "coach.cli", "analyze", str(video), "--stretch", "downward_dog",
                             "--out", str(out)], cwd=ROOT, env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _frames(video: Path) -> int:
    with av.open(str(video)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_two_runs_of_same_named_videos_into_one_folder(tiny_video: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / tiny_video.name
    other.parent.mkdir()
    other.write_bytes(tiny_video.read_bytes())
    out = tmp_path / "analyses"
    runs = [_coach(tiny_video, out), _coach(other, out)]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-500:] for _, err in results]
    videos = sorted(out.glob("*_annotated.mp4"))
    assert [v.name for v in videos] == ["clip-2_annotated.mp4", "clip_annotated.mp4"]
    assert [_frames(v) for v in videos] == [12, 12]  # both complete and playable
    assert len(list(out.iterdir())) == 8  # four files each, no partial left
    # Private: the folder the app made is the owner's only, and so is every file.
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o600}


def _frames_done(run: subprocess.Popen[str], at_least: int, limit_s: float = 60.0) -> Callable[[], str]:
    """Reads the run's progress (stderr, in a thread) until it has analysed ``at_least`` frames
    (bounded); returns a function that waits for the end of stderr and gives all of it. The
    partial video is no such sign: its first bytes were seen to reach the disk only as the run
    ended."""
    assert run.stderr is not None
    stream = run.stderr
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(iter(lambda: stream.read(64), "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        counts = re.findall(r"(\d+)/\d+ \[", "".join(seen[-20:]))
        if counts and int(counts[-1]) >= at_least:
            break
        assert run.poll() is None, "".join(seen)[-500:]
        with contextlib.suppress(subprocess.TimeoutExpired):
            run.wait(timeout=0.05)
    else:
        raise AssertionError(f"fewer than {at_least} frames analysed after {limit_s} s")

    def all_of_it() -> str:
        reader.join(timeout=60)
        return "".join(seen)
    return all_of_it


def test_a_killed_run_leaves_partial_files_that_the_next_run_removes(tiny_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "analyses"
    run = _coach(SAMPLE, out)  # 258 frames: several seconds, time to kill it mid-way
    stderr = _frames_done(run, at_least=10)
    partial = next(out.glob(".partial-*/*_annotated.mp4"))
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL, stderr()[-500:]
    assert partial.exists() and partial.parent.name.startswith(f".partial-{run.pid}-")

    result = analyze_video(tiny_video, stretch_id="downward_dog", out_dir=out)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in result.outputs.paths())


def test_ctrl_c_is_one_line_and_exit_130(tmp_path: Path) -> None:
    out = tmp_path / "analyses"
    run = _coach(SAMPLE, out)
    stderr = _frames_done(run, at_least=10)  # of 258: well before the end
    run.send_signal(signal.SIGINT)
    run.wait(timeout=60)
    err = stderr()
    assert run.returncode == 130 and _one_error_line(err) == "error: interrupted", (run.returncode, err[-800:])
    assert list(out.iterdir()) == []  # the interrupted run cleaned up after itself


def test_the_pose_models_own_log_lines_stay_off_the_terminal(tiny_video: Path, tmp_path: Path) -> None:
    """MediaPipe and TensorFlow Lite write to descriptor 2 from C++; only the app's lines show."""
    command = [sys.executable, "-m", "coach.cli", "analyze", str(tiny_video), "--stretch", "downward_dog",
               "--out", str(tmp_path / "out")]
    quiet = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0, quiet.stderr
    assert "W0000" not in quiet.stderr and "TensorFlow Lite" not in quiet.stderr, quiet.stderr
    assert "analysing" in quiet.stderr  # the app's own progress still shows
    verbose = subprocess.run(command + ["--verbose"], capture_output=True, text=True, timeout=120)
    assert verbose.returncode == 0 and "TensorFlow Lite" in verbose.stderr, verbose.stderr
