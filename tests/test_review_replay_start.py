"""The Review page's skeleton replay in the start position (sitting tall before the figure-4).

The log judges every frame against the stretch, so colouring a start-position frame by the
stretch's checks would paint a correct start red. The replay says it is the start position and
leaves the joints uncoloured there; from the hold on, it colours by the stretch as before.
Real analysis (MediaPipe) of the rendered figure-4 sample, opened on the real Review page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app_pages import app, no_exception, texts

from coach.analyze import analyze_video
from coach.session_log import load_session_log
from coach.stretches import load_library

SAMPLE = Path(__file__).resolve().parents[1] / "sample_videos" / "seated_figure_four_right.mp4"


@pytest.fixture(scope="module")
def figure_four_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE.name} is not in sample_videos/")
    result = analyze_video(SAMPLE, stretch_id="seated_figure_four", side="right",
                           out_dir=tmp_path_factory.mktemp("analysis"), library=load_library())
    return result.outputs.session_log


def test_the_replay_says_start_position_and_then_judges_the_hold(figure_four_log: Path) -> None:
    frames = load_session_log(figure_four_log).frames
    start_t = next(f["t"] for f in frames if f.get("phase") == "start")
    hold_t = next(f["t"] for f in frames if f.get("phase", "hold") == "hold" and f["t"] > start_t + 3.0)

    at = app("review")
    at.file_uploader(key="log_upload").upload("patient.jsonl", figure_four_log.read_bytes(), "application/jsonl")
    at.run(timeout=60)
    no_exception(at)
    at.slider[0].set_value(round(start_t, 1)).run()
    no_exception(at)
    page = texts(at)
    assert "Start position:" in page and "**Pose:**" not in page
    assert "lilac in the start position" in page  # the charts' colour key names it too

    at.slider[0].set_value(round(hold_t, 1)).run()
    no_exception(at)
    page = texts(at)
    assert "Start position:" not in page
    assert "Pose:" in page
