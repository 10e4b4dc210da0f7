#!/usr/bin/env python3
"""Render the sample clips and the accuracy stills, assemble the clips and measure MediaPipe on both.

Three steps, two virtual environments (``make samples`` runs the first two,
``make accuracy-renders`` renders the stills, ``make accuracy`` measures):

    .venv-render/bin/python tools/render_samples.py render    # Blender (bpy) -> build/renders/*.png
    .venv/bin/python        tools/render_samples.py assemble  # PNGs -> sample_videos/*.mp4 + *.truth.json
    .venv-render/bin/python tools/render_samples.py render --set accuracy  # -> build/stills/ (on demand)
    .venv/bin/python        tools/render_samples.py accuracy  # MediaPipe vs truth -> sample_videos/accuracy*.json
    .venv/bin/python        tools/render_samples.py truth     # only the clip truth, after a change to poses/*.toml
    .venv-render/bin/python tools/render_samples.py render --set wide [--part calibration] [--limit N]
    .venv/bin/python        tools/render_samples.py calibrate # limits from the wide set's calibration part
    .venv/bin/python        tools/render_samples.py still-videos [--only ID ...]  # rendered wide stills as
                                                      # still videos through coach analyze, against IMAGE mode
    .venv-render/bin/python tools/render_samples.py render --set extra [--only twist-knee-in]  # -> build/extra/
    .venv/bin/python        tools/render_samples.py extra [twist-knee-in]  # ways the wide set does not sample,
                                                      # read by MediaPipe (coachlab.rendered.extra_ways)

``render`` imports only ``coachlab.rendered`` / ``coachlab.synthetic`` (numpy) beside
bpy, so it runs in its own environment (``tools/render_requirements.txt``); a
render whose PNG and job description already exist is skipped, so an
interrupted run resumes. Cycles on the CPU, 8 samples + denoising, 480x360.
The accuracy stills (``coachlab.rendered.stills``: stretch x view x body x variant x
side, with small camera and light variations) are never committed; their truth
is computed afresh from today's stretch files whenever they are measured.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np

RENDER_DIR = ROOT / "build" / "renders"
OUT_DIR = ROOT / "sample_videos"
DOCS_IMAGES = ROOT / "docs" / "images"
STILLS_DIR = ROOT / "build" / "stills"


# ====================================================================== Blender side


class Stage:
    """One Blender scene reused for every render: body, chair, mat, floor, backdrop, lights, camera."""

    def __init__(self, threads: int = 2) -> None:
        import bpy

        self.bpy = bpy
        bpy.ops.wm.read_factory_settings(use_empty=True)
        scene = bpy.context.scene
        self.scene = scene
        scene.render.engine = "CYCLES"
        scene.cycles.device = "CPU"
        scene.cycles.use_denoising = True
        try:
            scene.cycles.denoiser = "OPENIMAGEDENOISE"
        except TypeError:  # pragma: no cover - older builds
            pass
        scene.cycles.use_adaptive_sampling = False
        scene.cycles.max_bounces = 4
        scene.cycles.diffuse_bounces = 2
        scene.cycles.glossy_bounces = 1
        scene.cycles.transmission_bounces = 0
        scene.cycles.transparent_max_bounces = 0
        scene.render.threads_mode = "FIXED"
        scene.render.threads = threads
        scene.render.image_settings.file_format = "PNG"
        scene.render.image_settings.color_mode = "RGB"
        scene.render.resolution_percentage = 100
        scene.render.film_transparent = False
        scene.view_settings.view_transform = "Standard"
        self.world = bpy.data.worlds.new("world")
        scene.world = self.world
        self.world.use_nodes = True
        self.materials: dict[str, object] = {}
        self.body_obj = None
        self.body_shape: str | None = None
        self.boxes: dict[str, object] = {}
        cam_data = bpy.data.cameras.new("camera")
        self.camera = bpy.data.objects.new("camera", cam_data)
        scene.collection.objects.link(self.camera)
        scene.camera = self.camera
        self._make_floor_and_backdrop()
        self._make_lights()

    # -------------------------------------------------------------- materials

    def material(self, name: str, rgb: tuple[float, float, float], roughness: float = 0.6):
        bpy = self.bpy
        mat = self.materials.get(name)
        if mat is None:
            mat = bpy.data.materials.new(name)
            mat.use_nodes = True
            self.materials[name] = mat
        bsdf = mat.node_tree.nodes.get("Principled BSDF")
        bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        bsdf.inputs["Roughness"].default_value = roughness
        return mat

    # -------------------------------------------------------------- geometry

    def _box_mesh(self, name: str):
        bpy = self.bpy
        verts = [(x, y, z) for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)]
        faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
        mesh = bpy.data.meshes.new(name)
        mesh.from_pydata(verts, [], faces)
        obj = bpy.data.objects.new(name, mesh)
        self.scene.collection.objects.link(obj)
        return obj

    def _make_floor_and_backdrop(self) -> None:
        bpy = self.bpy
        for name, size in (("floor", 30.0), ("backdrop", 30.0)):
            mesh = bpy.data.meshes.new(name)
            h = size / 2
            mesh.from_pydata([(-h, -h, 0), (h, -h, 0), (h, h, 0), (-h, h, 0)], [], [(0, 1, 2, 3)])
            obj = bpy.data.objects.new(name, mesh)
            self.scene.collection.objects.link(obj)
            obj.data.materials.append(self.material(name, (0.5, 0.5, 0.5), 0.8))
            setattr(self, name, obj)

    def _make_lights(self) -> None:
        bpy = self.bpy
        key = bpy.data.lights.new("key", "AREA")
        key.shape = "DISK"
        key.size = 1.6
        self.key = bpy.data.objects.new("key", key)
        self.scene.collection.objects.link(self.key)
        fill = bpy.data.lights.new("fill", "AREA")
        fill.size = 3.0
        self.fill = bpy.data.objects.new("fill", fill)
        self.scene.collection.objects.link(self.fill)

    def set_body(self, shape: str, colours: dict[str, tuple[float, float, float]]) -> None:
        from coachlab.rendered.rig import MATERIALS, load_body

        bpy = self.bpy
        body = load_body(shape)
        if self.body_shape != shape:
            if self.body_obj is not None:
                bpy.data.objects.remove(self.body_obj, do_unlink=True)
            ids, faces, face_mat = body.render_mesh()
            self.body_ids = ids
            mesh = bpy.data.meshes.new(f"body_{shape}")
            mesh.from_pydata(np.zeros((len(ids), 3)).tolist(), [], faces.tolist())
            for name in MATERIALS:
                mesh.materials.append(self.material(f"body_{name}", (0.5, 0.5, 0.5)))
            mesh.polygons.foreach_set("material_index", face_mat.astype(np.int32))
            try:
                mesh.shade_smooth()
            except AttributeError:  # pragma: no cover
                mesh.polygons.foreach_set("use_smooth", np.ones(len(faces), dtype=bool))
            obj = bpy.data.objects.new(f"body_{shape}", mesh)
            self.scene.collection.objects.link(obj)
            self.body_obj, self.body_shape, self.body = obj, shape, body
        rough = {"skin": 0.45, "shirt": 0.8, "trousers": 0.75, "socks": 0.9, "hair": 0.6, "eyes": 0.2}
        for name in MATERIALS:
            self.material(f"body_{name}", colours[name], rough[name])

    def pose_body(self, pose) -> None:
        from coachlab.rendered.scene import to_blender

        verts = to_blender(self.body.posed_vertices(pose, self.body_ids))
        mesh = self.body_obj.data
        mesh.vertices.foreach_set("co", verts.astype(np.float32).ravel())
        mesh.update()

    def set_boxes(self, boxes, colours: dict[str, tuple[float, float, float]]) -> None:
        from coachlab.rendered.scene import SYN_TO_BLENDER

        wanted = {b.name for b in boxes}
        for name, obj in self.boxes.items():
            obj.hide_render = name not in wanted
        for box in boxes:
            obj = self.boxes.get(box.name)
            if obj is None:
                obj = self._box_mesh(box.name)
                obj.data.materials.append(self.material(box.material, colours[box.material], 0.55))
                self.boxes[box.name] = obj
            obj.hide_render = False
            obj.location = tuple(SYN_TO_BLENDER @ np.asarray(box.centre))
            sx, sy, sz = box.size
            obj.scale = (sx, sz, sy)  # synthetic (x, y, z) sizes -> Blender (x, -z, y) axes
            self.material(box.material, colours[box.material], 0.55)

    def set_camera_and_light(self, camera, look: dict) -> None:
        from mathutils import Matrix

        from coachlab.rendered.scene import SYN_TO_BLENDER, blender_camera

        bcam = blender_camera(camera)
        self.camera.matrix_world = Matrix(bcam.matrix_world.tolist())
        self.camera.data.sensor_fit = "VERTICAL"
        self.camera.data.sensor_height = bcam.sensor_height_mm
        self.camera.data.lens = bcam.lens_mm
        self.camera.data.clip_start = 0.05
        self.camera.data.clip_end = 60.0
        self.scene.render.resolution_x, self.scene.render.resolution_y = bcam.resolution

        target = np.asarray(camera.target)
        pos = np.asarray(camera.position)
        back = target - pos
        back[1] = 0.0
        back /= np.linalg.norm(back)
        # backdrop: a wall 2.2 m behind the person, facing the camera
        wall_point = target + look["wall_distance_m"] * back
        wall_point[1] = 0.0
        yaw = math.atan2(back[0], back[2])
        self.backdrop.matrix_world = Matrix(_wall_matrix(SYN_TO_BLENDER, wall_point, yaw).tolist())
        self.material("backdrop", look["wall"], 0.9)
        self.material("floor", look["floor"], 0.85)

        def around(angle_deg: float, dist: float, height: float) -> np.ndarray:
            a = math.radians(angle_deg)
            toward_cam = -back
            rotated = np.array([
                toward_cam[0] * math.cos(a) + toward_cam[2] * math.sin(a),
                0.0,
                -toward_cam[0] * math.sin(a) + toward_cam[2] * math.cos(a),
            ])
            p = target + dist * rotated
            p[1] = height
            return p

        for obj, (angle, dist, height, energy) in ((self.key, look["key"]), (self.fill, look["fill"])):
            p = around(angle, dist, height)
            obj.location = tuple(SYN_TO_BLENDER @ p)
            direction = SYN_TO_BLENDER @ (target - p)
            obj.rotation_mode = "QUATERNION"
            from mathutils import Vector

            obj.rotation_quaternion = Vector(direction.tolist()).to_track_quat("-Z", "Y")
            obj.data.energy = energy
        bg = self.world.node_tree.nodes.get("Background")
        bg.inputs["Color"].default_value = (*look["sky"], 1.0)
        bg.inputs["Strength"].default_value = look["sky_strength"]

    def render(self, path: Path, samples: int) -> float:
        self.scene.cycles.samples = samples
        self.scene.render.filepath = str(path)
        start = time.perf_counter()
        self.bpy.ops.render.render(write_still=True)
        return time.perf_counter() - start


def _wall_matrix(b: np.ndarray, point: np.ndarray, yaw: float) -> np.ndarray:
    """4x4 world matrix of a plane (modelled in Blender's xy plane) standing upright at
    ``point`` (synthetic frame), its normal along the synthetic direction of ``yaw``."""
    # plane local: x -> horizontal across, y -> up (synthetic y), z(normal) -> toward the camera
    normal = -np.array([math.sin(yaw), 0.0, math.cos(yaw)])
    up = np.array([0.0, 1.0, 0.0])
    across = np.cross(up, normal)
    m = np.eye(4)
    m[:3, 0] = b @ across
    m[:3, 1] = b @ up
    m[:3, 2] = b @ normal
    m[:3, 3] = b @ point
    return m


def _render_todo(args: argparse.Namespace) -> tuple[list, Path]:
    """(job, png) pairs of the chosen set, and the folder its timings go to."""
    if args.set == "accuracy":
        from coachlab.rendered.stills import (
            STILLS_SUBDIR,
            plan_stills,
            plan_summary,
            still_job,
            still_png,
        )

        specs = [s for s in plan_stills() if not args.only or any(o in s.still_id for o in args.only)]
        summary = plan_summary(tuple(specs))
        print(f"accuracy set: {summary['stills']} stills planned ({summary['recommended']} from a recommended "
              f"view; {', '.join(f'{k} {v}' for k, v in summary['by_stretch'].items())})", flush=True)
        # recommended views first (they carry the targets), then one body at a time
        specs.sort(key=lambda s: (not s.recommended, s.shape))
        return [(still_job(s), still_png(ROOT, s)) for s in specs], ROOT / STILLS_SUBDIR
    if args.set == "wide":
        from coachlab.rendered.wide import (
            WIDE_SUBDIR,
            plan_summary,
            plan_wide,
            wide_png,
        )

        specs = [s for s in plan_wide() if (not args.only or any(o in s.still_id for o in args.only))
                 and (args.part in (None, "all") or s.part == args.part)]
        summary = plan_summary(plan_wide())
        print(f"wide set: {summary['stills']} stills planned ({summary['parts']}; {len(summary['bodies'])} bodies); "
              f"{len(specs)} chosen (part {args.part or 'all'})", flush=True)
        # the plan's order interleaves stretches, kinds and bodies: any prefix is balanced
        return [(_LazyWideJob(s), wide_png(ROOT, s)) for s in specs], ROOT / WIDE_SUBDIR
    if args.set == "extra":
        from coachlab.rendered.extra_ways import EXTRA_SUBDIR, EXTRA_WAYS, extra_png, plan_extra

        names = _extra_names(args.only)
        print(f"extra ways: {', '.join(f'{n} ({EXTRA_WAYS[n].count} stills)' for n in names)}", flush=True)
        return [(_LazyWideJob(s), extra_png(ROOT, n, s)) for n in names for s in plan_extra(n)], ROOT / EXTRA_SUBDIR
    from coachlab.rendered.clips import render_jobs

    jobs = render_jobs(only=args.only)
    return [(job, RENDER_DIR / job.clip_id / f"{job.index:04d}.png") for job in jobs], RENDER_DIR


class _LazyWideJob:
    """A wide-set still whose pose is solved only when it is needed (solving all 1,200
    up front would take minutes before the first render); writes its truth record."""

    def __init__(self, spec) -> None:
        self.wide_spec = spec
        self._job = None

    def job(self):
        if self._job is None:
            from coachlab.rendered.wide import wide_job

            self._job = wide_job(self.wide_spec)
        return self._job

    def spec(self) -> dict:
        return self.job().spec()

    def __getattr__(self, name: str):
        return getattr(self.job(), name)

    def write_truth(self, png: Path) -> None:
        from coachlab.rendered.wide import still_truth, truth_path

        truth_path(png).write_text(json.dumps(still_truth(self.wide_spec)) + "\n")


def _detected_already(spec, detected: dict) -> bool:
    """This wide still's landmarks are committed, taken from the picture the plan draws today."""
    if spec.still_id not in detected:
        return False
    from coachlab.rendered.wide import still_truth

    return detected[spec.still_id].shows(still_truth(spec))


def cmd_render(args: argparse.Namespace) -> int:
    jobs, out_dir = _render_todo(args)
    if args.limit:
        jobs = jobs[: args.limit]
    todo = []
    detected = {}  # still id -> the committed detection of that wide still (sample_videos/)
    if args.set == "wide" and not args.force:
        from coachlab.rendered.wide_landmarks import load

        detected = load()
    for job, png in jobs:
        meta = png.with_suffix(".json")
        if isinstance(job, _LazyWideJob):
            if _detected_already(job.wide_spec, detected):
                continue  # its landmarks are committed: the picture is not needed again
            # resumable without re-solving every pose: a rendered still with its truth is done
            if png.is_file() and meta.is_file() and not args.force:
                from coachlab.rendered.wide import drawn_for

                if drawn_for(png.with_suffix(".truth.json"), job.wide_spec):
                    continue
            todo.append((job, png, meta, None))
            continue
        spec = job.spec()
        if png.is_file() and meta.is_file() and json.loads(meta.read_text()) == spec and not args.force:
            continue
        todo.append((job, png, meta, spec))
    print(f"{len(jobs)} renders planned, {len(todo)} to do (about {len(todo) * 5.5 / 60:.0f} min at 5.5 s a render "
          "on 2 cores)", flush=True)
    if not todo:
        return 0
    stage = Stage(threads=args.threads)
    total = 0.0
    started = time.perf_counter()
    for n, (job, png, meta, spec) in enumerate(todo, 1):
        png.parent.mkdir(parents=True, exist_ok=True)
        if spec is None:
            spec = job.spec()
        stage.set_body(job.shape, job.look["colours"])
        stage.pose_body(job.pose)
        stage.set_boxes(job.boxes, job.look["colours"])
        stage.set_camera_and_light(job.camera, job.look)
        seconds = stage.render(png, job.samples)
        total += seconds
        meta.write_text(json.dumps(spec, indent=1) + "\n")
        if isinstance(job, _LazyWideJob):
            job.write_truth(png)
        print(f"[{n}/{len(todo)}] {job.clip_id} #{job.index}: {seconds:.1f} s (mean {total / n:.1f} s)", flush=True)
    wall = time.perf_counter() - started
    print(f"{len(todo)} renders in {wall / 60:.1f} min ({total / len(todo):.1f} s a render)", flush=True)
    timings = out_dir / "timings.jsonl"
    with timings.open("a") as handle:
        handle.write(json.dumps({"set": args.set, "renders": len(todo), "seconds": round(total, 1),
                                 "wall_seconds": round(wall, 1), "per_render_s": round(total / len(todo), 2),
                                 "only": args.only}) + "\n")
    return 0


# ====================================================================== main-venv side


def cmd_assemble(args: argparse.Namespace) -> int:
    from coachlab.rendered.assemble import assemble_all

    assemble_all(RENDER_DIR, OUT_DIR, DOCS_IMAGES, only=args.only)
    return 0


def cmd_truth(args: argparse.Namespace) -> int:
    if args.set in ("clips", "all"):
        from coachlab.rendered.assemble import write_all_truth

        write_all_truth(OUT_DIR, only=args.only)
    if args.set in ("accuracy", "all"):
        from coachlab.rendered.truth import stills_truth

        STILLS_DIR.mkdir(parents=True, exist_ok=True)
        truth = stills_truth()
        (STILLS_DIR / "truth.json").write_text(json.dumps(truth) + "\n")
        print(f"wrote the truth of {len(truth['stills'])} stills to {STILLS_DIR / 'truth.json'}")
    return 0


def cmd_accuracy(args: argparse.Namespace) -> int:
    if args.set in ("clips", "all"):
        from coachlab.rendered.accuracy import measure_all

        report = measure_all(OUT_DIR, only=args.only, work_dir=ROOT / "build" / "accuracy")
        out = OUT_DIR / "accuracy.json"
        if args.only and out.is_file():  # some clips measured again: the others' figures stay
            kept = json.loads(out.read_text())
            if kept.get("model") == report["model"]:
                report = {**report, "clips": {**kept["clips"], **report["clips"]}}
        out.write_text(json.dumps(report, indent=1) + "\n")
        print(json.dumps(report["clips"], indent=1)[:6000])
    if args.set in ("accuracy", "all"):
        if not any(STILLS_DIR.glob("*/*.png")):
            print("no accuracy stills in build/stills/: render them with `make accuracy-renders` (~30 min)")
            return 0
        from coachlab.rendered.accuracy import measure_stills, stills_table
        from coachlab.rendered.truth import stills_truth

        truth = stills_truth()
        (STILLS_DIR / "truth.json").write_text(json.dumps(truth) + "\n")
        report = measure_stills(ROOT, truth=truth, only=args.only)
        (STILLS_DIR / "accuracy_stills_full.json").write_text(json.dumps(report) + "\n")
        compact = {k: v for k, v in report.items() if k != "stills"}
        compact["date"] = time.strftime("%Y-%m-%d")
        compact["per_still"] = "build/stills/accuracy_stills_full.json (not committed)"
        (OUT_DIR / "accuracy_stills.json").write_text(json.dumps(compact, indent=1) + "\n")
        print(stills_table(report))
    if args.set in ("wide", "all"):
        _wide_accuracy(args)
    return 0


WIDE_DIR = ROOT / "build" / "wide"


def _wide_accuracy(args: argparse.Namespace) -> None:
    from coachlab.rendered.accuracy import wide_markdown, wide_records, wide_report
    from coachlab.rendered.wide import plan_summary

    planned = plan_summary()["parts"]["test"]
    date = time.strftime("%Y-%m-%d")
    reports, markdowns = {}, []
    both = wide_records(ROOT, "test")
    for after_h264 in (False, True):
        records = both.reading(after_h264)
        if not records:
            print("no wide-set stills in build/wide/ nor in sample_videos/wide_landmarks.npz: "
                  "render them with `make accuracy-renders-wide`")
            return
        WIDE_DIR.mkdir(parents=True, exist_ok=True)
        name = "accuracy_wide_test_h264_full.json" if after_h264 else "accuracy_wide_test_full.json"
        (WIDE_DIR / name).write_text(json.dumps(records) + "\n")
        report = wide_report(records)
        report.update(date=date, part="test", per_still=f"build/wide/{name} (not committed)")
        reports[after_h264] = report
        markdowns.append(wide_markdown(report, "test", date, planned, after_h264=after_h264))
        if len(records) < planned:  # the tables then speak for fewer stills than the README says
            short = Counter(r["stretch_id"] for r in records)
            print(f"WARNING: only {len(records)} of the {planned} planned test stills were judged"
                  f"{' after H.264' if after_h264 else ''} ({dict(short)}): the others are neither in "
                  "sample_videos/wide_landmarks.npz (for the pose this machine solves) nor rendered in build/wide/. "
                  "Render them with `make accuracy-renders-wide PART=test`.", file=sys.stderr)
    (OUT_DIR / "accuracy_wide.json").write_text(json.dumps({**reports[False], "after_h264": reports[True]},
                                                           indent=1) + "\n")
    markdown = "\n".join(markdowns)
    (OUT_DIR / "accuracy_wide.md").write_text(markdown)
    print(markdown)


def cmd_still_videos(args: argparse.Namespace) -> int:
    from coachlab.rendered.still_videos import still_video_markdown, still_video_records, still_video_report

    records = still_video_records(ROOT, args.only)
    if not records:
        print("no rendered wide-set stills in build/wide/: render some with `make accuracy-renders-wide` "
              "(or `tools/render_samples.py render --set wide --force --only ...`)")
        return 0
    out = OUT_DIR / "accuracy_still_videos.json"
    today = time.strftime("%Y-%m-%d")
    if args.only and out.is_file():
        # Only some stills were run again: the others keep their records, with the date they were run.
        before = json.loads(out.read_text())
        rerun = {r["still_id"] for r in records}
        kept = [{"date": before["date"], **r} for r in before["per_still"] if r["still_id"] not in rerun]
        records = kept + [{**r, "date": today} for r in records]
    report = still_video_report(records)
    report["date"] = today
    report["per_still"] = records
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(still_video_markdown(report, report["date"]))
    return 0


def _extra_names(names: list[str] | None) -> list[str]:
    """The extra ways asked for (all when none is named); a mistyped name stops the command
    with the known ones."""
    from coachlab.rendered.extra_ways import EXTRA_WAYS

    unknown = [n for n in names or () if n not in EXTRA_WAYS]
    if unknown:
        raise SystemExit(f"error: no extra way {', '.join(unknown)} (known: {', '.join(EXTRA_WAYS)})")
    return list(names or EXTRA_WAYS)


def cmd_extra(args: argparse.Namespace) -> int:
    """MediaPipe on the rendered stills of extra ways (build/extra/<name>/): a summary, and
    every reading in build/extra/<name>/readings.json."""
    from coachlab.rendered.extra_ways import EXTRA_SUBDIR, extra_summary, read_extra

    for name in _extra_names(args.names):
        rows = read_extra(ROOT, name)
        if not rows:
            print(f"{name}: nothing rendered yet (.venv-render/bin/python tools/render_samples.py render "
                  f"--set extra --only {name})")
            continue
        (ROOT / EXTRA_SUBDIR / name / "readings.json").write_text(json.dumps(rows, indent=1) + "\n")
        print(extra_summary(name, rows), flush=True)
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from coachlab.rendered.accuracy import calibrate, calibration_text, wide_records

    # Limits must hold on the picture and after H.264 (what a video or a camera stream gives):
    # both readings of every still count.
    both = wide_records(ROOT, "calibration")
    records, compressed = both.picture, both.after_h264
    if not records:
        print("no calibration stills in build/wide/ nor in sample_videos/wide_landmarks.npz: "
              "render them with `make accuracy-renders-wide`")
        return 0
    WIDE_DIR.mkdir(parents=True, exist_ok=True)
    result = calibrate(records + compressed)
    (WIDE_DIR / "calibration.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"{len(records)} calibration stills measured on the picture, {len(compressed)} after H.264")
    print(calibration_text(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="render the frames with Blender (run in .venv-render)")
    r.add_argument("--part", choices=("calibration", "test", "all"), default=None,
                   help="--set wide: render only this part (default: all)")
    r.add_argument("--set", choices=("clips", "accuracy", "wide", "extra"), default="clips",
                   help="clips: the sample clips and doc pictures (build/renders/); accuracy: the still "
                        "accuracy set (build/stills/, rendered on demand, not committed); wide: the 1,200-still wide set with pose "
                        "variety (build/wide/, on demand); extra: ways of doing a stretch "
                        "the wide set does not sample (build/extra/, --only names them)")
    r.add_argument("--only", nargs="*", help="clip ids, or for --set accuracy parts of still ids (default: all)")
    r.add_argument("--limit", type=int, default=0)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--force", action="store_true")
    r.set_defaults(func=cmd_render)
    a = sub.add_parser("assemble", help="write the MP4s, ground truth and doc images (run in .venv)")
    a.add_argument("--only", nargs="*")
    a.set_defaults(func=cmd_assemble)
    t = sub.add_parser("truth", help="rewrite only the ground truth (after a change to poses/*.toml; run in .venv)")
    t.add_argument("--only", nargs="*")
    t.add_argument("--set", choices=("clips", "accuracy", "all"), default="clips",
                   help="clips: sample_videos/*.truth.json (default); accuracy: build/stills/truth.json")
    t.set_defaults(func=cmd_truth)
    m = sub.add_parser("accuracy", help="MediaPipe on the committed clips and the rendered stills vs ground truth "
                                        "(run in .venv)")
    m.add_argument("--only", nargs="*")
    m.add_argument("--set", choices=("clips", "accuracy", "wide", "all"), default="all",
                   help="clips: the committed clips -> sample_videos/accuracy.json; accuracy: the stills in "
                        "build/stills/ -> sample_videos/accuracy_stills.json; all (default): both")
    m.set_defaults(func=cmd_accuracy)
    c = sub.add_parser("calibrate", help="on the wide set's calibration part: each gate check's values on correct vs "
                                         "wrong stills and the limit that best separates them (run in .venv)")
    c.set_defaults(func=cmd_calibrate)
    v = sub.add_parser("still-videos", help="rendered wide stills (build/wide) as 4 s still videos through "
                                            "`coach analyze`, against IMAGE mode -> sample_videos/"
                                            "accuracy_still_videos.json (run in .venv)")
    v.add_argument("--only", nargs="*", help="parts of still ids (default: every rendered still)")
    v.set_defaults(func=cmd_still_videos)
    e = sub.add_parser("extra", help="MediaPipe on the rendered extra ways (build/extra/), judged by today's "
                                     "stretch files (run in .venv)")
    e.add_argument("names", nargs="*", metavar="NAME", help="extra ways (default: every one rendered)")
    e.set_defaults(func=cmd_extra)
    args = parser.parse_args(argv)
    from coachlab.rendered.wide_landmarks import DamagedLandmarksFile

    try:
        return args.func(args)
    except DamagedLandmarksFile as exc:  # the file and what to do, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
