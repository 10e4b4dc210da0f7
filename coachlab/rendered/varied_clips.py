"""Clips of varied people doing each stretch from its start position (issue 13).

The first five sample clips use the two original bodies, the seed poses and the
stretch's advised camera. These clips vary what a held-out person would: the body
type (``rig.BODY_TYPES``), how the stretch is done (parameters from
:mod:`coachlab.synthetic.variety`: how far the twist and the foot, how high the
crossed knee, how bent the knees), the chair, the camera (height, distance, a turn
off the advised view) and the room. Each starts in the stretch's start position
(sitting tall with both feet on the floor; hands and knees), goes into the stretch,
holds it, drifts into a mistake (a gate: the hold must stop; or a depth target: it
must go on), comes back and holds again.

The truth of the hold (``summary.intended_s``) is the *intent* of the script while a
pose is held, not the engine's verdict: a held pose counts when it breaks no gate by
construction (:func:`coachlab.synthetic.variety.is_correct` of the kind it was built
as), so a check that misjudges a held pose shows up as a difference from the truth
too. A move is a pose in between (a leg on its way across): there the stretch file's
own checks on the exact joints decide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from coachlab.rendered.clips import ClipSpec, Phase, _contact_fix, _dog_sway, _look, _seated_sway, figure_four_lifts
from coachlab.rendered.rig import RenderedBody, load_body
from coachlab.rendered.scene import chair_boxes, mat_box
from coachlab.rendered.stills import _on_hands_and_feet
from coachlab.synthetic import variety
from coachlab.synthetic.body import BodyPose, joint_positions

_LEG = ("hip_flexion_deg", "hip_abduction_deg", "hip_external_rotation_deg", "knee_flexion_deg",
        "ankle_dorsiflexion_deg")


@dataclass(frozen=True)
class VariedClip:
    """The recipe of one varied clip: who, how, what mistake, seen from where."""

    clip_id: str
    stretch_id: str
    side: str | None
    body: str
    values: dict  #: the correct execution's parameters (variety's names)
    mistake_kind: str  #: a variety kind, or "start" (back to the start position)
    mistake_values: dict = field(default_factory=dict)  #: what the mistake changes
    view: str = "front"
    camera_height_m: float = 0.9
    camera_distance_m: float = 2.5
    yaw_deg: float = 0.0
    look: str = "A"
    key_angle_deg: float = 35.0
    #: The check the mistake is about, when its kind breaks none (a depth target
    #: missed inside the correct kind's ranges).
    mistake_check: str = ""

    @property
    def mistake_breaks(self) -> tuple[str, ...]:
        if self.mistake_kind == "start":
            return _START_BREAKS[self.stretch_id]
        return variety.kind(self.stretch_id, self.mistake_kind).breaks


#: The gates the start position breaks (left in the middle of a hold).
_START_BREAKS = {
    "seated_piriformis_twist": ("foot_outside_knee",),
    "seated_figure_four": ("shin_level", "ankle_on_knee", "ankle_not_below_knee"),
    "downward_dog": ("hips_highest", "inverted_v"),
}

RECIPES: tuple[VariedClip, ...] = (
    VariedClip("varied_twist_tall_thin_woman_right", "seated_piriformis_twist", "right", "tall_thin_woman",
               {"chair_m": 0.44, "twist_deg": 24.0, "foot_out_cm": 6.0, "foot_fore_cm": -2.0, "heel_lift_cm": 2.0,
                "trunk_flexion_deg": 8.0, "hands": "knee"},
               "slumped", {"trunk_flexion_deg": 38.0},
               camera_height_m=0.75, camera_distance_m=2.4, yaw_deg=8.0, look="C", key_angle_deg=30.0),
    VariedClip("varied_twist_heavy_older_man_left", "seated_piriformis_twist", "left", "heavy_older_man",
               {"chair_m": 0.48, "twist_deg": 36.0, "foot_out_cm": 14.0, "foot_fore_cm": 1.0, "heel_lift_cm": 5.0,
                "trunk_flexion_deg": 4.0, "hands": "chair_back"},
               "start", camera_height_m=1.15, camera_distance_m=3.0, yaw_deg=-10.0, look="D", key_angle_deg=-40.0),
    VariedClip("varied_twist_small_young_man_right", "seated_piriformis_twist", "right", "small_young_man",
               {"chair_m": 0.41, "twist_deg": 42.0, "foot_out_cm": 20.0, "foot_fore_cm": -4.0, "heel_lift_cm": 0.0,
                "trunk_flexion_deg": 12.0, "hands": "chair_back"},
               "no twist", {"twist_deg": 3.0},
               camera_height_m=0.55, camera_distance_m=2.8, yaw_deg=12.0, look="E", key_angle_deg=45.0),
    VariedClip("varied_figure_four_short_heavy_older_woman_right", "seated_figure_four", "right",
               "short_heavy_older_woman",
               {"chair_m": 0.42, "ankle_along_cm": 4.0, "knee_above_hip_cm": 8.0, "trunk_flexion_deg": 6.0},
               "ankle on the shin", {"ankle_down_shin_cm": 16.0},
               camera_height_m=0.9, camera_distance_m=2.6, yaw_deg=-6.0, look="B", key_angle_deg=-30.0),
    VariedClip("varied_figure_four_muscular_man_left", "seated_figure_four", "left", "muscular_man",
               {"chair_m": 0.47, "ankle_along_cm": 10.0, "knee_above_hip_cm": -5.0, "trunk_flexion_deg": 3.0},
               "start", camera_height_m=1.2, camera_distance_m=3.2, yaw_deg=10.0, look="A", key_angle_deg=40.0),
    VariedClip("varied_figure_four_long_legged_woman_left", "seated_figure_four", "left", "long_legged_woman",
               {"chair_m": 0.45, "ankle_along_cm": 1.0, "knee_above_hip_cm": 2.0, "trunk_flexion_deg": 10.0},
               "correct", {"knee_above_hip_cm": 12.0},
               camera_height_m=0.65, camera_distance_m=2.2, yaw_deg=4.0, look="E", key_angle_deg=-25.0,
               mistake_check="knee_pressed_down"),
    VariedClip("varied_dog_heavy_older_man", "downward_dog", None, "heavy_older_man",
               {"hip_angle_deg": 88.0, "knee_angle_deg": 158.0, "elbow_angle_deg": 170.0, "spine_flexion_deg": 8.0,
                "heel_lift_cm": 7.0, "shoulder_flexion_deg": 168.0},
               "hips dropped", {"hip_angle_deg": 145.0, "shoulder_flexion_deg": 120.0, "spine_flexion_deg": 3.0,
                                "heel_lift_cm": 9.0},
               view="side_right", camera_height_m=0.6, camera_distance_m=2.6, yaw_deg=8.0, look="B",
               key_angle_deg=35.0),
    VariedClip("varied_dog_long_legged_woman", "downward_dog", None, "long_legged_woman",
               {"hip_angle_deg": 68.0, "knee_angle_deg": 176.0, "elbow_angle_deg": 178.0, "spine_flexion_deg": 2.0,
                "heel_lift_cm": 1.0, "shoulder_flexion_deg": 176.0},
               "elbows bent", {"elbow_angle_deg": 118.0},
               view="side_left", camera_height_m=1.0, camera_distance_m=3.0, yaw_deg=-10.0, look="C",
               key_angle_deg=-35.0),
    VariedClip("varied_dog_small_young_man", "downward_dog", None, "small_young_man",
               {"hip_angle_deg": 78.0, "knee_angle_deg": 165.0, "elbow_angle_deg": 174.0, "spine_flexion_deg": 5.0,
                "heel_lift_cm": 4.0, "shoulder_flexion_deg": 172.0},
               "knees very bent", {"knee_angle_deg": 128.0, "hip_angle_deg": 66.0, "heel_lift_cm": 3.0},
               view="side_right", camera_height_m=0.8, camera_distance_m=2.3, yaw_deg=-5.0, look="A",
               key_angle_deg=25.0),
)


# ---------------------------------------------------------------------- poses


def _leg(pose: BodyPose, side: str, *angles: float) -> BodyPose:
    return pose.side(side, **dict(zip(_LEG, angles)))


def _build(recipe: VariedClip, kind_name: str, values: dict, body: RenderedBody) -> BodyPose:
    from coachlab.rendered.wide import hip_above_seat

    above = hip_above_seat(recipe.body) if recipe.stretch_id != "downward_dog" else None
    return variety.build_pose(recipe.stretch_id, kind_name, body.proportions, values, above)[0]


def _start_pose(recipe: VariedClip, body: RenderedBody) -> BodyPose:
    """Sitting tall, both feet flat under the knees; or on hands and knees."""
    v = recipe.values
    if recipe.stretch_id == "downward_dog":
        return _build(recipe, "hands and knees", {"thigh_lean_deg": 0.0, "trunk_flexion_deg": 2.0}, body)
    return _build(replace_stretch(recipe, "seated_figure_four"), "leg not crossed",
                  {"chair_m": v["chair_m"], "trunk_flexion_deg": min(v["trunk_flexion_deg"], 6.0),
                   "working_knee_deg": 90.0}, body)


def replace_stretch(recipe: VariedClip, stretch_id: str) -> VariedClip:
    from dataclasses import replace

    return replace(recipe, stretch_id=stretch_id)


Step = tuple[float, BodyPose, bool]  #: seconds to get there, the pose, whether it counts


def _twist_way_in(start: BodyPose, untwisted: BodyPose) -> list[Step]:
    """The right knee pulled up, carried across in the air, the foot put down outside
    the other knee (the same leg angles as the first clips' way in). Not yet turned,
    the pose already counts: the turn is a depth target."""
    lift_a = _leg(start, "right", 135.0, 0.0, 0.0, 125.0, -10.0)
    lift_b = _leg(untwisted, "right", 130.0, -38.0, 16.0, 105.0, -30.0)
    return [(1.0, lift_a, False), (1.0, lift_b, False), (0.9, untwisted, True)]


def _figure_four_way_in(start: BodyPose, body: RenderedBody) -> list[Step]:
    lift_a, lift_b = figure_four_lifts(body.proportions)
    ang = [getattr(lift_a, f"right_{n}") for n in _LEG], [getattr(lift_b, f"right_{n}") for n in _LEG]
    return [(1.0, _leg(start, "right", *ang[0]), False), (0.9, _leg(start, "right", *ang[1]), False)]


@dataclass(frozen=True)
class _Story:
    start: BodyPose
    way_in: list[Step]  #: from the start to the correct pose (the last step ends on it)
    correct: BodyPose
    mistake: BodyPose
    mistake_counts: bool


def _story(recipe: VariedClip, body: RenderedBody) -> _Story:
    start = _start_pose(recipe, body)
    correct = _build(recipe, "correct", recipe.values, body)
    if recipe.stretch_id == "seated_piriformis_twist":
        way_in = _twist_way_in(start, _build(recipe, "correct", {**recipe.values, "twist_deg": 0.0}, body))
        way_in.append((1.2, correct, True))
    elif recipe.stretch_id == "seated_figure_four":
        way_in = _figure_four_way_in(start, body) + [(1.0, correct, True)]
    else:
        way_in = [(2.5, correct, True)]
    if recipe.mistake_kind == "start":
        mistake = start
    elif recipe.mistake_kind == "ankle on the shin":
        v = recipe.values
        mistake = _build(recipe, recipe.mistake_kind, {"chair_m": v["chair_m"], "trunk_flexion_deg":
                                                       v["trunk_flexion_deg"], **recipe.mistake_values}, body)
    else:
        mistake = _build(recipe, recipe.mistake_kind, {**recipe.values, **recipe.mistake_values}, body)
    if recipe.stretch_id == "downward_dog":  # hands and feet on the floor, mesh and all
        correct, mistake = _on_hands_and_feet(body, correct), _on_hands_and_feet(body, mistake)
        way_in[-1] = (way_in[-1][0], correct, True)
    counts = variety.is_correct(recipe.stretch_id, recipe.mistake_breaks)
    return _Story(start, way_in, correct, mistake, counts)


def _phases(recipe: VariedClip, story: _Story) -> tuple[Phase, ...]:
    """Start position 3 s; into the stretch; hold 9 s; into the mistake, held 4 s; back;
    hold 7 s. When the mistake is the start position, the leg goes back the way it came,
    quickly (half a second a step), as a leg let down does."""
    phases = [Phase("start", "hold", 3.0, story.start)]
    phases += [Phase("into", "move", s, pose, counts) for s, pose, counts in story.way_in]
    phases.append(Phase("correct", "hold", 9.0, story.correct, counts=True))
    if recipe.mistake_kind == "start":
        back = story.way_in[:-1][::-1]
        phases += [Phase("to_mistake", "move", 0.5, pose, counts) for _, pose, counts in back]
        phases.append(Phase("to_mistake", "move", 0.6, story.start))
        phases.append(Phase("mistake", "hold", 4.0, story.start))
        phases += [Phase("correcting", "move", s, pose, counts) for s, pose, counts in story.way_in]
    else:
        phases.append(Phase("to_mistake", "move", 1.2, story.mistake, counts=story.mistake_counts))
        phases.append(Phase("mistake", "hold", 4.0, story.mistake, counts=story.mistake_counts))
        phases.append(Phase("correcting", "move", 1.2, story.correct, counts=True))
    phases.append(Phase("corrected", "hold", 7.0, story.correct, counts=True))
    if recipe.side == "left":
        phases = [ph.mirrored() for ph in phases]
    return tuple(phases)


def _floor_fix(body: RenderedBody) -> Callable[[BodyPose], BodyPose]:
    """Seated: nothing through the floor (a lifted foot never is; a planted one may graze it)."""
    ids = body.render_mesh()[0]

    def fix(pose: BodyPose) -> BodyPose:
        low = float(body.posed_vertices(pose, ids)[:, 1].min())
        if low >= 0.0:
            return pose
        x, y, z = pose.pelvis_position
        return pose.replace(pelvis_position=(x, y - low, z))

    return fix


def varied_clip_spec(recipe: VariedClip) -> ClipSpec:
    body = load_body(recipe.body)
    story = _story(recipe, body)
    phases = _phases(recipe, story)
    look = _look(recipe.look, recipe.key_angle_deg)
    description = (f"{recipe.body.replace('_', ' ')}: {'; '.join(f'{k} {v}' for k, v in recipe.values.items())}. "
                   f"Start position, into the stretch, hold; mistake: {recipe.mistake_kind} "
                   f"({', '.join(recipe.mistake_breaks)}: {'counts' if story.mistake_counts else 'does not count'}); "
                   f"back; hold.")
    if recipe.stretch_id == "downward_dog":
        pts = joint_positions(story.start, body.proportions)
        from coach.landmarks import PoseLandmark as L

        anchor = ((pts[L.LEFT_WRIST] + pts[L.RIGHT_WRIST]) / 2)[[0, 2]]
        fix = _contact_fix(body, anchor)
        feet = joint_positions(fix(story.correct), body.proportions)
        z_lo = float(min(feet[L.LEFT_FOOT_INDEX, 2], feet[L.LEFT_HEEL, 2])) - 0.25
        z_hi = float(anchor[1]) + 0.30
        boxes = (mat_box(0.0, (z_lo + z_hi) / 2, z_hi - z_lo),)
        sway = _dog_sway
    else:
        fix = _floor_fix(body)
        boxes = tuple(chair_boxes(body.proportions, float(recipe.values["chair_m"])))
        sway = _seated_sway
    mistake_check = recipe.mistake_check or recipe.mistake_breaks[0]
    return ClipSpec(recipe.clip_id, recipe.stretch_id, recipe.side, recipe.body, recipe.view,
                    recipe.camera_height_m, recipe.yaw_deg, phases, look, mistake_check, boxes, sway=sway, fix=fix,
                    description=description, camera_distance_m=recipe.camera_distance_m)


def varied_clip_specs() -> list[ClipSpec]:
    return [varied_clip_spec(r) for r in RECIPES]


__all__ = ["RECIPES", "VariedClip", "varied_clip_spec", "varied_clip_specs"]
