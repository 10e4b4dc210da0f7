"""A stuck hold on the Live page: Skip, or "Show the set-up again" (the hold from its set-up).

The page runs headless (AppTest) with the camera component replaced, driven through a real
`LiveCoach` whose estimator finds nobody (the hold can never count), as in test_app_pages.
"""

from __future__ import annotations

from pathlib import Path

from live_doubles import ScriptedEstimator, feed, live_page_for
from test_app_pages import APP, FakeWebRtc, data_dir, fake_camera, no_exception, texts  # noqa: F401

from coach.live import LiveCoach
from coach.routine import stretch_routine
from coach.stretches import load_library

LIBRARY = load_library()


def test_a_stuck_hold_offers_skip_and_the_set_up_again(fake_camera: FakeWebRtc, tmp_path: Path) -> None:  # noqa: F811
    stretch = LIBRARY.stretches["seated_figure_four"]
    coach = LiveCoach(stretch_routine(stretch, ("right",)), LIBRARY.stretches, log_dir=tmp_path,
                      estimator_factory=lambda options: ScriptedEstimator(None), stuck_after_s=45.0)
    feed(coach, 5.0 + 46.0)  # the countdown, then 46 s with nobody in view
    assert coach.snapshot().stuck
    fake_camera.playing = True
    at = live_page_for(coach)
    no_exception(at)
    page = texts(at)
    assert "This hold has not counted any time for a while" in page
    assert "start it again from its set-up" in page
    assert "Camera:** " + stretch.view_advice[:40] in page  # where the camera goes, up here with the offer
    labels = {b.key: b.label for b in at.button}
    assert labels["live_stuck_skip"] == "Skip this stretch"
    assert labels["live_stuck_setup"] == "Show the set-up again"

    at.button(key="live_stuck_setup").click().run()
    no_exception(at)
    feed(coach, 1.0, start=152.0)
    snap = coach.snapshot()
    # The same hold again from its countdown: not skipped, not stuck, nothing recorded yet.
    assert snap.phase == "countdown" and snap.slot_index == 0 and not snap.stuck and not snap.done
    assert coach.snapshot().results == ()
    at.run()
    no_exception(at)
    page = texts(at)
    assert "This hold has not counted any time" not in page and "Get ready: " in page
    assert "live_stuck_setup" not in {b.key for b in at.button}
    coach.stop()
