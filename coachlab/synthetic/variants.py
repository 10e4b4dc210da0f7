"""Correct and wrong versions of every seed stretch: one table for tests and renders.

Each wrong version is one typical mistake; ``fails`` is the check it must fail (and
whose cue the person must hear), ``also`` the checks that fail with it because the
anatomy couples them (e.g. the shin cannot hang down while the ankle rests on the
other knee). The camera view of a case is the stretch's recommended one unless
the mistake *is* the view (then other measurements are unreliable and only the
view check and its cue are pinned).

The same table drives the synthetic-landmark tests (``tests/synthetic_cases.py``
re-exports it) and the rendered accuracy set (:mod:`coachlab.rendered.stills`), so a
pose, each of its mistakes and each side are defined once. Poses are written for
the RIGHT side working; the left side is ``pose.mirrored()`` seen from the mirrored
view (:func:`mirror_view`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coach.landmarks import Landmarks
from coach.landmarks import PoseLandmark as L
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import (
    BodyPose,
    BodyProportions,
    Camera,
    grounded,
    joint_positions,
    make_landmarks,
)

#: The one view the synthetic tests use per stretch.
RECOMMENDED_VIEW = {"seated_piriformis_twist": "front", "seated_figure_four": "front", "downward_dog": "side_left"}
#: Every view a stretch's camera advice allows (``view = "side"``: from either side).
RECOMMENDED_VIEWS: dict[str, tuple[str, ...]] = {
    "seated_piriformis_twist": ("front",),
    "seated_figure_four": ("front",),
    "downward_dog": ("side_left", "side_right"),
}
#: Lens height above the floor (metres) that the camera advice asks for.
CAMERA_HEIGHT = {"seated_piriformis_twist": 0.9, "seated_figure_four": 0.9, "downward_dog": 0.5}
CORRECT: dict[str, Callable[[BodyProportions], BodyPose]] = {
    "seated_piriformis_twist": sp.piriformis_twist,
    "seated_figure_four": sp.figure_four,
    "downward_dog": sp.downward_dog,
}
#: Stretches done on a chair (the others are on the floor, on a mat).
SEATED = frozenset({"seated_piriformis_twist", "seated_figure_four"})
BODIES = BodyProportions.presets()


@dataclass(frozen=True)
class Mistake:
    stretch_id: str
    name: str
    build: Callable[[BodyProportions], BodyPose]
    fails: str
    also: frozenset[str] = frozenset()
    view: str | None = None
    #: what carries the weight when the pose is rendered: "chair", "feet" (standing)
    #: or "hands_and_feet"; None: the stretch's own (chair, or hands and feet for the dog)
    support: str | None = None


@dataclass(frozen=True)
class Variant:
    """One pose of a stretch for the rendered set: the correct one or a mistake."""

    stretch_id: str
    name: str  #: "correct" or the mistake's name
    build: Callable[[BodyProportions], BodyPose]
    fails: str | None = None  #: the check a mistake fails (None: the correct pose)
    also: frozenset[str] = frozenset()
    support: str = "chair"  #: "chair", "feet" or "hands_and_feet" (see :class:`Mistake`)

    @property
    def slug(self) -> str:
        return "".join(ch if ch.isalnum() else "_" for ch in self.name.lower()).strip("_")


def _both_legs(pose: BodyPose, **angles: float) -> BodyPose:
    return pose.side("left", **angles).side("right", **angles)


#: Standing in front of the chair: hips and knees bent 10 (shins vertical, feet flat),
#: the pelvis this far forward of where it sits, so the body is clear of the seat.
_STANDING_LEG = dict(hip_flexion_deg=10.0, hip_abduction_deg=0.0, hip_external_rotation_deg=0.0,
                     knee_flexion_deg=10.0, ankle_dorsiflexion_deg=0.0)
STANDING_FORWARD_M = 0.30
_SOLES = (L.LEFT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)


def _stand_up(pose: BodyPose, p: BodyProportions, *sides: str) -> BodyPose:
    for side in sides:
        pose = pose.side(side, **_STANDING_LEG)
    x, y, z = pose.pelvis_position
    return grounded(pose.replace(pelvis_position=(x, y, z + STANDING_FORWARD_M)), p, contacts=_SOLES)


def _twist_standing_up(p: BodyProportions) -> BodyPose:
    """Got up from the chair: standing in front of it (hips and knees bent 10, legs
    uncrossed), the chest still turned right and the arms as in the twist."""
    return _stand_up(sp.piriformis_twist(p), p, "left", "right")


def _figure_four_standing_up(p: BodyProportions) -> BodyPose:
    """A standing figure-4: up from the chair on the supporting (left) leg (hip and knee
    bent 10), the crossed leg still bent across in the air."""
    return _stand_up(sp.figure_four(p), p, "left")


def _figure_four_ankle_on_shin(p: BodyProportions) -> BodyPose:
    """The crossed ankle resting on the front of the other shin, 22 cm below the knee,
    the way the wide set samples it (12-25 cm; imported here, as ``variety`` builds on
    this table)."""
    from coachlab.synthetic import variety

    values = {"chair_m": 0.45, "ankle_down_shin_cm": 22.0, "trunk_flexion_deg": 0.0}
    return variety.build_pose("seated_figure_four", "ankle on the shin", p, values)[0]


MISTAKES: tuple[Mistake, ...] = (
    # Seated piriformis twist (right side written; the left side is the mirror image).
    Mistake("seated_piriformis_twist", "filmed side-on", sp.piriformis_twist, "facing_camera", view="side_right"),
    # No seated check while holding the twist (see its stretch file): the foot, under its own hip, refuses it.
    Mistake("seated_piriformis_twist", "standing up from the chair", _twist_standing_up, "foot_outside_knee",
            support="feet"),
    Mistake("seated_piriformis_twist", "foot not crossed over",
            lambda p: sp.piriformis_twist(p).side("right", hip_abduction_deg=0), "foot_outside_knee"),
    Mistake("seated_piriformis_twist", "trunk not turned", sp.piriformis_twist_untwisted, "trunk_turned",
            frozenset({"chest_turned"})),
    Mistake("seated_piriformis_twist", "slumping", sp.piriformis_twist_slumped, "sitting_tall", frozenset({"head_up"})),
    # Seated figure-4.
    Mistake("seated_figure_four", "filmed side-on", sp.figure_four, "facing_camera", view="side_right"),
    Mistake("seated_figure_four", "standing up from the chair", _figure_four_standing_up, "seated",
            frozenset({"ankle_on_knee"}), support="feet"),
    Mistake("seated_figure_four", "supporting foot off the floor",
            lambda p: sp.figure_four(p).side("left", knee_flexion_deg=0), "other_foot_down"),
    Mistake("seated_figure_four", "leg not crossed", sp.figure_four_not_crossed, "shin_level",
            frozenset({"ankle_on_knee", "ankle_not_below_knee"})),
    Mistake("seated_figure_four", "ankle too far from the knee",
            lambda p: sp.figure_four(p).side("right", hip_abduction_deg=75), "ankle_on_knee"),  # 55°: passes since 2026-12-05
    Mistake("seated_figure_four", "ankle on the shin", _figure_four_ankle_on_shin, "ankle_not_below_knee"),
    Mistake("seated_figure_four", "crossed knee lifted", sp.figure_four_knee_lifted, "knee_pressed_down"),
    # Downward dog.
    Mistake("downward_dog", "filmed from the front", sp.downward_dog, "side_on", view="front"),
    # Every one with hands and feet on the floor (pelvis pitch and height solved).
    Mistake("downward_dog", "hips dropped", sp.downward_dog_hips_dropped, "hips_highest",
            frozenset({"inverted_v", "arms_in_line"})),
    Mistake("downward_dog", "feet walked in too close", sp.downward_dog_feet_too_close, "inverted_v",
            frozenset({"feet_back"})),
    Mistake("downward_dog", "knees bent", sp.downward_dog_knees_bent, "knees_straight"),
    # Hands stay on the floor, so bent elbows drop the shoulders and close the shoulder angle too.
    Mistake("downward_dog", "elbows bent", sp.downward_dog_elbows_bent, "arms_straight", frozenset({"arms_in_line"})),
    Mistake("downward_dog", "arms not in line with the back", sp.downward_dog_arms_not_in_line, "arms_in_line"),
)


def variants(stretch_id: str) -> tuple[Variant, ...]:
    """The correct pose and every mistake of a stretch that is a *pose* (the "filmed
    from the wrong view" mistakes are left out: a rendered set enumerates views)."""
    if stretch_id not in CORRECT:
        raise KeyError(f"no variants for {stretch_id!r}")
    default = "chair" if stretch_id in SEATED else "hands_and_feet"
    out = [Variant(stretch_id, "correct", CORRECT[stretch_id], support=default)]
    out += [Variant(m.stretch_id, m.name, m.build, m.fails, m.also, m.support or default)
            for m in MISTAKES if m.stretch_id == stretch_id and m.view is None]
    return tuple(out)


def mirror_view(view: str) -> str:
    """The view of the mirror image: from the person's right becomes from their left."""
    if "left" in view or "right" in view:
        return view.replace("left", "@").replace("right", "left").replace("@", "right")
    return view


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
        if view:
            view = mirror_view(view)
    camera = camera_for(pose, body, stretch_id, view, yaw_offset_deg)
    return make_landmarks(pose, body, camera, timestamp_s=timestamp_s, noise_px=noise_px)


__all__ = [
    "BODIES",
    "CAMERA_HEIGHT",
    "CORRECT",
    "MISTAKES",
    "RECOMMENDED_VIEW",
    "RECOMMENDED_VIEWS",
    "SEATED",
    "Mistake",
    "Variant",
    "camera_for",
    "landmarks_for",
    "mirror_view",
    "variants",
]
