"""The scene around the rendered body, and the camera handed to Blender (numpy only).

Everything is described in the synthetic body's scene frame (metres, y up, floor
y = 0, a person at yaw 0 faces +z, their LEFT is +x) and converted to Blender's
frame (z up) only at the end, with :data:`SYN_TO_BLENDER`: (x, y, z) -> (x, -z, y),
a proper rotation (no mirror), so left stays left. A person facing +z faces
Blender's -y, toward Blender's "front" view.

The camera is the synthetic :class:`~coachlab.synthetic.body.Camera` itself, so the
rendered picture and the ground-truth landmarks (``project``) share one pinhole;
:func:`blender_project` re-implements Blender's camera projection so a test can
check the conversion without Blender.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coachlab.synthetic.body import BodyProportions, Camera

#: Synthetic scene frame -> Blender world frame.
SYN_TO_BLENDER = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
#: Sensor height handed to Blender (the vertical field of view fixes the lens).
SENSOR_HEIGHT_MM = 24.0


def to_blender(points: np.ndarray) -> np.ndarray:
    """(N, 3) synthetic scene points in Blender world coordinates."""
    return np.asarray(points, dtype=np.float64) @ SYN_TO_BLENDER.T


@dataclass(frozen=True)
class BlenderCamera:
    matrix_world: np.ndarray  #: (4, 4) camera-to-world; the camera looks along its local -z
    lens_mm: float
    sensor_height_mm: float
    resolution: tuple[int, int]

    def as_dict(self) -> dict[str, object]:
        return {
            "matrix_world": self.matrix_world.tolist(),
            "lens_mm": self.lens_mm,
            "sensor_height_mm": self.sensor_height_mm,
            "resolution": list(self.resolution),
        }


def blender_camera(camera: Camera) -> BlenderCamera:
    """The Blender camera (vertical sensor fit) that sees what ``camera`` sees."""
    right, down, forward = camera.rotation()
    axes = np.stack([SYN_TO_BLENDER @ right, SYN_TO_BLENDER @ (-down), SYN_TO_BLENDER @ (-forward)], axis=1)
    matrix = np.eye(4)
    matrix[:3, :3] = axes
    matrix[:3, 3] = SYN_TO_BLENDER @ np.asarray(camera.position)
    lens = (SENSOR_HEIGHT_MM / 2) / math.tan(math.radians(camera.vertical_fov_deg) / 2)
    return BlenderCamera(matrix, lens, SENSOR_HEIGHT_MM, tuple(camera.image_size))  # type: ignore[arg-type]


def blender_project(points_blender: np.ndarray, cam: BlenderCamera) -> np.ndarray:
    """Pixel (u, v) (v down, origin top-left) of Blender world points, the way Blender's
    perspective camera with vertical sensor fit and square pixels projects them."""
    inv = np.linalg.inv(cam.matrix_world)
    local = np.asarray(points_blender) @ inv[:3, :3].T + inv[:3, 3]
    w, h = cam.resolution
    f_px = cam.lens_mm / cam.sensor_height_mm * h
    depth = -local[:, 2]
    u = w / 2 + f_px * local[:, 0] / depth
    v = h / 2 - f_px * local[:, 1] / depth
    return np.stack([u, v], axis=1)


# ---------------------------------------------------------------------- props


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in the synthetic frame: centre and full size (metres)."""

    name: str
    centre: tuple[float, float, float]
    size: tuple[float, float, float]
    material: str


def chair_boxes(p: BodyProportions, seat_height: float, seat_front_z: float = 0.12) -> list[Box]:
    """A simple four-legged wooden chair with a backrest, person centred at x = 0.

    The seat's front edge is at ``seat_front_z`` (under the thighs), its top at
    ``seat_height``; the backrest rises behind the pelvis.
    """
    width, depth, thick = 0.46, 0.44, 0.035
    back_z = seat_front_z - depth
    top = seat_height
    boxes = [Box("seat", (0.0, top - thick / 2, seat_front_z - depth / 2), (width, thick, depth), "wood")]
    leg = 0.035
    for i, x in enumerate((-width / 2 + leg / 2, width / 2 - leg / 2)):
        for j_, z in enumerate((seat_front_z - leg / 2, back_z + leg / 2)):
            boxes.append(Box(f"leg{i}{j_}", (x, (top - thick) / 2, z), (leg, top - thick, leg), "wood"))
    back_h = 0.42
    for i, x in enumerate((-width / 2 + leg / 2, width / 2 - leg / 2)):
        boxes.append(Box(f"post{i}", (x, top + back_h / 2, back_z + leg / 2), (leg, back_h, leg), "wood"))
    boxes.append(Box("backrest", (0.0, top + back_h - 0.08, back_z + leg / 2), (width, 0.14, 0.025), "wood"))
    return boxes


def mat_box(centre_x: float, centre_z: float, length_z: float = 1.8, width_x: float = 0.62) -> Box:
    """A yoga mat lying on the floor (5 mm thick)."""
    return Box("mat", (centre_x, 0.0025, centre_z), (width_x, 0.005, length_z), "mat")


__all__ = ["BlenderCamera", "Box", "SENSOR_HEIGHT_MM", "SYN_TO_BLENDER", "blender_camera", "blender_project",
           "chair_boxes", "mat_box", "to_blender"]
