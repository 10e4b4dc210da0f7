"""Correct and wrong versions of every seed stretch, built with the synthetic body.

The table lives in the package (:mod:`coachlab.synthetic.variants`) so the rendered
accuracy set uses the very same poses; this module re-exports it for the tests.
"""

from __future__ import annotations

from coachlab.synthetic.variants import (  # noqa: F401
    BODIES,
    CAMERA_HEIGHT,
    CORRECT,
    MISTAKES,
    RECOMMENDED_VIEW,
    RECOMMENDED_VIEWS,
    Mistake,
    _both_legs,
    camera_for,
    landmarks_for,
)
