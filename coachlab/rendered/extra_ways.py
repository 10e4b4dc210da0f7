"""Ways of doing a stretch that the wide set does not sample, rendered on their own.

The wide set's plan (:mod:`coachlab.rendered.wide`) fixes its kinds: a kind added to it
would move the body and camera draws of other stills and so change the set the README
reports. A way people do a stretch that the plan leaves out (a twist turned the wrong
way, looking back over the shoulder or with its crossed foot further forward or back, a
figure-4 leaning forward or with its hands off the crossed ankle, a dog with its heels high
or one knee bent; `EXTRA_WAYS` has them all) is a kind
of ``variety.EXTRA_KINDS`` instead, sampled like the wide set's stills (every body in turn,
the same cameras, lights, looks and chairs), rendered into ``build/extra/<name>/``
(``tools/render_samples.py render --set extra --only <name>``, in ``.venv-render``) and
read by MediaPipe on the picture and after H.264 (``tools/render_samples.py extra
<name>``, in ``.venv``). The pictures are not committed; the README quotes the summaries.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coachlab.rendered.wide import WideSpec, body_types, drawn_for, plan_still, truth_path

EXTRA_SUBDIR = Path("build") / "extra"


@dataclass(frozen=True)
class ExtraWay:
    """One extra way of doing a stretch and how many stills of it to render."""

    name: str  #: its name on the command line and folder
    stretch_id: str
    kind: str  #: its kind in ``variety.EXTRA_KINDS``
    count: int
    #: The body of the first still (then every body in turn): the first renders' choice,
    #: kept so that the README's figures can be rendered again.
    body_offset: int
    question: str  #: what rendering it answers


EXTRA_WAYS: dict[str, ExtraWay] = {w.name: w for w in (
    ExtraWay("twist-wrong-way", "seated_piriformis_twist", "turned the wrong way", 64, 0,
             "A twist turned 15-45 degrees towards the supporting leg: can the camera tell the direction?"),
    ExtraWay("twist-knee-in", "seated_piriformis_twist", "supporting knee in", 40, 3,
             "A twist with the supporting knee brought in 5-12 degrees: does feet_toward_other_side "
             "turn it away?"),
    ExtraWay("twist-shin-upright", "seated_piriformis_twist", "supporting shin upright", 40, 4,
             "A twist with the supporting foot right under its knee (the wide set leans that shin 28 "
             "degrees forward): is it accepted as often?"),
    ExtraWay("twist-looking-back", "seated_piriformis_twist", "looking over the shoulder", 40, 5,
             "A twist with the head turned a further 25-50 degrees to look over the shoulder: does the head's "
             "turn change what the trunk's checks read?"),
    ExtraWay("twist-foot-forward", "seated_piriformis_twist", "crossed foot forward", 40, 6,
             "A twist with the crossed foot set down 8-22 cm further forward than the supporting knee, beside "
             "the supporting shin (the wide set's: -6 to 3 cm): is it accepted as often?"),
    ExtraWay("twist-foot-back", "seated_piriformis_twist", "crossed foot back", 40, 7,
             "A twist with the crossed foot set down 8-18 cm behind the supporting knee, towards the chair: is it "
             "accepted as often?"),
    ExtraWay("figure-four-leaning", "seated_figure_four", "leaning forward", 48, 5,
             "A figure-4 leaning forward from the hips 20-40 degrees (a way to deepen it): is it "
             "accepted as often as an upright one?"),
    ExtraWay("figure-four-foot-back", "seated_figure_four", "supporting foot tucked back", 48, 1,
             "A figure-4 with the supporting foot tucked back under the chair (its shin leaning 15-35 "
             "degrees back): is that foot still seen on the floor?"),
    ExtraWay("figure-four-foot-forward", "seated_figure_four", "supporting foot forward", 48, 2,
             "A figure-4 with the supporting foot out in front (its shin leaning 15-35 degrees forward): "
             "is it still accepted?"),
    ExtraWay("figure-four-hands-on-seat", "seated_figure_four", "hands on the seat", 48, 3,
             "A figure-4 with both hands on the seat beside the hips (the wide set's hands hold the crossed "
             "ankle and knee): is the crossed leg read as well without them?"),
    ExtraWay("figure-four-one-hand", "seated_figure_four", "one hand on the knee", 48, 4,
             "A figure-4 with the crossed knee pressed by its own hand and the other hand on the seat (the "
             "wide set's other hand holds the crossed ankle): is the crossed leg read as well?"),
    ExtraWay("figure-four-one-hand-shin", "seated_figure_four", "ankle on the shin, one hand on the knee", 48, 5,
             "The ankle resting on the other shin (wrong), with one hand on the crossed knee and the other on "
             "the seat: is it still turned away?"),
    ExtraWay("figure-four-one-hand-mid-thigh", "seated_figure_four",
             "ankle on the middle of the thigh, one hand on the knee", 48, 6,
             "The ankle halfway up the other thigh (wrong), with one hand on the crossed knee and the other on "
             "the seat: is it accepted more often than with a hand holding the ankle?"),
    ExtraWay("dog-heels-high", "downward_dog", "heels high", 48, 6,
             "A downward dog with the heels 10-18 cm off the floor and the knees 140-165 degrees (tight calves): "
             "is its shape still accepted?"),
    ExtraWay("dog-one-knee-bent", "downward_dog", "one knee bent", 48, 1,
             "A downward dog with one knee bent to 115-140 degrees and its heel up (walking the dog), the "
             "other leg as before: is it still accepted, whichever leg is nearer the camera?"),
    ExtraWay("dog-looking-forward", "downward_dog", "looking forward", 48, 7,
             "A downward dog with the head lifted to look forward (the neck extended 25-45 degrees): is it "
             "still accepted?"),
)}


def extra_way(name: str) -> ExtraWay:
    try:
        return EXTRA_WAYS[name]
    except KeyError:
        raise KeyError(f"no extra way {name!r} (known: {', '.join(EXTRA_WAYS)})") from None


def plan_extra(name: str) -> tuple[WideSpec, ...]:
    """The stills of one extra way, in render order."""
    way = extra_way(name)
    return tuple(plan_still(way.stretch_id, way.kind, index, way.count, way.body_offset, body_types())
                 for index in range(way.count))


def extra_png(root: Path, name: str, spec: WideSpec) -> Path:
    return root / EXTRA_SUBDIR / name / f"{spec.still_id}.png"


def rendered(root: Path, name: str) -> list[tuple[WideSpec, Path]]:
    """The stills of an extra way rendered for today's plan (a picture whose truth record
    is for another still, or has none, is left out)."""
    out = []
    for spec in plan_extra(name):
        png = extra_png(root, name, spec)
        if png.is_file() and drawn_for(truth_path(png), spec):
            out.append((spec, png))
    return out



def read_extra(root: Path, name: str, library=None) -> list[dict[str, Any]]:
    """Each rendered still judged by today's stretch file on its exact joints and on
    MediaPipe's reading of the picture and of the picture after H.264: one record per still
    and reading."""
    from coach.person_size import person_height_px
    from coach.stretches import load_library
    from coachlab.rendered.accuracy import (
        ImageLandmarker,
        _exact_checks,
        _judged,
        _read_rgb,
        after_h264_round_trip,
    )

    library = library or load_library()
    way = extra_way(name)
    stretch = library.stretches[way.stretch_id]
    gates = {c.id for c in stretch.checks if c.role == "gate"}
    rows = []
    with ImageLandmarker() as landmarker:
        for spec, png in rendered(root, name):
            truth = json.loads(truth_path(png).read_text())
            exact = _exact_checks(truth, stretch)
            rgb = _read_rgb(png)
            for reading, image in (("picture", rgb), ("after H.264", after_h264_round_trip(rgb))):
                landmarks = landmarker.detect(image)
                judged = _judged(landmarks, stretch, spec.side)
                failing = [cid for cid, c in judged["checks"].items()
                           if cid in gates and c["status"] not in ("ok", "unjudged")]  # unjudged: no start seen
                rows.append({"still_id": spec.still_id, "part": spec.part, "body": spec.body, "side": spec.side,
                             "reading": reading, "params": truth["params"], "exact_accepted": exact["exact_correct"],
                             "exact_checks": exact["exact_checks"],
                             "height_px": None if landmarks is None else round(person_height_px(landmarks)),
                             **judged, "failing_gates": failing if judged["person"] else ["nobody found"]})
    return rows


def extra_summary(name: str, rows: list[dict[str, Any]]) -> str:
    """A few lines per reading: accepted (and on exact joints), the gates that failed, the
    other side's hold, and the spread of every check's value."""
    way = extra_way(name)
    lines = [f"{name}: {way.question}", f"  {len({r['still_id'] for r in rows})} of {way.count} stills rendered "
             f"({way.stretch_id} / {way.kind})"]
    for reading in ("picture", "after H.264"):
        part = [r for r in rows if r["reading"] == reading]
        if not part:
            continue
        failing = Counter(g for r in part for g in r["failing_gates"])
        line = (f"  {reading}: accepted {sum(r['accepted'] for r in part)} of {len(part)} (exact joints "
                f"{sum(r['exact_accepted'] for r in part)}); gates failing: "
                + (", ".join(f"{g} {n}" for g, n in failing.most_common()) or "none"))
        if part[0]["side"]:
            line += (f"; the other side's hold counted {sum(bool(r['other_side_accepted']) for r in part)}, "
                     f"the other side named {sum(bool(r['other_side_named']) for r in part)}")
        lines.append(line)
        lines.append("    values read (min / median / max): " + "; ".join(
            f"{cid} {_spread([r['checks'][cid]['value'] for r in part if cid in r['checks']])}"
            for cid in dict.fromkeys(cid for r in part for cid in r["checks"])))
    return "\n".join(lines)


def _spread(values: list[float | None]) -> str:
    known = sorted(v for v in values if v is not None)
    if not known:
        return "not seen"
    return f"{known[0]:.3g} / {known[len(known) // 2]:.3g} / {known[-1]:.3g}"


__all__ = ["EXTRA_SUBDIR", "EXTRA_WAYS", "ExtraWay", "extra_png", "extra_summary", "extra_way", "plan_extra",
           "read_extra", "rendered"]
