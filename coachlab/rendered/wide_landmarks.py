"""MediaPipe's landmarks of every rendered wide-set still, kept in the repository.

Why: the 1,200 stills take about two hours of Blender on two cores and are not committed
(about 180 MB), so without this file every change to a stretch file would need them
rendered again before its limits could be re-chosen and re-reported. What the checks
read is only MediaPipe's output on each picture, so that is what is kept
(``sample_videos/wide_landmarks.npz``, about 1 MB): per still, the landmarks, and what
the picture shows (a hash of the plan's spec, and the solved pose and camera, compared
with a tolerance), so a still that has changed since (a new pose, camera or body) is
detected again rather than trusted. Truth is not stored: it follows from the wide plan
(``coachlab.rendered.wide.still_truth``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.landmarks import NUM_LANDMARKS, Landmarks
from coachlab.rendered.clips import ANGLE_TOLERANCE_DEG, LENGTH_TOLERANCE_M, pose_numbers, same_numbers

SCHEMA = "stretch-coach/wide-landmarks/2"
LANDMARKS_FILE = Path(__file__).resolve().parents[2] / "sample_videos" / "wide_landmarks.npz"


#: The fields of a still's truth record that name what its picture shows, compared exactly:
#: the plan's spec (body, look, light, camera placement, seed).
SPEC_FIELDS = ("still_id", "seed", "stretch_id", "kind", "index", "count", "body", "side", "view",
               "camera_height_m", "camera_distance_m", "yaw_deg", "key_angle_deg", "key_energy_w", "look")


@dataclass(frozen=True)
class Picture:
    """What a still shows, as far as MediaPipe's reading of it goes: the spec (hashed, exact)
    and the solved pose and camera (angles in degrees, lengths in metres), compared within
    the pose solvers' machine-to-machine noise (``clips.same_pose``)."""

    spec_hash: str
    angles: tuple[float, ...]
    lengths: tuple[float, ...]

    @classmethod
    def of(cls, truth: dict) -> Picture:
        """From a still's truth record (``wide.still_truth``)."""
        missing = [k for k in (*SPEC_FIELDS, "pose", "camera") if k not in truth]
        if missing:
            raise KeyError(f"truth record of {truth.get('still_id')!r} lacks {missing}")
        text = json.dumps({k: truth[k] for k in SPEC_FIELDS}, sort_keys=True, separators=(",", ":"))
        angles, pelvis = pose_numbers(truth["pose"])
        camera = truth["camera"]
        lengths = (*pelvis, *camera["position"], *camera["target"])
        return cls(hashlib.sha256(text.encode()).hexdigest()[:16], (*angles, float(camera["vertical_fov_deg"])),
                   tuple(float(v) for v in lengths))

    def same_as(self, other: Picture) -> bool:
        return (self.spec_hash == other.spec_hash
                and same_numbers(self.angles, other.angles, ANGLE_TOLERANCE_DEG)
                and same_numbers(self.lengths, other.lengths, LENGTH_TOLERANCE_M))


@dataclass(frozen=True)
class Detection:
    """What MediaPipe found on one still (``landmarks`` None: no person found)."""

    picture: Picture
    landmarks: Landmarks | None

    def shows(self, truth: dict) -> bool:
        """Taken from the picture this truth record draws (not from an older plan's)."""
        return self.picture.same_as(Picture.of(truth))


def load(path: Path = LANDMARKS_FILE) -> dict[str, Detection]:
    """still id -> detection; {} when the file is not there."""
    if not path.is_file():
        return {}
    with np.load(path, allow_pickle=False) as npz:
        # each npz[key] reads and decompresses the whole array again: read every array once
        data = {key: npz[key] for key in npz.files}
        if str(data["schema"]) != SCHEMA:
            raise ValueError(f"{path}: schema {data['schema']!s}, expected {SCHEMA}")
        out = {}
        for i, still_id in enumerate(data["still_id"]):
            lm = None
            if data["present"][i]:
                lm = Landmarks(image=data["image"][i].astype(float), world=data["world"][i].astype(float),
                               visibility=data["visibility"][i].astype(float),
                               presence=data["presence"][i].astype(float), timestamp_s=0.0,
                               image_size=tuple(int(v) for v in data["image_size"][i]))
            picture = Picture(str(data["spec_hash"][i]), tuple(float(v) for v in data["angles"][i]),
                              tuple(float(v) for v in data["lengths"][i]))
            out[str(still_id)] = Detection(picture, lm)
        return out


def save(detections: dict[str, Detection], path: Path = LANDMARKS_FILE) -> None:
    """Write all detections (sorted by still id), atomically."""
    ids = sorted(detections)
    n = len(ids)
    image = np.full((n, NUM_LANDMARKS, 3), np.nan, np.float32)
    world = np.full((n, NUM_LANDMARKS, 3), np.nan, np.float32)
    visibility = np.zeros((n, NUM_LANDMARKS), np.float32)
    presence = np.zeros((n, NUM_LANDMARKS), np.float32)
    size = np.zeros((n, 2), np.int32)
    present = np.zeros(n, bool)
    for i, still_id in enumerate(ids):
        lm = detections[still_id].landmarks
        if lm is None:
            continue
        present[i] = True
        image[i], world[i], visibility[i], presence[i] = lm.image, lm.world, lm.visibility, lm.presence
        size[i] = lm.image_size
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(fd)
    try:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, schema=np.array(SCHEMA), still_id=np.array(ids),
                                spec_hash=np.array([detections[i].picture.spec_hash for i in ids]),
                                angles=np.array([detections[i].picture.angles for i in ids], np.float64),
                                lengths=np.array([detections[i].picture.lengths for i in ids], np.float64),
                                present=present,
                                image=image, world=world, visibility=visibility, presence=presence, image_size=size)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
