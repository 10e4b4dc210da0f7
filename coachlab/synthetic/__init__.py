"""Synthetic bodies for tests: a kinematic skeleton rendered to BlazePose landmarks.

``body`` holds the pose vocabulary, skeleton, camera and projection; ``seed_poses``
the reference stretch poses (right side working; ``.mirrored()`` for the left);
``sequences`` timestamp, interpolation and clip helpers.
"""

from coachlab.synthetic.body import (
    BodyPose,
    BodyProportions,
    Camera,
    angle_deg,
    grounded,
    inclination_deg,
    joint_positions,
    make_landmarks,
    project,
    segment_frames,
)
from coachlab.synthetic.sequences import interpolate_poses, jittered_timestamps, pose_at, render_clip

__all__ = [
    "BodyPose",
    "BodyProportions",
    "Camera",
    "angle_deg",
    "grounded",
    "inclination_deg",
    "interpolate_poses",
    "jittered_timestamps",
    "joint_positions",
    "make_landmarks",
    "pose_at",
    "project",
    "render_clip",
    "segment_frames",
]
