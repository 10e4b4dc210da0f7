"""The figure-4's ankle on the shin, caught against the supporting knee where it was in the start
position: real MediaPipe (VIDEO mode) on a real video through `coach analyze`, the whole engine.

The pictures are one scene of the wide render set's test part (a male body, right side, the
lens 0.6 m high and 3 m away): sitting tall with both feet down, then the right ankle resting
19 cm down the left shin. MediaPipe draws the hidden left knee lower, so measured against the
knee as drawn the ankle reads as above it and the hold would count.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import av
import numpy as np
from PIL import Image

from coach.analyze import analyze_video
from coach.session_log import load_session_log
from coach.stretches import Library, load_library

DATA = Path(__file__).resolve().parent / "data"
FIGURE_FOUR = "seated_figure_four"
FPS = 15
START_S, STRETCH_S = 3, 9


def start_then_stretch_video(path: Path) -> Path:
    """3 s of the start position, then 9 s of the ankle on the shin, as an H.264 video."""
    start, stretch = (np.asarray(Image.open(DATA / name).convert("RGB"))
                      for name in ("figure_four_start_position.jpg", "figure_four_ankle_on_the_shin.jpg"))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = stretch.shape[1], stretch.shape[0], "yuv420p"
        for i in range((START_S + STRETCH_S) * FPS):
            frame = av.VideoFrame.from_ndarray(start if i < START_S * FPS else stretch, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def knee_as_drawn(library: Library) -> Library:
    """The library with the figure-4's points at the start dropped: every knee where it is drawn."""
    stretch = library.stretches[FIGURE_FOUR]
    checks = tuple(dataclasses.replace(c, measurement=dataclasses.replace(c.measurement, at_start=()))
                   for c in stretch.checks)
    return dataclasses.replace(library, stretches={**library.stretches,
                                                   FIGURE_FOUR: dataclasses.replace(stretch, checks=checks)})


def test_an_ankle_on_the_shin_is_not_counted_once_the_start_position_was_seen(tmp_path: Path) -> None:
    video = start_then_stretch_video(tmp_path / "figure_four.mp4")
    library = load_library()
    assert any(c.measurement.at_start for c in library.stretches[FIGURE_FOUR].checks)

    result = analyze_video(video, stretch_id=FIGURE_FOUR, side="right", out_dir=tmp_path / "today", library=library)
    frames = load_session_log(result.outputs.session_log).frames
    assert any(f["phase"] == "start" for f in frames)  # the start position was seen and passed
    in_the_stretch = [f for f in frames if f["t"] >= START_S + 1.0]
    assert in_the_stretch and not any(f["correct"] for f in in_the_stretch)
    assert {f["checks"]["ankle_not_below_knee"]["status"] for f in in_the_stretch} == {"too_low"}
    assert {f["cue"] for f in in_the_stretch} == {"Slide your right ankle up, just above your left knee"}
    assert result.summary["holds"][0]["held_s"] == 0.0

    drawn = analyze_video(video, stretch_id=FIGURE_FOUR, side="right", out_dir=tmp_path / "as_drawn",
                          library=knee_as_drawn(library))
    assert drawn.summary["holds"][0]["held_s"] > STRETCH_S - 2.0  # what the knee as drawn lets through
