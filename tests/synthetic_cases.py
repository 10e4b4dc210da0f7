"""Correct and wrong versions of every seed stretch, built with the synthetic body.

Each wrong version is one typical mistake; `fails` is the check it must fail (and
whose cue the person must hear), `also` the checks that fail with it because the
anatomy couples them (e.g. the shin cannot hang down while the ankle rests on the
other knee). The camera view of a case is the stretch's recommended one unless
the mistake *is* the view (then other measurements are unreliable and only the
view check and its cue are pinned).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coach.landmarks import Landmarks
from coach.synthetic import seed_poses as sp
from coach.synthetic.body import BodyPose, BodyProportions, Camera, joint_positions, make_landmarks

RECOMMENDED_VIEW = {"seated_piriformis_twist": "front", "seated_figure_four": "front", "downward_dog": "side_left"}
CAMERA_HEIGHT = {"seated_piriformis_twist": 0.9, "seated_figure_four": 0.9, "downward_dog": 0.5}
CORRECT: dict[str, Callable[[BodyProportions], BodyPose]] = {
    "seated_piriformis_twist": sp.piriformis_twist,
    "seated_figure_four": sp.figure_four,
    "downward_dog": sp.downward_dog,
}
BODIES = BodyProportions.presets()


@dataclass(frozen=True)
class Mistake:
    stretch_id: str
    name: str
    build: Callable[[BodyProportions], BodyPose]
    fails: str
    also: frozenset[str] = frozenset()
    view: str | None = None


def _both_legs(pose: BodyPose, **angles: float) -> BodyPose:
    return pose.side("left", **angles).side("right", **angles)


MISTAKES: tuple[Mistake, ...] = (
    # Seated piriformis twist (right side written; the left side is the mirror image).
    Mistake("seated_piriformis_twist", "filmed side-on", sp.piriformis_twist, "facing_camera", view="side_right"),
    Mistake("seated_piriformis_twist", "standing up from the chair",
            lambda p: sp.piriformis_twist(p).side("left", hip_flexion_deg=35, knee_flexion_deg=10).side(
                "right", hip_flexion_deg=35), "seated"),
    Mistake("seated_piriformis_twist", "foot not crossed over",
            lambda p: sp.piriformis_twist(p).side("right", hip_abduction_deg=0), "foot_outside_knee"),
    Mistake("seated_piriformis_twist", "trunk not turned", sp.piriformis_twist_untwisted, "trunk_turned"),
    Mistake("seated_piriformis_twist", "slumping", sp.piriformis_twist_slumped, "sitting_tall"),
    # Seated figure-4.
    Mistake("seated_figure_four", "filmed side-on", sp.figure_four, "facing_camera", view="side_right"),
    Mistake("seated_figure_four", "standing up from the chair",
            lambda p: sp.figure_four(p).side("left", hip_flexion_deg=35, knee_flexion_deg=10), "seated",
            frozenset({"ankle_on_knee"})),
    Mistake("seated_figure_four", "supporting foot off the floor",
            lambda p: sp.figure_four(p).side("left", knee_flexion_deg=0), "other_foot_down"),
    Mistake("seated_figure_four", "leg not crossed", sp.figure_four_not_crossed, "shin_level",
            frozenset({"ankle_on_knee"})),
    Mistake("seated_figure_four", "ankle too far from the knee",
            lambda p: sp.figure_four(p).side("right", hip_abduction_deg=55), "ankle_on_knee"),
    Mistake("seated_figure_four", "crossed knee lifted", sp.figure_four_knee_lifted, "knee_pressed_down"),
    # Downward dog.
    Mistake("downward_dog", "filmed from the front", sp.downward_dog, "side_on", view="front"),
    Mistake("downward_dog", "hips dropped", lambda p: sp.downward_dog(p).replace(
        pelvis_pitch_deg=sp.downward_dog(p).pelvis_pitch_deg - 40), "hips_highest"),
    Mistake("downward_dog", "feet walked in too close", lambda p: _both_legs(sp.downward_dog(p), hip_flexion_deg=145),
            "inverted_v"),
    Mistake("downward_dog", "knees bent", sp.downward_dog_knees_bent, "knees_straight"),
    Mistake("downward_dog", "elbows bent", lambda p: sp.downward_dog(p).side("left", elbow_flexion_deg=40).side(
        "right", elbow_flexion_deg=40), "arms_straight"),
    Mistake("downward_dog", "arms not in line with the back", lambda p: sp.downward_dog(p).side(
        "left", shoulder_flexion_deg=135).side("right", shoulder_flexion_deg=135), "arms_in_line"),
)


def camera_for(pose: BodyPose, body: BodyProportions, stretch_id: str, view: str | None = None,
               yaw_offset_deg: float = 0.0) -> Camera:
    view = view or RECOMMENDED_VIEW[stretch_id]
    return Camera.framing(joint_positions(pose, body), view, height_m=CAMERA_HEIGHT[stretch_id],
                          yaw_offset_deg=yaw_offset_deg)


def landmarks_for(pose: BodyPose, body: BodyProportions, stretch_id: str, side: str | None,
                  view: str | None = None, yaw_offset_deg: float = 0.0, timestamp_s: float = 0.0,
                  noise_px: float = 0.0) -> Landmarks:
    """Landmarks of a right-side pose, mirrored for the left side, seen from the given view."""
    if side == "left":
        pose = pose.mirrored()
        # The mirror image of a view from the person's right is the view from their left.
        if view and ("left" in view or "right" in view):
            view = view.replace("left", "@").replace("right", "left").replace("@", "right")
    camera = camera_for(pose, body, stretch_id, view, yaw_offset_deg)
    return make_landmarks(pose, body, camera, timestamp_s=timestamp_s, noise_px=noise_px)
