"""The accuracy still set (numpy only; CI never renders): its plan, its variations,
where the bodies are put, its ground truth and the report's arithmetic.

The stills themselves are rendered on demand (`make accuracy-renders`) and measured
by `make accuracy`; these tests pin what they are meant to show.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import synthetic_cases

from coach.landmarks import PoseLandmark as L
from coachlab.rendered import stills as st
from coachlab.rendered.accuracy import stills_summary, summarise_stills
from coachlab.rendered.rig import SEGMENTS, load_body
from coachlab.rendered.truth import still_truth
from coach.stretches import load_library
from coachlab.synthetic import variants as vt
from coachlab.synthetic.body import VIEW_AZIMUTH_DEG, joint_positions

LIBRARY = load_library()


@pytest.fixture(scope="module")
def plan() -> tuple[st.StillSpec, ...]:
    return st.plan_stills()


# --------------------------------------------------------------------------- the table


def test_the_tests_and_the_renders_share_one_table() -> None:
    assert synthetic_cases.MISTAKES is vt.MISTAKES and synthetic_cases.CORRECT is vt.CORRECT
    for stretch_id in vt.CORRECT:
        names = [v.name for v in vt.variants(stretch_id)]
        mistakes = [m for m in vt.MISTAKES if m.stretch_id == stretch_id]
        assert names[0] == "correct"
        # every mistake that is a pose is a variant; the "wrong view" ones are not (views are enumerated)
        assert names[1:] == [m.name for m in mistakes if m.view is None]
        assert any(m.view for m in mistakes)
        for v, m in zip(vt.variants(stretch_id)[1:], [m for m in mistakes if m.view is None]):
            assert (v.build, v.fails, v.also) == (m.build, m.fails, m.also)


def test_recommended_views_follow_the_stretch_files() -> None:
    for stretch_id, views in vt.RECOMMENDED_VIEWS.items():
        view = LIBRARY.stretches[stretch_id].view
        assert views == {"front": ("front",), "side": ("side_left", "side_right")}[view], stretch_id
        assert vt.RECOMMENDED_VIEW[stretch_id] in views


# --------------------------------------------------------------------------- the plan


def test_the_plan_covers_every_stretch_view_body_variant_and_side(plan) -> None:
    assert set(st.VIEWS) <= set(VIEW_AZIMUTH_DEG) and len(st.VIEWS) == 5
    assert set(st.SHAPES) == {"female", "male"}
    assert len({s.still_id for s in plan}) == len(plan)
    counts = Counter((s.stretch_id, s.view, s.shape, s.variant, s.side) for s in plan)
    for stretch_id in st.STRETCHES:
        two_sided = LIBRARY.stretches[stretch_id].has_sides
        sides = ("right", "left") if two_sided else (None,)
        for view, shape, variant in itertools.product(st.VIEWS, st.SHAPES, vt.variants(stretch_id)):
            recommended = view in vt.RECOMMENDED_VIEWS[stretch_id]
            per_side = {side: counts[(stretch_id, view, shape, variant.name, side)] for side in sides}
            key = (stretch_id, view, shape, variant.name)
            if recommended:  # every side, three variations each
                assert set(per_side.values()) == {3}, key
            else:  # one variation of one side
                assert sorted(per_side.values()) == ([0, 1] if two_sided else [1]), key
        if two_sided:
            # from every view, each variant is seen on both sides and each body on both sides
            for view in st.VIEWS:
                for variant in vt.variants(stretch_id):
                    assert {s.side for s in plan if (s.stretch_id, s.view, s.variant) == (stretch_id, view, variant.name)} \
                        == {"right", "left"}, (view, variant.name)
                for shape in st.SHAPES:
                    assert {s.side for s in plan if (s.stretch_id, s.view, s.shape) == (stretch_id, view, shape)} \
                        == {"right", "left"}, (view, shape)
    assert set(k[:4] for k in counts) == {(sid, view, shape, v.name) for sid in st.STRETCHES for view in st.VIEWS
                                          for shape in st.SHAPES for v in vt.variants(sid)}
    # twist 5 and figure-4 7 variants x 2 bodies x (2 sides x 3 + 4 views x 1);
    # downward dog 6 variants x 2 bodies x (2 side views x 3 + 3 views x 1)
    assert len(plan) == (5 + 7) * 2 * (2 * 3 + 4) + 6 * 2 * (2 * 3 + 3) == 348
    view_mistakes = {m.name for m in vt.MISTAKES if m.view}
    assert not any(s.variant in view_mistakes for s in plan)
    assert sum(s.recommended for s in plan) == (5 + 7) * 2 * 2 * 3 + 6 * 2 * 2 * 3


def test_variations_are_deterministic_small_and_varied(plan) -> None:
    st.plan_stills.cache_clear()
    assert st.plan_stills() == plan
    assert st.make_variations("x", 3, "downward_dog") == st.make_variations("x", 3, "downward_dog")
    assert st.make_variations("x", 3, "downward_dog") != st.make_variations("y", 3, "downward_dog")
    for s in plan:
        v = s.variation
        assert abs(v.yaw_offset_deg) <= st.YAW_JITTER_DEG
        assert abs(v.camera_height_m - vt.CAMERA_HEIGHT[s.stretch_id]) <= st.HEIGHT_JITTER_M + 1e-9
        assert st.KEY_ANGLE_RANGE_DEG[0] <= abs(v.key_angle_deg) <= st.KEY_ANGLE_RANGE_DEG[1]
        assert v.look in st.LOOKS
    # the three variations of one combination differ in look and spread over the yaw range
    groups: dict[str, list[st.Variation]] = {}
    for s in plan:
        groups.setdefault(s.still_id.rsplit("-", 1)[0], []).append(s.variation)
    triples = [g for g in groups.values() if len(g) == 3]
    assert triples and all(len({v.look for v in g}) == 3 for g in triples)
    assert all(g[0].yaw_offset_deg < g[1].yaw_offset_deg < g[2].yaw_offset_deg for g in triples)
    heights = [s.variation.camera_height_m for s in plan]
    assert np.ptp(heights) > 0.5  # seated (0.9 m) and floor (0.5 m) lenses, each varied
    assert Counter(s.variation.look for s in plan).most_common()[-1][1] > len(plan) / 10


def test_the_render_job_is_stable_json(plan) -> None:
    spec = next(s for s in plan if s.stretch_id == "downward_dog")
    job = st.still_job(spec)
    assert job.spec() == json.loads(json.dumps(job.spec()))
    assert job.spec() == st.still_job(spec).spec()
    assert job.camera.image_size == (480, 360) and job.samples == 8
    assert st.still_png(Path("/r"), spec).as_posix().startswith("/r/build/stills/downward_dog/")


# --------------------------------------------------------------------------- placement


def _combos(plan):
    return sorted({(s.stretch_id, s.variant, s.shape, s.side) for s in plan}, key=str)


def test_nothing_floats_or_sinks(plan) -> None:
    """Chair poses sit on the (padded) seat and never go through the floor; standing
    poses stand on it; every downward dog has hands and feet on the floor, on the mat."""
    bodies = {shape: load_body(shape) for shape in st.SHAPES}
    for stretch_id, variant, shape, side in _combos(plan):
        spec = next(s for s in plan if (s.stretch_id, s.variant, s.shape, s.side) == (stretch_id, variant, shape, side))
        ids, verts = st.posed_mesh(spec)
        pen = st.penetration(spec, verts)
        label = f"{stretch_id} {variant} {shape} {side}"
        assert pen["floor"] < 0.002, label
        assert all(depth <= 0.02 for name, depth in pen.items() if name != "floor"), (label, pen)
        body = bodies[shape]
        pose = st.spec_pose(spec)
        dominant = np.argmax(body.weights[ids], axis=1)

        def lowest(suffix: str, verts=verts, dominant=dominant) -> float:
            wanted = [SEGMENTS.index(x) for x in SEGMENTS if x.endswith(suffix)]
            return float(verts[np.isin(dominant, wanted), 1].min())

        if stretch_id == "downward_dog":
            assert lowest("_hand") == pytest.approx(0.0, abs=0.003), label
            assert lowest("_foot") == pytest.approx(0.0, abs=0.003), label
            (mat,) = st.spec_boxes(spec)
            joints = joint_positions(pose, body.proportions)
            z = joints[[L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_HEEL, L.RIGHT_FOOT_INDEX], 2]
            assert np.all(np.abs(z - mat.centre[2]) < mat.size[2] / 2), label
        elif variant == "standing up from the chair":
            assert lowest("_foot") == pytest.approx(0.0, abs=0.003), label
            assert max(depth for name, depth in pen.items() if name != "floor") == 0.0, f"{label}: touches the chair"
        else:
            assert pen["seat"] > 0.005, f"{label}: not sitting on the seat"
            if variant != "supporting foot off the floor":
                assert lowest("_foot") == pytest.approx(0.0, abs=0.01), label


def test_the_left_side_is_the_mirror_image(plan) -> None:
    for stretch_id in ("seated_piriformis_twist", "seated_figure_four"):
        for variant in vt.variants(stretch_id):
            right = st.placed_pose(stretch_id, variant.name, "male", "right")
            left = st.placed_pose(stretch_id, variant.name, "male", "left")
            assert left == right.mirrored(), variant.name
    spec = next(s for s in plan if s.side == "left" and s.view == "three_quarter_right")
    assert spec.camera_view == "three_quarter_left"
    cam = st.spec_camera(spec)
    # the camera really stands on the person's left (+x)
    assert cam.position[0] > cam.target[0] + 0.5


# --------------------------------------------------------------------------- the truth


def test_truth_from_the_recommended_view_correct_passes_and_each_mistake_fails_its_check(plan) -> None:
    for spec in (s for s in plan if s.recommended):
        truth = still_truth(spec, LIBRARY)
        label = f"{spec.still_id}: {truth['checks']}"
        if spec.variant == "correct":
            assert truth["correct"] and truth["cue"] is None, label
        else:
            # A gate mistake is not correct; a depth one (how far) is, with the depth target unmet.
            role = next(c.role for c in LIBRARY.stretches[spec.stretch_id].checks if c.id == spec.fails)
            assert truth["correct"] is (role == "depth"), label
            assert truth["checks"][spec.fails]["status"] != "ok", label
            if role == "depth":
                assert not truth["depth_met"], label
        assert len(truth["px"]) == 33 and set(truth["checks"]) == {c.id for c in LIBRARY.stretches[spec.stretch_id].checks}


def test_from_the_side_the_chair_stretches_are_not_correct(plan) -> None:
    for spec in (s for s in plan if s.stretch_id != "downward_dog" and s.view.startswith("side")
                 and s.variant == "correct"):
        truth = still_truth(spec, LIBRARY)
        assert not truth["correct"] and truth["checks"]["facing_camera"]["status"] == "too_low", spec.still_id


# --------------------------------------------------------------------------- the report


def _record(stretch_id="downward_dog", view="side_left", variant="correct", recommended=True, true_ok=True,
            measured_ok=True, value=10.0, measured_value=12.0, px=5.0):
    truth = {"stretch_id": stretch_id, "view": view, "body_shape": "female", "variant": variant,
             "recommended": recommended, "correct": true_ok,
             "checks": {"a": {"status": "ok" if true_ok else "too_low", "value": value}}}
    measured = {"person": True, "correct": measured_ok, "landmark_px": px,
                "checks": {"a": {"status": "ok" if measured_ok else "too_low", "value": measured_value}}}
    return truth, measured


def test_the_report_counts_agreement_and_the_worst_error() -> None:
    records = [
        _record(),  # agree
        _record(measured_value=7.0, px=7.0),  # agree
        _record(variant="knees bent", true_ok=False, measured_ok=True, measured_value=20.0),  # wrong judged correct
        _record(variant="knees bent", true_ok=False, measured_ok=False),  # agree
        _record(view="front", recommended=False, true_ok=False, measured_ok=False),
    ]
    groups = summarise_stills(records, ("stretch_id", "view"))
    side = groups["downward_dog | side_left"]
    assert side["n"] == 4 and side["landmark_px"] == pytest.approx(5.5)
    assert side["overall"] == {"n": 4, "agree": 0.75}
    assert side["truly_correct"]["agree"] == 1.0 and side["truly_wrong"]["agree"] == 0.5
    assert side["wrong_judged_correct"] == 1
    assert side["checks"]["a"]["median_abs_error"] == pytest.approx(2.5)  # |2|, |-3|, |10|, |2| -> 2.5
    assert side["checks"]["a"]["agree"] == 0.75
    summary = stills_summary(records)["downward_dog"]
    assert summary["n"] == 4 and summary["agreement"] == 0.75 and not summary["meets_target"]
    assert summary["wrong_variants"] == {"n": 2, "agree": 0.5} and summary["wrong_judged_correct"] == 1
    assert stills_summary(records[:2])["downward_dog"]["meets_target"]
