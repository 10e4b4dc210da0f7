"""Timestamps and pose interpolation for synthetic clips.

A live webcam feeds a consumer that is slower than the camera and not steady, so
frames arrive at an irregular rate and some are skipped. The engine must handle
that (timers count seconds, not frames), so synthetic clips mimic it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import numpy as np

from coach.landmarks import Landmarks
from coachlab.synthetic.body import BodyPose, BodyProportions, Camera, make_landmarks


def jittered_timestamps(
    duration_s: float,
    fps_range: tuple[float, float] = (12.0, 30.0),
    drop_fraction: float = 0.2,
    rng: np.random.Generator | None = None,
    start_s: float = 0.0,
) -> np.ndarray:
    """Strictly increasing frame times in ``[start_s, start_s + duration_s]``.

    Frames are first generated with inter-frame gaps drawn uniformly from
    ``[1 / max_fps, 1 / min_fps]``; then ``round(drop_fraction * n)`` of them,
    chosen at random but never the first, are dropped (the consumer was busy).
    ``rng`` defaults to a fixed seed so a test is reproducible.
    """
    lo_fps, hi_fps = sorted(float(v) for v in fps_range)
    if lo_fps <= 0:
        raise ValueError(f"fps_range must be positive, got {fps_range}")
    if not 0.0 <= drop_fraction < 1.0:
        raise ValueError(f"drop_fraction must be in [0, 1), got {drop_fraction}")
    if duration_s < 0:
        raise ValueError(f"duration_s must not be negative, got {duration_s}")
    rng = np.random.default_rng(0) if rng is None else rng
    min_gap, max_gap = 1.0 / hi_fps, 1.0 / lo_fps
    # enough gaps to surely cover the duration, then cut
    n_max = int(np.ceil(duration_s / min_gap)) + 2
    gaps = rng.uniform(min_gap, max_gap, size=n_max)
    times = start_s + np.concatenate([[0.0], np.cumsum(gaps)])
    times = times[times <= start_s + duration_s + 1e-12]
    n_drop = int(round(drop_fraction * len(times)))
    n_drop = min(n_drop, len(times) - 1)
    if n_drop > 0:
        dropped = rng.choice(np.arange(1, len(times)), size=n_drop, replace=False)
        times = np.delete(times, dropped)
    return times


def interpolate_poses(a: BodyPose, b: BodyPose, t: float) -> BodyPose:
    """The pose a fraction ``t`` of the way from ``a`` to ``b`` (0 -> a, 1 -> b).

    Every angle and the pelvis position are interpolated linearly (no angle
    wrapping: keep yaw values close to each other). ``t`` outside [0, 1] extrapolates.
    """
    t = float(t)
    changes: dict[str, object] = {}
    for f in dataclasses.fields(BodyPose):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if f.name == "pelvis_position":
            changes[f.name] = tuple((1 - t) * x + t * y for x, y in zip(va, vb))
        else:
            changes[f.name] = (1 - t) * va + t * vb
    return BodyPose(**changes)  # type: ignore[arg-type]


def pose_at(keyframes: Sequence[tuple[float, BodyPose]], time_s: float) -> BodyPose:
    """Piecewise-linear pose through ``(time, pose)`` keyframes (held before/after the ends)."""
    if not keyframes:
        raise ValueError("need at least one keyframe")
    frames = sorted(keyframes, key=lambda kf: kf[0])
    if time_s <= frames[0][0]:
        return frames[0][1]
    for (t0, p0), (t1, p1) in zip(frames, frames[1:]):
        if time_s <= t1:
            return p0 if t1 <= t0 else interpolate_poses(p0, p1, (time_s - t0) / (t1 - t0))
    return frames[-1][1]


def render_clip(
    keyframes: Sequence[tuple[float, BodyPose]],
    proportions: BodyProportions,
    camera: Camera,
    timestamps: Iterable[float],
    noise_px: float = 0.0,
    rng: np.random.Generator | None = None,
    occluded: Iterable[int] = (),
) -> list[Landmarks]:
    """Landmarks for every timestamp of a keyframed motion (one ``make_landmarks`` per frame)."""
    rng = np.random.default_rng(0) if rng is None else rng
    occluded = tuple(occluded)
    return [
        make_landmarks(
            pose_at(keyframes, float(t)), proportions, camera, timestamp_s=float(t),
            noise_px=noise_px, rng=rng, occluded=occluded,
        )
        for t in timestamps
    ]


__all__ = ["interpolate_poses", "jittered_timestamps", "pose_at", "render_clip"]
