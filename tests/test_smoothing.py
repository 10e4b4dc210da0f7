"""The one-euro filter removes jitter at rest and follows real movement, on timestamps."""

from __future__ import annotations

import numpy as np
import pytest

from coach.smoothing import OneEuroFilter, OneEuroSettings


def test_a_still_signal_with_jitter_is_smoothed() -> None:
    rng = np.random.default_rng(1)
    f = OneEuroFilter()
    t = np.arange(0, 10, 1 / 25)
    raw = 100 + rng.normal(0, 5, t.size)
    out = np.array([f(np.array([v]), ti)[0] for v, ti in zip(raw, t)])
    assert np.std(out[50:]) < 0.35 * np.std(raw[50:])
    assert abs(np.mean(out[50:]) - 100) < 1.0


def test_a_real_movement_is_followed_quickly() -> None:
    f = OneEuroFilter()
    t = np.arange(0, 4, 1 / 25)
    step = np.where(t < 2.0, 0.0, 100.0)
    out = np.array([f(np.array([v]), ti)[0] for v, ti in zip(step, t)])
    settled = t[np.argmax((t >= 2.0) & (out > 90.0))]
    assert settled - 2.0 < 0.3


def test_the_result_depends_on_time_not_on_the_number_of_frames() -> None:
    results = []
    for fps in (12, 30):
        f = OneEuroFilter()
        t = np.arange(0, 3, 1 / fps)
        values = np.where(t < 1.0, 0.0, 50.0)
        out = [f(np.array([v]), ti)[0] for v, ti in zip(values, t)]
        results.append(out[int(np.searchsorted(t, 1.5))])
    assert results[0] == pytest.approx(results[1], abs=5.0)


def test_missing_values_pass_through_and_restart_the_element() -> None:
    f = OneEuroFilter()
    f(np.array([1.0, 2.0]), 0.0)
    out = f(np.array([np.nan, 2.0]), 0.1)
    assert np.isnan(out[0]) and out[1] == pytest.approx(2.0)
    back = f(np.array([50.0, 2.0]), 0.2)
    assert back[0] == pytest.approx(50.0), "a landmark that comes back starts fresh, not dragged from 1.0"


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        OneEuroSettings(min_cutoff_hz=0)
    with pytest.raises(ValueError):
        OneEuroSettings(beta=-1)
