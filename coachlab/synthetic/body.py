"""A small kinematic skeleton that turns named joint angles into BlazePose landmarks.

Why it exists: the engine's tests need correct and wrong versions of every stretch,
seen from several cameras, for both sides and several bodies, with noise, occlusion
and dropped frames, without recording people. A Blender renderer will later pose a
real mesh with the *same* vocabulary (:class:`BodyPose`), so every angle here is an
anatomical angle in degrees with a documented sign and a fixed rotation order.

Scene frame (metres, right-handed): y is up and the floor is y = 0. A person with
``body_yaw_deg = 0`` faces +z and their anatomical LEFT is +x. A positive rotation
about +y turns the person toward their left.

Every body segment carries a local frame that, in the rest pose (standing upright,
arms hanging), is parallel to the body frame: x = the person's left, y = up (from
the distal end toward the proximal end of a limb), z = forward (anterior). Rotations
are composed *intrinsically* (each one about the axes of the frame produced by the
previous one), in this fixed order:

* pelvis:  ``R_y(yaw) . R_x(pitch) . R_z(-roll)``
* trunk:   ``R_pelvis . R_x(flexion) . R_z(-side_bend) . R_y(twist)``
* head:    ``R_trunk . R_x(neck_flexion) . R_y(neck_rotation)``
* thigh:   ``R_pelvis . R_x(-hip_flexion) . R_z(s*abduction) . R_y(s*external_rotation)``
* shank:   ``R_thigh . R_x(knee_flexion)``
* foot:    ``R_shank . R_x(-ankle_dorsiflexion)``
* arm:     ``R_trunk . R_x(-shoulder_flexion) . R_z(s*shoulder_abduction)``
* forearm: ``R_arm . R_x(-elbow_flexion) . R_y(-s*forearm_pronation)``
* hand:    ``R_forearm . R_z(s*wrist_extension)``

where ``s = +1`` for the left limb and ``-1`` for the right. Because a mirror in x
(``M = diag(-1, 1, 1)``) leaves rotations about x unchanged and negates rotations
about y and z, this makes the right limb the exact mirror image of the left limb for
the same angles. Flexion is applied first so that, with the hip flexed to 90 degrees,
"abduction" swings the thigh outward in the horizontal plane (the figure-4 knee
drop) and external rotation turns the bent shin toward the other leg.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from coach.landmarks import LEFT_RIGHT_PAIRS, NUM_LANDMARKS, Landmarks, PoseLandmark

Vec3 = tuple[float, float, float]

#: Visibility given to landmarks listed in ``occluded`` (MediaPipe reports low values
#: for body parts it guesses behind other parts).
OCCLUDED_VISIBILITY = 0.05
#: Presence (and visibility) of landmarks that fall outside the picture.
OUT_OF_FRAME_PRESENCE = 0.05
#: Presence of landmarks inside the picture.
IN_FRAME_PRESENCE = 0.99

_L = PoseLandmark


def _swap_order() -> np.ndarray:
    order = np.arange(NUM_LANDMARKS)
    for left, right in LEFT_RIGHT_PAIRS:
        order[left], order[right] = right, left
    return order


#: Permutation that relabels every left landmark as right and vice versa.
SWAP_SIDES = _swap_order()
#: Scene mirror through the person's sagittal plane (x -> -x).
MIRROR_X = np.diag([-1.0, 1.0, 1.0])


# --------------------------------------------------------------------------- proportions


@dataclass(frozen=True)
class BodyProportions:
    """Segment lengths of one body, in metres.

    Build one with :meth:`from_height` (ratios of standing height) or a preset. Length
    ratios follow Winter, *Biomechanics and Motor Control of Human Movement* (4th ed.,
    2009, Fig. 4.1, after Drillis & Contini 1966): thigh 0.245 H, shank 0.246 H, ankle
    height 0.039 H, foot length 0.152 H, shoulder height 0.818 H and hip (greater
    trochanter) height 0.530 H, so hip line to shoulder line 0.288 H, upper arm
    0.186 H, forearm 0.146 H, hand 0.108 H.

    Two widths deliberately differ from Winter's breadths, because BlazePose marks
    joints, not the body outline: Winter's hip width 0.191 H is the bi-trochanteric
    (outer) breadth, while the hip joint centres are ~0.12-0.13 H apart (Bell et al.
    1990, Seidel et al. 1995: ~17-20 cm in adults) and MediaPipe's hip landmarks sit a
    little outside them; 0.135-0.15 H matches the hip/shoulder landmark width ratio
    (~0.6) seen in MediaPipe output. Likewise Winter's 0.259 H is acromion to acromion
    and the shoulder joint centres sit a few centimetres inside it (~0.22-0.24 H).
    Face offsets are typical adult head dimensions (inter-pupillary ~63 mm, head
    breadth ~150 mm) expressed per H.

    The face and hand offsets are given for the LEFT side in the local frame of the
    head / hand (x = person's left, y = up along the segment, z = forward); the right
    side uses the mirror image (x negated).
    """

    height_m: float
    hip_width_m: float  #: distance between the two hip joint centres
    thigh_m: float  #: hip joint centre to knee joint centre
    shank_m: float  #: knee joint centre to ankle (lateral malleolus)
    ankle_height_m: float  #: ankle above the sole of the foot
    heel_back_m: float  #: heel landmark behind the ankle along the sole
    toe_forward_m: float  #: foot-index (toe tip) landmark ahead of the ankle along the sole
    torso_m: float  #: hip joint centre line to shoulder joint line (along the spine)
    shoulder_width_m: float  #: distance between the two shoulder joint centres
    neck_m: float  #: mid-shoulder to the head centre (mid-point between the ears)
    upper_arm_m: float  #: shoulder to elbow
    forearm_m: float  #: elbow to wrist
    hand_m: float  #: wrist to finger tip
    palm_width_m: float
    nose: Vec3  #: nose tip, from the head centre, head frame
    eye_inner: Vec3
    eye: Vec3
    eye_outer: Vec3
    ear: Vec3
    mouth: Vec3  #: left mouth corner
    index_knuckle: Vec3  #: left hand, from the wrist, hand frame (thumb = +z at rest)
    pinky_knuckle: Vec3
    thumb: Vec3

    @classmethod
    def from_height(
        cls,
        height_m: float,
        *,
        thigh: float = 0.245,
        shank: float = 0.246,
        ankle_height: float = 0.039,
        foot_length: float = 0.152,
        hip_width: float = 0.135,
        torso: float = 0.288,
        shoulder_width: float = 0.232,
        upper_arm: float = 0.186,
        forearm: float = 0.146,
        hand: float = 0.108,
        palm_width: float = 0.050,
        head_above_ears: float = 0.068,
    ) -> "BodyProportions":
        """Proportions from a standing height and segment ratios (fractions of height).

        The neck length is what is left of the height once the legs, the torso and
        the top of the head (``head_above_ears``) are taken away, so the standing
        figure is always exactly ``height_m`` tall (ears to crown included).
        """
        h = float(height_m)
        neck = 1.0 - head_above_ears - ankle_height - shank - thigh - torso
        if not 0.05 < neck < 0.2:
            raise ValueError(f"ratios leave an implausible neck of {neck:.3f} H")
        pw = palm_width * h
        hl = hand * h
        return cls(
            height_m=h,
            hip_width_m=hip_width * h,
            thigh_m=thigh * h,
            shank_m=shank * h,
            ankle_height_m=ankle_height * h,
            heel_back_m=0.26 * foot_length * h,
            toe_forward_m=0.74 * foot_length * h,
            torso_m=torso * h,
            shoulder_width_m=shoulder_width * h,
            neck_m=neck * h,
            upper_arm_m=upper_arm * h,
            forearm_m=forearm * h,
            hand_m=hl,
            palm_width_m=pw,
            nose=(0.0, -0.018 * h, 0.058 * h),
            eye_inner=(0.010 * h, 0.006 * h, 0.050 * h),
            eye=(0.019 * h, 0.006 * h, 0.046 * h),
            eye_outer=(0.027 * h, 0.006 * h, 0.040 * h),
            ear=(0.043 * h, 0.0, 0.0),
            mouth=(0.014 * h, -0.040 * h, 0.048 * h),
            index_knuckle=(0.0, -0.45 * hl, 0.30 * pw),
            pinky_knuckle=(0.0, -0.42 * hl, -0.45 * pw),
            thumb=(-0.20 * pw, -0.32 * hl, 0.65 * pw),
        )

    @classmethod
    def average_female(cls) -> "BodyProportions":
        """1.65 m; relatively wider hips, narrower shoulders, slightly longer trunk."""
        return cls.from_height(
            1.65, thigh=0.242, shank=0.243, hip_width=0.145, torso=0.292,
            shoulder_width=0.220, upper_arm=0.182, forearm=0.142, hand=0.105,
            palm_width=0.047,
        )

    @classmethod
    def average_male(cls) -> "BodyProportions":
        """1.78 m; Winter's length ratios."""
        return cls.from_height(1.78)

    @classmethod
    def tall_long_legged(cls) -> "BodyProportions":
        """1.92 m with long legs and arms and a short trunk (stress test for ratios)."""
        return cls.from_height(
            1.92, thigh=0.256, shank=0.258, hip_width=0.128, torso=0.272,
            shoulder_width=0.240, upper_arm=0.193, forearm=0.153, hand=0.110,
        )

    @classmethod
    def short_long_trunk(cls) -> "BodyProportions":
        """1.55 m with short legs, a long trunk and wide hips (stress test for ratios)."""
        return cls.from_height(
            1.55, thigh=0.234, shank=0.235, hip_width=0.152, torso=0.302,
            shoulder_width=0.228, upper_arm=0.178, forearm=0.139, hand=0.104,
        )

    @classmethod
    def presets(cls) -> dict[str, "BodyProportions"]:
        """Every preset by name, so tests can loop over bodies."""
        return {
            "average_female": cls.average_female(),
            "average_male": cls.average_male(),
            "tall_long_legged": cls.tall_long_legged(),
            "short_long_trunk": cls.short_long_trunk(),
        }

    @property
    def standing_hip_height_m(self) -> float:
        """Height of the hip joint centres when standing straight with feet flat."""
        return self.ankle_height_m + self.shank_m + self.thigh_m


# --------------------------------------------------------------------------- pose

_SIDED_ANGLES: tuple[str, ...] = (
    "hip_flexion_deg",
    "hip_abduction_deg",
    "hip_external_rotation_deg",
    "knee_flexion_deg",
    "ankle_dorsiflexion_deg",
    "shoulder_flexion_deg",
    "shoulder_abduction_deg",
    "elbow_flexion_deg",
    "forearm_pronation_deg",
    "wrist_extension_deg",
)
#: Angles whose sign means "toward the person's left": negated by mirroring.
_LATERAL_ANGLES: tuple[str, ...] = (
    "body_yaw_deg",
    "pelvis_roll_deg",
    "trunk_side_bend_deg",
    "trunk_twist_deg",
    "neck_rotation_deg",
)


@dataclass(frozen=True)
class BodyPose:
    """Joint angles (degrees) and root placement (metres) of one body.

    The defaults are standing upright with the arms hanging, palms facing the thighs.
    Angles are relative to the parent segment, so the same leg angles mean the same
    hip/knee shape whatever the pelvis does.

    Root:
        pelvis_position: scene xyz of the mid-point between the hip joint centres.
        body_yaw_deg: heading; 0 faces +z, positive turns toward the person's left.
        pelvis_pitch_deg: whole-pelvis tilt about the left-right axis; positive tips
            the trunk forward (and the legs back). A downward dog needs ~100-140.
        pelvis_roll_deg: tilt about the forward axis; positive leans the body toward
            the person's left (left hip lower).
    Spine (relative to the pelvis, one rigid trunk pivoting at the hip line):
        trunk_flexion_deg: forward bend. trunk_side_bend_deg: positive toward the
        person's left. trunk_twist_deg: shoulders relative to hips about the spine;
        positive turns the chest toward the person's LEFT.
        neck_flexion_deg: chin toward chest. neck_rotation_deg: positive looks to
        the person's left.
    Legs (``left_``/``right_``):
        hip_flexion_deg: thigh forward/up; 90 = thigh horizontal with the pelvis
        upright. hip_abduction_deg: thigh out to its own side (negative = adduction,
        across the body). hip_external_rotation_deg: rotation of the thigh about its
        own long axis, outward positive; with the knee bent it swings the shin toward
        the other leg. knee_flexion_deg: 0 = straight. ankle_dorsiflexion_deg: 0 =
        foot at a right angle to the shin, positive = toes toward the shin.
    Arms:
        shoulder_flexion_deg: 0 = hanging, 90 = forward horizontal, 180 = overhead
        (negative = extension, arm behind). shoulder_abduction_deg: out to its own
        side (negative = across the chest). elbow_flexion_deg: 0 = straight.
        forearm_pronation_deg: 0 = thumb forward with the arm hanging (palm facing
        the body), 90 = palm backward. wrist_extension_deg: back of the hand toward
        the forearm (what a palm flat on the floor needs).
    """

    pelvis_position: Vec3 = (0.0, 0.9, 0.0)
    body_yaw_deg: float = 0.0
    pelvis_pitch_deg: float = 0.0
    pelvis_roll_deg: float = 0.0

    trunk_flexion_deg: float = 0.0
    trunk_side_bend_deg: float = 0.0
    trunk_twist_deg: float = 0.0
    neck_flexion_deg: float = 0.0
    neck_rotation_deg: float = 0.0

    left_hip_flexion_deg: float = 0.0
    left_hip_abduction_deg: float = 0.0
    left_hip_external_rotation_deg: float = 0.0
    left_knee_flexion_deg: float = 0.0
    left_ankle_dorsiflexion_deg: float = 0.0
    right_hip_flexion_deg: float = 0.0
    right_hip_abduction_deg: float = 0.0
    right_hip_external_rotation_deg: float = 0.0
    right_knee_flexion_deg: float = 0.0
    right_ankle_dorsiflexion_deg: float = 0.0

    left_shoulder_flexion_deg: float = 0.0
    left_shoulder_abduction_deg: float = 0.0
    left_elbow_flexion_deg: float = 0.0
    left_forearm_pronation_deg: float = 0.0
    left_wrist_extension_deg: float = 0.0
    right_shoulder_flexion_deg: float = 0.0
    right_shoulder_abduction_deg: float = 0.0
    right_elbow_flexion_deg: float = 0.0
    right_forearm_pronation_deg: float = 0.0
    right_wrist_extension_deg: float = 0.0

    def __post_init__(self) -> None:
        position = tuple(float(v) for v in self.pelvis_position)
        if len(position) != 3:
            raise ValueError(f"pelvis_position must have 3 values, got {self.pelvis_position}")
        object.__setattr__(self, "pelvis_position", position)
        for f in dataclasses.fields(self):
            if f.name != "pelvis_position":
                object.__setattr__(self, f.name, float(getattr(self, f.name)))

    def replace(self, **changes: object) -> "BodyPose":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def side(self, side: str, **angles: float) -> "BodyPose":
        """A copy with some angles of one side changed: ``pose.side("right", knee_flexion_deg=90)``."""
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        return self.replace(**{f"{side}_{name}": value for name, value in angles.items()})

    def mirrored(self) -> "BodyPose":
        """The mirror-image pose: left and right angles swapped, lateral angles negated.

        ``joint_positions(pose.mirrored())`` is ``joint_positions(pose)`` reflected
        through the scene plane x = 0 with left and right labels swapped. Used to turn a
        right-side stretch into the left-side one.
        """
        changes: dict[str, object] = {}
        for name in _SIDED_ANGLES:
            changes[f"left_{name}"] = getattr(self, f"right_{name}")
            changes[f"right_{name}"] = getattr(self, f"left_{name}")
        for name in _LATERAL_ANGLES:
            changes[name] = -getattr(self, name)
        x, y, z = self.pelvis_position
        changes["pelvis_position"] = (-x, y, z)
        return self.replace(**changes)

    def as_dict(self) -> dict[str, object]:
        """Plain field -> value mapping (for logs, JSON, the Blender side)."""
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------- rotations


def rot_x(deg: float) -> np.ndarray:
    """Rotation about +x by ``deg`` (right-hand rule)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(deg: float) -> np.ndarray:
    """Rotation about +y by ``deg`` (right-hand rule)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(deg: float) -> np.ndarray:
    """Rotation about +z by ``deg`` (right-hand rule)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class SegmentFrame:
    """Where one body segment is: its proximal joint and its orientation in the scene.

    ``rotation`` columns are the segment's local x (person's left at rest), y (toward
    the proximal end / up at rest) and z (forward at rest) axes in scene coordinates.
    A renderer can apply ``rotation`` to the matching bone of a mesh in rest pose.
    """

    origin: np.ndarray
    rotation: np.ndarray


def _mirror_offset(offset: Sequence[float], s: float) -> np.ndarray:
    return np.array([s * offset[0], offset[1], offset[2]], dtype=np.float64)


def segment_frames(pose: BodyPose, proportions: BodyProportions) -> dict[str, SegmentFrame]:
    """Forward kinematics: every segment's origin and orientation (scene frame).

    Keys: ``pelvis``, ``trunk``, ``head`` and, per side, ``{side}_thigh``,
    ``{side}_shank``, ``{side}_foot``, ``{side}_upper_arm``, ``{side}_forearm``,
    ``{side}_hand``. The rotation order is documented in the module docstring.
    """
    p = proportions
    frames: dict[str, SegmentFrame] = {}
    root = np.asarray(pose.pelvis_position, dtype=np.float64)
    r_pelvis = rot_y(pose.body_yaw_deg) @ rot_x(pose.pelvis_pitch_deg) @ rot_z(-pose.pelvis_roll_deg)
    frames["pelvis"] = SegmentFrame(root, r_pelvis)

    r_trunk = (
        r_pelvis
        @ rot_x(pose.trunk_flexion_deg)
        @ rot_z(-pose.trunk_side_bend_deg)
        @ rot_y(pose.trunk_twist_deg)
    )
    frames["trunk"] = SegmentFrame(root, r_trunk)
    neck_base = root + r_trunk @ np.array([0.0, p.torso_m, 0.0])
    r_head = r_trunk @ rot_x(pose.neck_flexion_deg) @ rot_y(pose.neck_rotation_deg)
    frames["head"] = SegmentFrame(neck_base, r_head)

    for side, s in (("left", 1.0), ("right", -1.0)):
        a = {name: getattr(pose, f"{side}_{name}") for name in _SIDED_ANGLES}
        hip = root + r_pelvis @ np.array([s * p.hip_width_m / 2, 0.0, 0.0])
        r_thigh = (
            r_pelvis
            @ rot_x(-a["hip_flexion_deg"])
            @ rot_z(s * a["hip_abduction_deg"])
            @ rot_y(s * a["hip_external_rotation_deg"])
        )
        knee = hip + r_thigh @ np.array([0.0, -p.thigh_m, 0.0])
        r_shank = r_thigh @ rot_x(a["knee_flexion_deg"])
        ankle = knee + r_shank @ np.array([0.0, -p.shank_m, 0.0])
        r_foot = r_shank @ rot_x(-a["ankle_dorsiflexion_deg"])
        frames[f"{side}_thigh"] = SegmentFrame(hip, r_thigh)
        frames[f"{side}_shank"] = SegmentFrame(knee, r_shank)
        frames[f"{side}_foot"] = SegmentFrame(ankle, r_foot)

        shoulder = neck_base + r_trunk @ np.array([s * p.shoulder_width_m / 2, 0.0, 0.0])
        r_arm = r_trunk @ rot_x(-a["shoulder_flexion_deg"]) @ rot_z(s * a["shoulder_abduction_deg"])
        elbow = shoulder + r_arm @ np.array([0.0, -p.upper_arm_m, 0.0])
        r_forearm = r_arm @ rot_x(-a["elbow_flexion_deg"]) @ rot_y(-s * a["forearm_pronation_deg"])
        wrist = elbow + r_forearm @ np.array([0.0, -p.forearm_m, 0.0])
        r_hand = r_forearm @ rot_z(s * a["wrist_extension_deg"])
        frames[f"{side}_upper_arm"] = SegmentFrame(shoulder, r_arm)
        frames[f"{side}_forearm"] = SegmentFrame(elbow, r_forearm)
        frames[f"{side}_hand"] = SegmentFrame(wrist, r_hand)
    return frames


def joint_positions(pose: BodyPose, proportions: BodyProportions) -> np.ndarray:
    """(33, 3) scene coordinates of the BlazePose landmarks for ``pose``.

    Hip landmarks are the hip joint centres, shoulders the shoulder joint centres,
    knee/elbow the joint centres, ankle the lateral malleolus level on the shank axis,
    heel and foot index on the sole, hand points at the knuckles.
    """
    p = proportions
    f = segment_frames(pose, p)
    out = np.zeros((NUM_LANDMARKS, 3), dtype=np.float64)

    head = f["head"]
    head_centre = head.origin + head.rotation @ np.array([0.0, p.neck_m, 0.0])
    out[_L.NOSE] = head_centre + head.rotation @ np.asarray(p.nose)
    for side, s in (("LEFT", 1.0), ("RIGHT", -1.0)):
        out[_L[f"{side}_EYE_INNER"]] = head_centre + head.rotation @ _mirror_offset(p.eye_inner, s)
        out[_L[f"{side}_EYE"]] = head_centre + head.rotation @ _mirror_offset(p.eye, s)
        out[_L[f"{side}_EYE_OUTER"]] = head_centre + head.rotation @ _mirror_offset(p.eye_outer, s)
        out[_L[f"{side}_EAR"]] = head_centre + head.rotation @ _mirror_offset(p.ear, s)
        out[_L[f"MOUTH_{side}"]] = head_centre + head.rotation @ _mirror_offset(p.mouth, s)

        low = side.lower()
        thigh, shank, foot = f[f"{low}_thigh"], f[f"{low}_shank"], f[f"{low}_foot"]
        out[_L[f"{side}_HIP"]] = thigh.origin
        out[_L[f"{side}_KNEE"]] = shank.origin
        out[_L[f"{side}_ANKLE"]] = foot.origin
        out[_L[f"{side}_HEEL"]] = foot.origin + foot.rotation @ np.array(
            [0.0, -p.ankle_height_m, -p.heel_back_m]
        )
        out[_L[f"{side}_FOOT_INDEX"]] = foot.origin + foot.rotation @ np.array(
            [0.0, -p.ankle_height_m, p.toe_forward_m]
        )

        arm, forearm, hand = f[f"{low}_upper_arm"], f[f"{low}_forearm"], f[f"{low}_hand"]
        out[_L[f"{side}_SHOULDER"]] = arm.origin
        out[_L[f"{side}_ELBOW"]] = forearm.origin
        out[_L[f"{side}_WRIST"]] = hand.origin
        out[_L[f"{side}_INDEX"]] = hand.origin + hand.rotation @ _mirror_offset(p.index_knuckle, s)
        out[_L[f"{side}_PINKY"]] = hand.origin + hand.rotation @ _mirror_offset(p.pinky_knuckle, s)
        out[_L[f"{side}_THUMB"]] = hand.origin + hand.rotation @ _mirror_offset(p.thumb, s)
    return out


def grounded(
    pose: BodyPose,
    proportions: BodyProportions,
    contacts: Iterable[int] | None = None,
    floor_y: float = 0.0,
) -> BodyPose:
    """The same pose moved vertically so the lowest ``contacts`` landmark touches the floor.

    ``contacts`` defaults to every landmark. Only the pelvis height changes.
    """
    points = joint_positions(pose, proportions)
    idx = list(range(NUM_LANDMARKS)) if contacts is None else [int(i) for i in contacts]
    lowest = float(points[idx, 1].min())
    x, y, z = pose.pelvis_position
    return pose.replace(pelvis_position=(x, y + floor_y - lowest, z))


# --------------------------------------------------------------------------- camera

#: Camera azimuth around the person for each named view, degrees about +y measured
#: from the person's facing direction (positive = toward the person's left).
VIEW_AZIMUTH_DEG: dict[str, float] = {
    "front": 0.0,
    "three_quarter_left": 45.0,
    "side_left": 90.0,
    "back": 180.0,
    "side_right": -90.0,
    "three_quarter_right": -45.0,
}


@dataclass(frozen=True)
class Camera:
    """A pinhole camera in the scene.

    ``vertical_fov_deg`` defaults to 60 degrees and ``image_size`` to 640x480 (a
    laptop webcam). The picture is never mirrored: a camera in front of a person
    sees the person's left side on the right half of the image.
    """

    position: Vec3
    target: Vec3
    vertical_fov_deg: float = 60.0
    image_size: tuple[int, int] = (640, 480)
    up: Vec3 = (0.0, 1.0, 0.0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", tuple(float(v) for v in self.position))
        object.__setattr__(self, "target", tuple(float(v) for v in self.target))
        object.__setattr__(self, "up", tuple(float(v) for v in self.up))
        object.__setattr__(self, "image_size", tuple(int(v) for v in self.image_size))
        if np.linalg.norm(np.subtract(self.target, self.position)) < 1e-9:
            raise ValueError("camera target must differ from its position")
        if not 1.0 < self.vertical_fov_deg < 179.0:
            raise ValueError(f"vertical_fov_deg out of range: {self.vertical_fov_deg}")

    @classmethod
    def around(
        cls,
        target: Sequence[float],
        view: str = "front",
        distance_m: float = 2.5,
        height_m: float | None = None,
        yaw_offset_deg: float = 0.0,
        image_size: tuple[int, int] = (640, 480),
        vertical_fov_deg: float = 60.0,
    ) -> "Camera":
        """A camera ``distance_m`` (horizontally) from ``target``, looking at it.

        ``view`` is relative to a person facing +z (yaw 0): "front", "back",
        "side_left" (camera on the person's LEFT, seeing their left side),
        "side_right", "three_quarter_left" (45 degrees toward the person's left),
        "three_quarter_right". Pass the body yaw (plus any extra offset) as
        ``yaw_offset_deg`` to follow a turned body. ``height_m`` is the lens height
        above the floor (default: the target's height, a level camera).
        """
        if view not in VIEW_AZIMUTH_DEG:
            raise ValueError(f"unknown view {view!r}; choose from {sorted(VIEW_AZIMUTH_DEG)}")
        t = np.asarray(target, dtype=np.float64)
        azimuth = math.radians(VIEW_AZIMUTH_DEG[view] + yaw_offset_deg)
        y = t[1] if height_m is None else float(height_m)
        position = (t[0] + distance_m * math.sin(azimuth), y, t[2] + distance_m * math.cos(azimuth))
        return cls(position, tuple(t), vertical_fov_deg, image_size)

    @classmethod
    def framing(
        cls,
        points: np.ndarray,
        view: str = "front",
        height_m: float | None = None,
        yaw_offset_deg: float = 0.0,
        fill: float = 0.8,
        image_size: tuple[int, int] = (640, 480),
        vertical_fov_deg: float = 60.0,
    ) -> "Camera":
        """A camera around the centre of ``points`` (e.g. ``joint_positions``), far
        enough that their bounding sphere takes about ``fill`` of the smaller field of view.
        """
        pts = np.asarray(points, dtype=np.float64)
        lo, hi = np.nanmin(pts, axis=0), np.nanmax(pts, axis=0)
        centre = (lo + hi) / 2
        radius = float(np.linalg.norm(hi - lo) / 2) + 0.05
        w, h = image_size
        half_v = math.radians(vertical_fov_deg) / 2
        half_h = math.atan(math.tan(half_v) * w / h)
        half = min(half_v, half_h) * fill
        distance = radius / math.sin(half)
        if height_m is not None:
            # keep the slant distance when the lens is raised or lowered
            dy = float(height_m) - centre[1]
            distance = math.sqrt(max(distance**2 - dy**2, (0.5 * distance) ** 2))
        return cls.around(centre, view, distance, height_m, yaw_offset_deg, image_size, vertical_fov_deg)

    @property
    def focal_px(self) -> float:
        """Focal length in pixels (square pixels)."""
        return (self.image_size[1] / 2) / math.tan(math.radians(self.vertical_fov_deg) / 2)

    def rotation(self) -> np.ndarray:
        """(3, 3) scene -> camera rotation; rows are the camera's right, down, forward axes."""
        forward = np.subtract(self.target, self.position)
        forward = forward / np.linalg.norm(forward)
        up = np.asarray(self.up, dtype=np.float64)
        right = np.cross(forward, up)
        if np.linalg.norm(right) < 1e-6:  # looking straight up/down: pick any right
            right = np.cross(forward, np.array([0.0, 0.0, 1.0]))
        right = right / np.linalg.norm(right)
        down = np.cross(forward, right)
        return np.stack([right, down, forward])

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """Scene points (N, 3) in camera coordinates (x right, y down, z forward), metres."""
        pts = np.asarray(points, dtype=np.float64)
        return (pts - np.asarray(self.position)) @ self.rotation().T


def project(
    points: np.ndarray, camera: Camera, depth_origin: Sequence[float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pinhole projection of scene points into MediaPipe-style normalised coordinates.

    Returns ``(image, in_frame)``: ``image`` is (N, 3) with x = u / width, y = v /
    height (y down) and z = depth relative to ``depth_origin`` (default: the camera
    target) scaled like x (metres at that depth -> fraction of the width); points
    behind the camera are NaN. ``in_frame`` is True where the point is in front of
    the camera and inside the picture.
    """
    cam = camera.to_camera(points)
    w, h = camera.image_size
    f = camera.focal_px
    origin = camera.target if depth_origin is None else depth_origin
    ref_depth = float(camera.to_camera(np.asarray(origin, dtype=np.float64)[None])[0, 2])
    in_front = cam[:, 2] > 1e-6
    safe_z = np.where(in_front, cam[:, 2], np.nan)
    u = w / 2 + f * cam[:, 0] / safe_z
    v = h / 2 + f * cam[:, 1] / safe_z
    z = (cam[:, 2] - ref_depth) * f / (ref_depth * w) if ref_depth > 1e-6 else np.full(len(cam), np.nan)
    image = np.stack([u / w, v / h, np.where(in_front, z, np.nan)], axis=1)
    with np.errstate(invalid="ignore"):
        in_frame = in_front & (image[:, 0] >= 0) & (image[:, 0] <= 1) & (image[:, 1] >= 0) & (image[:, 1] <= 1)
    return image, in_frame


def make_landmarks(
    pose: BodyPose,
    proportions: BodyProportions,
    camera: Camera,
    timestamp_s: float = 0.0,
    noise_px: float = 0.0,
    rng: np.random.Generator | None = None,
    occluded: Iterable[int] = (),
    visibility: float | Sequence[float] = 0.99,
) -> Landmarks:
    """What MediaPipe would report for ``pose`` seen by ``camera``.

    image: normalised x, y (y down) and z = depth relative to the mid-hip on the scale
    of x. world: scene coordinates with the origin at the mid-hip and the camera's
    axes (x right in the picture, y down, z away from the camera), metres.
    ``noise_px`` is the standard deviation of Gaussian pixel noise on image x and y
    (and on z, on the same scale); the world points get the matching noise in metres
    at the hip depth. Without ``rng`` the noise is seeded from the timestamp, so it is
    reproducible but differs from frame to frame. ``occluded`` landmarks get
    visibility 0.05; landmarks outside the picture get presence (and visibility) 0.05.
    """
    scene = joint_positions(pose, proportions)
    mid_hip = (scene[_L.LEFT_HIP] + scene[_L.RIGHT_HIP]) / 2
    image, in_frame = project(scene, camera, depth_origin=mid_hip)
    world = (scene - mid_hip) @ camera.rotation().T

    if noise_px > 0:
        if rng is None:
            rng = np.random.default_rng(int(round(abs(timestamp_s) * 1e6)) % (2**32))
        w, h = camera.image_size
        image = image + rng.normal(0.0, noise_px, size=image.shape) / np.array([w, h, w])
        hip_depth = float(camera.to_camera(mid_hip[None])[0, 2])
        world = world + rng.normal(0.0, noise_px * hip_depth / camera.focal_px, size=world.shape)

    vis = np.broadcast_to(np.asarray(visibility, dtype=np.float64), (NUM_LANDMARKS,)).copy()
    occluded_idx = [int(i) for i in occluded]
    vis[occluded_idx] = np.minimum(vis[occluded_idx], OCCLUDED_VISIBILITY)
    presence = np.where(in_frame, IN_FRAME_PRESENCE, OUT_OF_FRAME_PRESENCE)
    vis = np.where(in_frame, vis, np.minimum(vis, OUT_OF_FRAME_PRESENCE))
    return Landmarks(
        image=image,
        world=world,
        visibility=vis,
        presence=presence,
        timestamp_s=timestamp_s,
        image_size=camera.image_size,
    )


# --------------------------------------------------------------------------- measuring


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle a-b-c at ``b`` in degrees (for checks and tests)."""
    u = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    v = np.asarray(c, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def inclination_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle of the segment a->b above the horizontal floor plane (negative = going down)."""
    d = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    return math.degrees(math.atan2(d[1], math.hypot(d[0], d[2])))


__all__ = [
    "BodyPose",
    "BodyProportions",
    "Camera",
    "MIRROR_X",
    "SWAP_SIDES",
    "SegmentFrame",
    "VIEW_AZIMUTH_DEG",
    "angle_deg",
    "grounded",
    "inclination_deg",
    "joint_positions",
    "make_landmarks",
    "project",
    "rot_x",
    "rot_y",
    "rot_z",
    "segment_frames",
]
