"""The Review page picks the stretch a video shows (issue 14: the picker defaulted to the downward
dog whatever the video showed), says so, and leaves the picker to the person.

The committed sample clips (rendered people, with the true stretch and side beside each),
the real pose model, the page run headless with AppTest. Real footage of people walking
is no known stretch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_app_pages import app, data_dir, no_exception  # noqa: F401

from coach import settings
from coach.stretch_guess import guess_stretch
from coach.stretches import load_library

LIBRARY = load_library()
SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
CLIPS = sorted(p.name for p in SAMPLES.glob("*.mp4") if p.with_suffix(".truth.json").is_file())


def truth(clip: str) -> dict[str, str]:
    return json.loads((SAMPLES / clip).with_suffix(".truth.json").read_text())  # type: ignore[no-any-return]


def review_with_sample(clip: str):  # type: ignore[no-untyped-def]
    at = app("review")
    at.radio(key="review_source").set_value("Use a sample video").run()
    at.selectbox(key="review_sample").set_value(settings.SAMPLE_VIDEOS_DIR / clip).run()
    no_exception(at)
    return at


def test_every_rendered_sample_is_picked_as_its_own_stretch_and_side() -> None:
    assert len(CLIPS) >= 5
    for clip in CLIPS:
        expected = truth(clip)
        guess = guess_stretch(SAMPLES / clip, LIBRARY)
        assert (guess.stretch_id, guess.side) == (expected["stretch_id"], expected.get("side")), (clip, guess)
        others = [v for sid, v in guess.votes.items() if sid != guess.stretch_id]
        assert guess.votes[guess.stretch_id] >= 0.5 * guess.frames_with_person > max(others), (clip, guess)


def test_people_walking_is_no_known_stretch() -> None:
    guess = guess_stretch(SAMPLES / "people_walking.mp4", LIBRARY)
    assert guess.stretch_id is None and guess.frames_with_person > 0


@pytest.mark.parametrize("clip", ["seated_figure_four_left.mp4", "seated_piriformis_twist_right.mp4"])
def test_the_review_page_preselects_the_detected_stretch_and_the_person_can_change_it(clip: str) -> None:
    expected = truth(clip)
    at = review_with_sample(clip)
    picker = at.selectbox(key="review_stretch")
    assert picker.value == expected["stretch_id"]
    name = LIBRARY.stretches[expected["stretch_id"]].name
    assert f"Detected: {name} ({expected['side']} side). Change it if wrong." in [c.value for c in at.caption]
    other = next(sid for sid in LIBRARY.stretches if sid != expected["stretch_id"])
    picker.set_value(other).run()
    no_exception(at)
    at.run()  # and again: the person's choice stays, the detection is not forced back
    assert at.selectbox(key="review_stretch").value == other


def test_the_review_page_says_when_a_video_is_too_small_for_crossed_legs() -> None:
    """The rendered clips are 480x360, below the 640x480 at which crossed legs read reliably."""
    at = review_with_sample("seated_figure_four_left.mp4")
    assert ("The picture is small (480×360): crossed legs are read less reliably below 640×480. "
            "Record at that size or more if you can.") in [c.value for c in at.caption]


def test_the_review_page_says_when_it_cannot_tell() -> None:
    at = review_with_sample("people_walking.mp4")
    assert "Could not tell which stretch this video shows: pick it here." in [c.value for c in at.caption]
    at.selectbox(key="review_sample").set_value(settings.SAMPLE_VIDEOS_DIR / "downward_dog.mp4").run()
    no_exception(at)  # another video in the same session: looked at afresh
    assert at.selectbox(key="review_stretch").value == "downward_dog"
    assert "Detected: Downward dog. Change it if wrong." in [c.value for c in at.caption]
