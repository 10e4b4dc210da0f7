"""The cue on an annotated video sits above the browser's player controls (the bottom ~15%);
the live view keeps it at the very bottom."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from coach.analyze import analyze_video
from coach.overlay import Overlay
from conftest import moving_frames

CONTROLS_SHARE = 0.15


def changed_rows(before: np.ndarray, after: np.ndarray, share: float) -> np.ndarray:
    """Rows in which more than `share` of the pixels were drawn on."""
    changed = np.abs(after.astype(int) - before.astype(int)).sum(axis=2) > 40
    return np.flatnonzero(changed.mean(axis=1) > share)


def cue_rows(overlay: Overlay, frame: np.ndarray) -> np.ndarray:
    """The rows the cue banner takes: the same frame drawn with and without a cue."""
    without = overlay.render(frame, None, None, None, title="Downward dog")
    with_cue = overlay.render(frame, None, None, None, title="Downward dog",
                              instruction="Step back so your whole body, head to feet, is in view")
    return changed_rows(without, with_cue, 0.0)


def test_the_cue_on_a_video_for_a_player_stays_clear_of_the_bottom(astronaut_rgb: np.ndarray) -> None:
    frame = moving_frames(astronaut_rgb, 1)[0]
    height = frame.shape[0]
    rows = cue_rows(Overlay(cue_clear_bottom=Overlay.PLAYER_CONTROLS), frame)
    assert len(rows) > 0.1 * height  # the banner is drawn, two lines high
    assert rows.max() < height * (1 - CONTROLS_SHARE)
    # The live view keeps its layout: the banner down to the last row.
    assert cue_rows(Overlay(), frame).max() == height - 1


def test_cue_clear_bottom_is_checked() -> None:
    with pytest.raises(ValueError, match="clear_bottom"):
        Overlay(cue_clear_bottom=0.7)


def first_frame(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def test_coach_analyze_draws_the_cue_above_the_player_controls(astronaut_video: Path, tmp_path: Path) -> None:
    result = analyze_video(astronaut_video, stretch_id="downward_dog", out_dir=tmp_path)
    source, annotated = first_frame(astronaut_video), first_frame(result.outputs.video)
    height = source.shape[0]
    banner = changed_rows(source, annotated, 0.5)  # rows darkened across the photo: the panels
    bottom = banner[banner > height // 2]
    assert len(bottom), "no cue banner on the annotated video"
    assert bottom.max() < height * (1 - CONTROLS_SHARE), bottom
