"""Readers for the CC0 MakeHuman body files in ``assets/makehuman/`` (numpy only).

Written for this project from the file formats (plain OBJ and JSON, plus numpy's
npz); no MakeHuman or MPFB code is used. The files are:

* ``base.obj``: the "hm08" base mesh in decimetres, y up, facing +z, the person's
  LEFT on +x. Faces are quads, grouped: ``body`` is the skin; ``helper-*`` groups
  (tights, skirt, hair, eyes, teeth, ...) are fitting helpers, and ``joint-*``
  groups are small cubes whose centres the skeleton is built from.
* ``default.mhskel`` (JSON): 163 bones, each with a ``parent`` and ``head``/``tail``
  joint names; ``joints`` maps a joint name to the vertex indices whose mean is the
  joint's position (so the skeleton follows any change of body shape).
* ``default_weights.mhw`` (JSON): ``weights[bone] = [[vertex, weight], ...]``.
* ``targets.npz`` and ``body_targets.npz``: morph targets as ``<name>.index``
  (uint16 vertex indices) and ``<name>.vector`` (int16 offsets in 1/1000 decimetre);
  the second holds the macro targets (gender, age, muscle, weight, height,
  proportions) the body types of :mod:`coachlab.rendered.rig` use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

#: Folder with the body files (committed with their provenance and CC0 licence).
ASSET_DIR = Path(__file__).resolve().parents[2] / "assets" / "makehuman"
#: The mesh is modelled in decimetres.
MESH_UNIT_M = 0.1
#: Morph target offsets are stored as int16 in 1/1000 of a mesh unit.
TARGET_SCALE = 1e-3
#: Files of morph targets, read in this order (a later file may not repeat a name).
TARGET_FILES = ("targets.npz", "body_targets.npz")


@dataclass(frozen=True)
class ObjMesh:
    """Vertices (N, 3) in mesh units, quad faces (F, 4) and each face's group name."""

    vertices: np.ndarray
    faces: np.ndarray
    face_groups: tuple[str, ...]

    def group_faces(self, *groups: str) -> np.ndarray:
        """Faces (K, 4) belonging to any of ``groups``."""
        wanted = set(groups)
        mask = np.array([g in wanted for g in self.face_groups], dtype=bool)
        return self.faces[mask]

    def group_vertices(self, *groups: str) -> np.ndarray:
        """Sorted indices of the vertices used by faces of ``groups``."""
        return np.unique(self.group_faces(*groups).ravel())


@dataclass(frozen=True)
class Bone:
    name: str
    parent: str | None
    head: str  #: joint name
    tail: str  #: joint name


@dataclass(frozen=True)
class Skeleton:
    bones: dict[str, Bone]
    joints: dict[str, np.ndarray]  #: joint name -> vertex indices

    def joint_position(self, vertices: np.ndarray, joint: str) -> np.ndarray:
        return vertices[self.joints[joint]].mean(axis=0)

    def head(self, vertices: np.ndarray, bone: str) -> np.ndarray:
        return self.joint_position(vertices, self.bones[bone].head)

    def tail(self, vertices: np.ndarray, bone: str) -> np.ndarray:
        return self.joint_position(vertices, self.bones[bone].tail)

    def ancestors(self, bone: str) -> list[str]:
        """``bone`` and its parents up to the root, nearest first."""
        chain = []
        name: str | None = bone
        while name is not None:
            chain.append(name)
            name = self.bones[name].parent
        return chain


def read_obj(path: Path) -> ObjMesh:
    """Vertices, faces (0-based vertex indices) and face groups of an OBJ file."""
    vertices: list[list[float]] = []
    faces: list[list[int]] = []
    groups: list[str] = []
    group = ""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("v "):
                vertices.append([float(x) for x in line.split()[1:4]])
            elif line.startswith("f "):
                idx = [int(token.split("/")[0]) - 1 for token in line.split()[1:]]
                if len(idx) == 3:
                    idx.append(idx[2])  # a triangle as a degenerate quad
                elif len(idx) != 4:
                    raise ValueError(f"{path}: only triangles and quads are supported")
                faces.append(idx)
                groups.append(group)
            elif line.startswith("g "):
                group = line.split(maxsplit=1)[1].strip()
    return ObjMesh(np.asarray(vertices, dtype=np.float64), np.asarray(faces, dtype=np.int64), tuple(groups))


def read_skeleton(path: Path) -> Skeleton:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    bones = {
        name: Bone(name, spec.get("parent"), spec["head"], spec["tail"]) for name, spec in data["bones"].items()
    }
    joints = {name: np.asarray(idx, dtype=np.int64) for name, idx in data["joints"].items()}
    return Skeleton(bones, joints)


def read_weights(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """bone -> (vertex indices, weights)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = {}
    for bone, pairs in data["weights"].items():
        arr = np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
        out[bone] = (arr[:, 0].astype(np.int64), arr[:, 1])
    return out


def read_targets(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """target name (e.g. "caucasian-female-young") -> (vertex indices, offsets in mesh units)."""
    out = {}
    with np.load(path) as data:
        for key in data.files:
            if not key.endswith(".index"):
                continue
            stem = key[: -len(".index")]
            name = stem.rsplit("/", 1)[-1]
            index = data[key].astype(np.int64)
            vector = data[f"{stem}.vector"].astype(np.float64) * TARGET_SCALE
            out[name] = (index, vector)
    return out


@dataclass(frozen=True)
class BodyAssets:
    mesh: ObjMesh
    skeleton: Skeleton
    weights: dict[str, tuple[np.ndarray, np.ndarray]]
    targets: dict[str, tuple[np.ndarray, np.ndarray]]
    directory: Path


@lru_cache(maxsize=2)
def load_assets(directory: str | None = None) -> BodyAssets:
    """Read all body files once (cached)."""
    folder = Path(directory) if directory else ASSET_DIR
    missing = [n for n in ("base.obj", "default.mhskel", "default_weights.mhw", *TARGET_FILES)
               if not (folder / n).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder}: missing body files {', '.join(missing)}")
    targets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in TARGET_FILES:
        more = read_targets(folder / name)
        repeated = sorted(set(more) & set(targets))
        if repeated:
            raise ValueError(f"{folder / name}: morph targets {', '.join(repeated)} are already in another file")
        targets.update(more)
    return BodyAssets(
        read_obj(folder / "base.obj"),
        read_skeleton(folder / "default.mhskel"),
        read_weights(folder / "default_weights.mhw"),
        targets,
        folder,
    )


__all__ = [
    "ASSET_DIR",
    "MESH_UNIT_M",
    "TARGET_FILES",
    "BodyAssets",
    "Bone",
    "ObjMesh",
    "Skeleton",
    "load_assets",
    "read_obj",
    "read_skeleton",
    "read_targets",
    "read_weights",
]
