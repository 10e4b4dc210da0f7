"""Wide-set stills judged the way a held-out test judges them: as still videos through
``coach analyze``.

`make accuracy` judges each still once, with MediaPipe in IMAGE mode (the person detector
on every picture). ``coach analyze`` runs MediaPipe in VIDEO mode: after the first frame it
follows the person from the previous frame's landmarks; and H.264 changes the picture a
little, which at 480x360 is enough to change how MediaPipe reads crossed legs. This module
measures how far the two agree, on rendered stills in ``build/wide``: each becomes a 4 s
still video (12 frames a second), ``coach analyze`` judges it (start phase, smoothing, leg
identity, hold timer: the whole path), and the still counts as accepted when at least half
of its frames after the first second are judged correct. To tell the causes apart, IMAGE
mode also judges the video's first decoded frame: where that differs from the picture,
compression changed the reading; where it agrees with the picture and the video does not,
VIDEO mode's tracking did.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import av
import numpy as np

from coach.landmarks import Landmarks
from coach.stretches import Stretch, load_library
from coach.verdicts import StretchEvaluator
from coachlab.rendered.accuracy import ImageLandmarker, _read_rgb

#: The still video: 4 s at 12 frames a second (the rendered clips' rate).
STILL_VIDEO_FPS = 12
STILL_VIDEO_S = 4.0
#: Frames before this are not used: the smoothing and the start phase settle first.
SETTLE_S = 1.0


def write_still_video(rgb: np.ndarray, path: Path, seconds: float = STILL_VIDEO_S, fps: int = STILL_VIDEO_FPS) -> Path:
    """The picture repeated as an H.264 MP4 (what a held-out test feeds ``coach analyze``)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = rgb.shape[1], rgb.shape[0]
        stream.pix_fmt = "yuv420p"
        for _ in range(round(seconds * fps)):
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def first_frame(video: Path) -> np.ndarray:
    """The video's first frame as decoded (RGB): the picture after H.264."""
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            return frame.to_ndarray(format="rgb24")
    raise ValueError(f"{video}: no frame")


def accepts(landmarks: Landmarks | None, stretch: Stretch, side: str | None) -> bool:
    """A fresh evaluator's verdict on one picture's landmarks (what `make accuracy` asks of each
    still; None: nobody found, not accepted)."""
    return landmarks is not None and StretchEvaluator(stretch, side).evaluate(landmarks).correct


def judge_still_video(rgb: np.ndarray, stretch: Stretch, side: str | None,
                      landmarker: ImageLandmarker | None = None) -> dict[str, Any]:
    """``coach analyze`` on a still video of the picture: the share of frames judged correct
    after `SETTLE_S`, and the hold seconds counted; with a ``landmarker``, also IMAGE mode's
    verdict on the video's first decoded frame (``decoded_image_accepted``)."""
    from coach.analyze import analyze_video
    from coach.session_log import load_session_log

    with tempfile.TemporaryDirectory() as folder:
        video = write_still_video(rgb, Path(folder) / "still.mp4")
        result = analyze_video(video, stretch_id=stretch.id, side=side or "auto", out_dir=Path(folder) / "out")
        frames = [f for f in load_session_log(result.outputs.session_log).frames if f["t"] >= SETTLE_S]
        share = sum(bool(f["correct"]) for f in frames) / len(frames) if frames else 0.0
        out: dict[str, Any] = {"correct_share": round(share, 3), "held_s": result.summary["holds"][0]["held_s"]}
        if landmarker is not None:
            out["decoded_image_accepted"] = accepts(landmarker.detect(first_frame(video)), stretch, side)
        return out


def still_video_records(root: Path, only: Sequence[str] | None = None, part: str = "test",
                        cache: Path | None = None) -> list[dict[str, Any]]:
    """Every rendered wide still of ``part`` in ``root/build/wide`` (optionally only ids
    containing one of ``only``): IMAGE mode's verdict, taken from `make accuracy`'s own records
    (``wide_records``, so a still rendered again is judged on its new picture here too), beside
    the still video's, and IMAGE mode's on the video's first decoded frame."""
    from coachlab.rendered.accuracy import wide_records

    library = load_library()
    judged = {r["still_id"]: r for r in wide_records(root, part, library, cache=cache, rendered_only=True).picture}
    out = []
    with ImageLandmarker() as landmarker:
        for png in sorted((root / "build" / "wide").glob("*/*.png")):
            if only and not any(o in png.stem for o in only):
                continue
            record = judged.get(png.stem)
            if record is None:
                continue  # a calibration still (rendered for choosing limits), or not in today's plan
            stretch = library.stretches[record["stretch_id"]]
            video = judge_still_video(_read_rgb(png), stretch, record["side"], landmarker)
            out.append({"still_id": record["still_id"], "stretch_id": record["stretch_id"], "kind": record["kind"],
                        "part": record["part"], "correct": record["correct"], "image_accepted": record["accepted"],
                        "video_accepted": video["correct_share"] >= 0.5, **video})
    return out


def still_video_report(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per stretch and kind: accepted in IMAGE mode, on the video's first decoded frame (IMAGE
    mode) and as a still video; how often the picture and the video agree, and where they do
    not, whether compression already changed the verdict (the decoded frame differs from the
    picture) or VIDEO mode's tracking did (it does not)."""
    rows: dict[str, dict[str, Any]] = {}
    for rec in records:
        row = rows.setdefault(f"{rec['stretch_id']} / {rec['kind']}",
                              {"n": 0, "correct": rec["correct"], "image_accepted": 0, "decoded_image_accepted": 0,
                               "video_accepted": 0, "agree": 0, "compression_changed": 0, "tracking_changed": 0})
        decoded = rec["decoded_image_accepted"]
        row["n"] += 1
        row["image_accepted"] += rec["image_accepted"]
        row["decoded_image_accepted"] += decoded
        row["video_accepted"] += rec["video_accepted"]
        row["agree"] += rec["image_accepted"] == rec["video_accepted"]
        if rec["image_accepted"] != rec["video_accepted"]:
            row["compression_changed" if decoded != rec["image_accepted"] else "tracking_changed"] += 1
    return {"stills": len(records), "agree": sum(r["agree"] for r in rows.values()),
            "compression_changed": sum(r["compression_changed"] for r in rows.values()),
            "tracking_changed": sum(r["tracking_changed"] for r in rows.values()), "by_kind": rows}


def still_video_markdown(report: dict[str, Any], date: str) -> str:
    lines = [f"Wide-set stills as 4 s still videos through `coach analyze` (VIDEO mode) against IMAGE mode, "
             f"{date}: {report['agree']} of {report['stills']} agree. Of the rest, H.264 already changed the "
             f"IMAGE-mode verdict on the video's first frame in {report['compression_changed']}; in "
             f"{report['tracking_changed']} it did not (VIDEO mode's tracking differs).", "",
             "| stretch / kind | n | accepted, IMAGE mode | IMAGE mode, video's first frame | accepted, still video "
             "| agree |", "|---|---|---|---|---|---|"]
    for name, row in sorted(report["by_kind"].items()):
        lines.append(f"| {name}{'' if row['correct'] else ' (wrong)'} | {row['n']} | {row['image_accepted']} | "
                     f"{row['decoded_image_accepted']} | {row['video_accepted']} | {row['agree']} |")
    return "\n".join(lines) + "\n"


__all__ = ["SETTLE_S", "STILL_VIDEO_FPS", "STILL_VIDEO_S", "accepts", "first_frame", "judge_still_video",
           "still_video_markdown", "still_video_records", "still_video_report", "write_still_video"]
