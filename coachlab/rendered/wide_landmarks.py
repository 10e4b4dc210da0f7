"""MediaPipe's landmarks of every rendered wide-set still, kept in the repository.

Why: the 1,200 stills take about two hours of Blender on two cores and are not committed
(about 180 MB), so without this file every change to a stretch file would need them
rendered again before its limits could be re-chosen and re-reported. What the checks
read is only MediaPipe's output on each picture, so that is what is kept
(``sample_videos/wide_landmarks.npz``, about 2 MB): per still, the landmarks found on the
picture and on the picture after H.264 (the first frame of a still video, what ``coach
analyze`` reads: compression changes how MediaPipe reads a crossed leg), and what
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
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.landmarks import NUM_LANDMARKS, Landmarks
from coachlab.rendered.clips import pose_numbers, same_numbers

SCHEMA = "stretch-coach/wide-landmarks/3"
#: How far a still's solved pose and camera may differ from the committed ones and still be the
#: same picture. The pose solver's result moves with the machine (its numerics libraries): on
#: the 2026-12-07 machine 47 of the 1,200 stills came out up to 0.17° and 0.7 mm from the
#: committed solve, beyond the clips' 0.01° (`clips.ANGLE_TOLERANCE_DEG`), so `make accuracy`
#: judged 23 fewer test stills there and a CI run failed. A change to the plan or the solver
#: that matters moves joints by degrees; MediaPipe cannot tell half a degree.
ANGLE_TOLERANCE_DEG = 0.5
LENGTH_TOLERANCE_M = 0.005
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
    """What MediaPipe found on one still (``landmarks`` None: no person found) and on the
    still after H.264 (``after_h264``; ``h264_looked`` False: not looked at yet), and the
    SHA-256 of the rendered PNG both were read from (``png_sha256``, "" when not known): a
    still rendered again is read again, since a new render of the same scene differs in
    the last bits of its pixels and MediaPipe's reading of a crossed leg can follow them."""

    picture: Picture
    landmarks: Landmarks | None
    after_h264: Landmarks | None = None
    h264_looked: bool = False
    png_sha256: str = ""

    def shows(self, truth: dict) -> bool:
        """Taken from the picture this truth record draws (not from an older plan's)."""
        return self.picture.same_as(Picture.of(truth))


_READING_FIELDS = ("image", "world", "visibility", "presence", "present")
#: What to do about a damaged landmarks file (the committed one is in git; deleting it loses
#: every reading whose still is not rendered in build/wide).
_RECOVER = ("restore the committed file (git checkout sample_videos/wide_landmarks.npz), or delete it and "
            "run `make accuracy` with the stills rendered in build/wide (make accuracy-renders-wide)")
#: Every array a landmarks file of this schema holds.
_ARRAYS = ("still_id", "spec_hash", "angles", "lengths", "image_size", "png_sha256", "h264_looked",
           *(prefix + field for prefix in ("", "h264_") for field in _READING_FIELDS))


class DamagedLandmarksFile(ValueError):
    """The landmarks file cannot be read as a whole: the tools stop with this message, no traceback."""


def _landmarks(data: dict[str, np.ndarray], prefix: str, i: int) -> Landmarks | None:
    if not data[f"{prefix}present"][i]:
        return None
    return Landmarks(image=data[f"{prefix}image"][i].astype(float), world=data[f"{prefix}world"][i].astype(float),
                     visibility=data[f"{prefix}visibility"][i].astype(float),
                     presence=data[f"{prefix}presence"][i].astype(float), timestamp_s=0.0,
                     image_size=tuple(int(v) for v in data["image_size"][i]))


def load(path: Path = LANDMARKS_FILE) -> dict[str, Detection]:
    """still id -> detection; {} when the file is not there."""
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as npz:
            # each npz[key] reads and decompresses the whole array again: read every array once
            data = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DamagedLandmarksFile(f"{path}: not a readable landmarks file ({type(exc).__name__}); {_RECOVER}") from exc
    if str(data.get("schema")) != SCHEMA:
        raise DamagedLandmarksFile(f"{path}: schema {data.get('schema')!s}, expected {SCHEMA}; {_RECOVER}")
    missing = [key for key in _ARRAYS if key not in data]
    if missing:
        raise DamagedLandmarksFile(f"{path}: lacks the arrays {missing}; {_RECOVER}")
    out = {}
    for i, still_id in enumerate(data["still_id"]):
        picture = Picture(str(data["spec_hash"][i]), tuple(float(v) for v in data["angles"][i]),
                          tuple(float(v) for v in data["lengths"][i]))
        # a still not looked at after H.264 has h264_present False, so its reading is None
        out[str(still_id)] = Detection(picture, _landmarks(data, "", i), _landmarks(data, "h264_", i),
                                       bool(data["h264_looked"][i]), str(data["png_sha256"][i]))
    return out


def _arrays(readings: list[Landmarks | None], prefix: str) -> dict[str, np.ndarray]:
    n = len(readings)
    arrays = {f"{prefix}image": np.full((n, NUM_LANDMARKS, 3), np.nan, np.float32),
              f"{prefix}world": np.full((n, NUM_LANDMARKS, 3), np.nan, np.float32),
              f"{prefix}visibility": np.zeros((n, NUM_LANDMARKS), np.float32),
              f"{prefix}presence": np.zeros((n, NUM_LANDMARKS), np.float32),
              f"{prefix}present": np.zeros(n, bool)}
    for i, lm in enumerate(readings):
        if lm is not None:
            arrays[f"{prefix}present"][i] = True
            for field in ("image", "world", "visibility", "presence"):
                arrays[f"{prefix}{field}"][i] = getattr(lm, field)
    return arrays


def save(detections: dict[str, Detection], path: Path = LANDMARKS_FILE) -> None:
    """Write all detections (sorted by still id), atomically."""
    ids = sorted(detections)
    rows = [detections[i] for i in ids]
    sizes = [d.landmarks.image_size if d.landmarks is not None
             else d.after_h264.image_size if d.after_h264 is not None else (0, 0) for d in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(fd)
    try:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, schema=np.array(SCHEMA), still_id=np.array(ids),
                                spec_hash=np.array([d.picture.spec_hash for d in rows]),
                                angles=np.array([d.picture.angles for d in rows], np.float64),
                                lengths=np.array([d.picture.lengths for d in rows], np.float64),
                                image_size=np.array(sizes, np.int32).reshape(-1, 2),
                                png_sha256=np.array([d.png_sha256 for d in rows]),
                                h264_looked=np.array([d.h264_looked for d in rows], bool),
                                **_arrays([d.landmarks for d in rows], ""),
                                **_arrays([d.after_h264 for d in rows], "h264_"))
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
