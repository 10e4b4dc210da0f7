"""A picture judged as a held-out test judges it: a still video through `coach analyze`
(real MediaPipe, VIDEO mode, the whole engine), for comparing with the IMAGE-mode accuracy."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import av
import numpy as np
import pytest

from coach.stretches import load_library
from coachlab.rendered.accuracy import ImageLandmarker
from coachlab.rendered.still_videos import (
    STILL_VIDEO_FPS,
    STILL_VIDEO_S,
    first_frame,
    judge_still_video,
    still_video_markdown,
    still_video_report,
    write_still_video,
)

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"


def frame_of(clip: str, phase: str) -> tuple[np.ndarray, dict]:
    """The middle frame of a phase of a committed rendered clip, and the clip's truth."""
    truth = json.loads((SAMPLES / f"{clip}.truth.json").read_text())
    frames = [f["i"] for f in truth["frames"] if f["phase"] == phase]
    wanted = frames[len(frames) // 2]
    with av.open(str(SAMPLES / f"{clip}.mp4")) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == wanted:
                return frame.to_ndarray(format="rgb24"), truth
    raise AssertionError(f"{clip}: frame {wanted} not found")


def test_a_still_video_repeats_the_picture_for_four_seconds(tmp_path: Path) -> None:
    rgb, _ = frame_of("varied_twist_small_young_man_right", "correct")
    path = write_still_video(rgb, tmp_path / "still.mp4")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        assert stream.codec_context.name == "h264" and float(stream.average_rate) == STILL_VIDEO_FPS
    assert len(frames) == STILL_VIDEO_S * STILL_VIDEO_FPS and frames[0].shape == rgb.shape
    assert np.abs(frames[-1].astype(int) - rgb).mean() < 3.0  # the same picture, give or take H.264
    decoded = first_frame(path)
    assert decoded.shape == rgb.shape and np.array_equal(decoded, frames[0])


@pytest.mark.parametrize(("clip", "phase", "counts"), [
    ("varied_twist_small_young_man_right", "correct", True),
    ("varied_twist_heavy_older_man_left", "mistake", False),  # the leg back on the floor: not the twist
])
def test_coach_analyze_judges_the_still_video(clip: str, phase: str, counts: bool) -> None:
    rgb, truth = frame_of(clip, phase)
    with ImageLandmarker() as landmarker:
        result = judge_still_video(rgb, load_library().stretches[truth["stretch_id"]], truth["side"], landmarker)
    assert result["decoded_image_accepted"] is counts  # IMAGE mode on the video's first frame agrees
    if counts:
        assert result["correct_share"] >= 0.9 and result["held_s"] >= 2.5
    else:
        assert result["correct_share"] == 0.0 and result["held_s"] == 0.0


def test_the_report_counts_agreement_per_kind_and_names_the_cause() -> None:
    def rec(kind: str, correct: bool, image: bool, decoded: bool, video: bool) -> dict:
        return {"stretch_id": "s", "kind": kind, "correct": correct, "image_accepted": image,
                "decoded_image_accepted": decoded, "video_accepted": video}

    records = [
        rec("correct", True, True, True, True),
        rec("correct", True, True, False, False),  # H.264 changed the reading already
        rec("correct", True, True, True, False),  # the first frame read as the picture: tracking
        rec("slumped", False, False, False, True),  # tracking again, the other way
    ]
    report = still_video_report(records)
    assert report["stills"] == 4 and report["agree"] == 1
    assert report["compression_changed"] == 1 and report["tracking_changed"] == 2
    assert report["by_kind"]["s / correct"] == {"n": 3, "correct": True, "image_accepted": 3,
                                                "decoded_image_accepted": 2, "video_accepted": 1, "agree": 1,
                                                "compression_changed": 1, "tracking_changed": 1}
    text = still_video_markdown(report, "2026-12-06")
    assert "1 of 4 agree" in text and "first frame in 1; in 2 it did not" in text
    assert "| s / slumped (wrong) | 1 | 0 | 0 | 1 | 0 |" in text


def test_the_still_video_report_covers_the_test_part_only(tmp_path: Path) -> None:
    """Calibration stills rendered for choosing limits (in the same folder) are not reported; the
    test still's IMAGE-mode verdict is of the picture on disk (read again, as `make accuracy` does)."""
    from coachlab.rendered import wide, wide_landmarks
    from coachlab.rendered.still_videos import still_video_records

    cached = wide_landmarks.load()
    clip_frame, _ = frame_of("downward_dog", "correct")
    placed, pngs = {}, {}
    for part in ("calibration", "test"):
        spec = next(s for s in wide.plan_wide() if s.part == part and s.stretch_id == "downward_dog"
                    and s.still_id in cached and cached[s.still_id].landmarks is not None)
        png = wide.wide_png(tmp_path, spec)
        png.parent.mkdir(parents=True, exist_ok=True)
        av.VideoFrame.from_ndarray(clip_frame, format="rgb24").to_image().save(png)
        wide.truth_path(png).write_text(json.dumps(wide.still_truth(spec)))
        placed[part] = spec.still_id
        pngs[part] = png
    cache = tmp_path / "wide_landmarks.npz"  # the new pictures are read into a copy, not the committed file
    cache.write_bytes(wide_landmarks.LANDMARKS_FILE.read_bytes())
    records = still_video_records(tmp_path, cache=cache)
    assert [r["still_id"] for r in records] == [placed["test"]]
    read = wide_landmarks.load(cache)[placed["test"]]
    assert read.png_sha256 == hashlib.sha256(pngs["test"].read_bytes()).hexdigest()
