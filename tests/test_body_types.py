"""The body types of the rendered MakeHuman body: distinct, as described, and measured
from their own morphed mesh (so poses built from their proportions stand on the floor
and the skeleton the truth uses is the mesh's). No Blender needed."""

from __future__ import annotations

import numpy as np
import pytest

from coach.landmarks import PoseLandmark as L
from coachlab.rendered.assets import MESH_UNIT_M, load_assets
from coachlab.rendered.rig import (
    BODY_TYPE_TABLE,
    BODY_TYPES,
    SEGMENTS,
    SHAPES,
    BodyType,
    load_body,
)
from coachlab.synthetic import seed_poses as sp
from coachlab.synthetic.body import joint_positions


def _waist_breadth(name: str) -> float:
    """Left-right breadth (m) of the trunk skin a third of the way from hips to shoulders."""
    body = load_body(name)
    ids = body.render_mesh()[0]
    seg = np.argmax(body.weights[ids], axis=1)
    trunk = ids[np.isin(seg, [SEGMENTS.index("pelvis"), SEGMENTS.index("trunk")])]
    v = body.vertices[trunk]
    y = body.joints["mid_hip"][1] + 0.3 * body.proportions.torso_m
    return float(np.ptp(v[np.abs(v[:, 1] - y) < 0.02, 0]))


def _leg_fraction(name: str) -> float:
    p = load_body(name).proportions
    return p.standing_hip_height_m / p.height_m


def test_at_least_six_named_body_types_including_the_original_two() -> None:
    assert len(BODY_TYPES) >= 6
    assert {"female", "male"} <= set(BODY_TYPES)
    assert BODY_TYPES == tuple(BODY_TYPE_TABLE)


def test_original_shapes_are_unchanged() -> None:
    assets = load_assets()
    for name, targets in SHAPES.items():
        expected = assets.mesh.vertices.copy()
        for target, weight in targets.items():
            ids, offsets = assets.targets[target]
            expected[ids] += weight * offsets
        np.testing.assert_allclose(load_body(name).vertices, expected * MESH_UNIT_M, atol=1e-12)


def test_every_body_type_has_its_own_mesh() -> None:
    heights = {name: round(load_body(name).proportions.height_m, 3) for name in BODY_TYPES}
    assert len(set(heights.values())) == len(BODY_TYPES), heights
    for a in BODY_TYPES:
        for b in BODY_TYPES:
            if a < b:
                diff = np.abs(load_body(a).vertices - load_body(b).vertices).max()
                assert diff > 0.01, (a, b)


def test_body_types_look_as_described() -> None:
    h = {name: load_body(name).proportions.height_m for name in BODY_TYPES}
    waist = {name: _waist_breadth(name) for name in BODY_TYPES}
    assert h["tall_thin_woman"] > h["female"] + 0.12 and waist["tall_thin_woman"] < waist["female"] - 0.02
    assert h["short_heavy_older_woman"] < h["female"] - 0.07
    assert waist["short_heavy_older_woman"] > waist["female"] + 0.03
    assert h["muscular_man"] > h["male"] + 0.05
    assert load_body("muscular_man").proportions.shoulder_width_m > load_body("male").proportions.shoulder_width_m
    assert waist["heavy_older_man"] > waist["male"] + 0.04
    assert h["small_young_man"] < h["male"] - 0.15 and waist["small_young_man"] < waist["male"]
    assert _leg_fraction("long_legged_woman") > _leg_fraction("female") + 0.01
    assert all(1.4 < height < 1.95 for height in h.values()), h


@pytest.mark.parametrize("name", BODY_TYPES)
def test_proportions_are_measured_on_the_morphed_mesh(name: str) -> None:
    body = load_body(name)
    p = body.proportions
    ids = body.render_mesh()[0]
    rest = body.vertices[ids]
    assert p.height_m == pytest.approx(float(np.ptp(rest[:, 1])), abs=1e-9)
    assert p.hip_width_m == pytest.approx(float(np.linalg.norm(body.joints["left_hip"] - body.joints["right_hip"])))
    # Standing straight at the proportions' hip height puts the mesh's soles on the floor...
    pose = sp.standing(p)
    posed = body.posed_vertices(pose, ids)
    assert float(posed[:, 1].min()) == pytest.approx(0.0, abs=0.01)
    # ...its crown at the body's height, and its hip joints where the truth skeleton has them.
    assert float(posed[:, 1].max()) == pytest.approx(p.height_m, abs=0.03)
    truth = joint_positions(pose, p)
    mesh_joints = body.posed_joints(pose)
    for side, lm in (("left", L.LEFT_HIP), ("right", L.RIGHT_HIP)):
        np.testing.assert_allclose(mesh_joints[f"{side}_hip"], truth[lm], atol=0.01)
    for side, lm in (("left", L.LEFT_KNEE), ("right", L.RIGHT_KNEE)):
        np.testing.assert_allclose(mesh_joints[f"{side}_knee"], truth[lm], atol=0.01)


def test_unknown_body_type_and_bad_sliders_are_named() -> None:
    with pytest.raises(ValueError, match="unknown body shape 'giant'"):
        load_body("giant")
    with pytest.raises(ValueError, match="weight = 1.5 is outside 0..1"):
        BodyType("too heavy", gender=0.0, weight=1.5)
    with pytest.raises(ValueError, match="age 5 is outside"):
        BodyType("a child", gender=0.0, age_years=5)
