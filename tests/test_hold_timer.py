"""The hold timer counts only correct time, from timestamps, whatever the frame rate."""

from __future__ import annotations

import numpy as np
import pytest

from coach.hold import HoldSettings, HoldState, HoldTimer
from coachlab.synthetic.sequences import jittered_timestamps


def clip_times(seed: int) -> np.ndarray:
    """Frame times of a 0-30 s clip at a jittery 12-30 fps with 20% of frames dropped."""
    stamps = jittered_timestamps(30.0, fps_range=(12, 30), drop_fraction=0.2, rng=np.random.default_rng(seed))
    return np.append(stamps[stamps < 30.0 - 1e-6], 30.0)


def run(timer: HoldTimer, timestamps: np.ndarray, correct, visible=lambda t: True) -> list:
    return [timer.update(t, bool(correct(t)), bool(visible(t))) for t in timestamps]


@pytest.mark.parametrize("seed", range(8))
def test_thirty_seconds_of_correct_jittery_frames_count_thirty_seconds(seed: int) -> None:
    stamps = clip_times(seed)
    assert np.diff(stamps).max() > 1 / 12, "the clip must contain dropped frames"
    timer = HoldTimer(HoldSettings(target_s=60.0))
    run(timer, stamps, lambda t: True)
    assert timer.held_s == pytest.approx(30.0, abs=0.1)
    assert timer.state is HoldState.HOLDING


@pytest.mark.parametrize("seed", range(8))
def test_a_wrong_stretch_in_the_middle_pauses_and_is_not_counted(seed: int) -> None:
    stamps = clip_times(100 + seed)
    wrong = lambda t: 14.0 <= t < 16.0  # noqa: E731
    timer = HoldTimer(HoldSettings(target_s=60.0))
    snapshots = run(timer, stamps, lambda t: not wrong(t))
    assert timer.held_s == pytest.approx(28.0, abs=0.1)
    during = [s.held_s for t, s in zip(stamps, snapshots) if wrong(t)]
    assert during and max(during) - min(during) == 0.0, "nothing may be counted while wrong"
    states = [e.state for e in timer.events]
    assert states[:3] == [HoldState.SETTLING, HoldState.HOLDING, HoldState.PAUSED]
    assert states[-2:] == [HoldState.SETTLING, HoldState.HOLDING]


def test_counting_stops_at_once_and_keeps_the_time() -> None:
    timer = HoldTimer(HoldSettings(target_s=30.0))
    stamps = np.arange(0, 10.01, 0.05)
    run(timer, stamps, lambda t: t < 5.0)
    assert timer.state is HoldState.PAUSED
    assert timer.held_s == pytest.approx(5.0, abs=0.05)
    pause = [e for e in timer.events if e.state is HoldState.PAUSED][0]
    assert pause.timestamp_s == pytest.approx(5.0, abs=0.051)


def test_a_brief_correct_flash_is_not_praised_or_counted() -> None:
    timer = HoldTimer(HoldSettings(target_s=30.0, settle_s=0.5))
    stamps = np.arange(0, 5.0, 1 / 30)
    run(timer, stamps, lambda t: 2.0 <= t < 2.3)  # 0.3 s: shorter than the debounce
    assert timer.held_s == 0.0
    assert HoldState.HOLDING not in [e.state for e in timer.events]
    assert timer.state is HoldState.WAITING


def test_the_hold_completes_at_the_target_and_stops_counting() -> None:
    timer = HoldTimer(HoldSettings(target_s=10.0))
    stamps = np.arange(0, 15.0, 1 / 25)
    snapshots = run(timer, stamps, lambda t: True)
    assert timer.state is HoldState.COMPLETE
    assert timer.held_s == 10.0
    done = next(i for i, s in enumerate(snapshots) if s.state is HoldState.COMPLETE)
    assert stamps[done] == pytest.approx(10.0, abs=0.05)
    assert snapshots[-1].remaining_s == 0.0 and snapshots[-1].progress == 1.0


def test_a_short_absence_keeps_the_hold_and_a_long_one_starts_a_new_hold() -> None:
    settings = HoldSettings(target_s=60.0, absence_reset_s=10.0)
    short = HoldTimer(settings)
    stamps = np.arange(0, 20.0, 0.1)
    absent = lambda t: 8.0 <= t < 11.0  # noqa: E731
    run(short, stamps, lambda t: not absent(t), lambda t: not absent(t))
    assert short.held_s == pytest.approx(17.0, abs=0.1)

    long = HoldTimer(settings)
    stamps = np.arange(0, 30.0, 0.1)
    absent = lambda t: 8.0 <= t < 19.0  # noqa: E731
    run(long, stamps, lambda t: not absent(t), lambda t: not absent(t))
    assert long.held_s == pytest.approx(11.0, abs=0.1), "the hold after the absence starts from zero"
    assert any("absent" in e.reason for e in long.events)
    assert long.longest_run_s == pytest.approx(11.0, abs=0.1)


def test_a_camera_that_stops_delivering_frames_does_not_count_the_gap() -> None:
    timer = HoldTimer(HoldSettings(target_s=60.0, absence_reset_s=10.0))
    before = np.arange(0, 5.0, 0.1)
    after = np.arange(9.0, 12.0, 0.1)  # 4 s without any frame, then the camera is back
    run(timer, np.concatenate([before, after]), lambda t: True)
    assert timer.held_s == pytest.approx(4.9 + 3.0 - 0.1, abs=0.15)


def test_time_never_runs_backwards() -> None:
    timer = HoldTimer(HoldSettings(target_s=60.0))
    run(timer, np.arange(0, 5.0, 0.1), lambda t: True)
    held = timer.held_s
    timer.update(2.0, True)
    assert timer.held_s == held


def test_events_are_time_ordered_and_record_the_counted_time() -> None:
    timer = HoldTimer(HoldSettings(target_s=8.0))
    run(timer, np.arange(0, 12.0, 0.04), lambda t: not (3.0 <= t < 4.0))
    times = [e.timestamp_s for e in timer.events]
    assert times == sorted(times)
    assert timer.events[-1].state is HoldState.COMPLETE and timer.events[-1].held_s == 8.0
    assert timer.first_correct_s == 0.0
