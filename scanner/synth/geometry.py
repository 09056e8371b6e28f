"""Where the page lands in the picture: page corners, homographies, poses and quarter turns.

Every matrix maps flat-page pixels to output pixels. The box mapping here (``apply_matrix``,
``map_box``) is a deliberate copy of the reader's own (``scanner.deskew``): the generator's ground
truth stays independent of the code under test, so a bug there cannot hide in both.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import cv2
import numpy as np


def page_corners(width: float, height: float) -> np.ndarray:
    """Flat page corners, clockwise from top-left."""
    return np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)


def apply_matrix(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Project Nx2 points through a 3x3 homography."""
    pts = np.hstack([points, np.ones((len(points), 1))]) @ matrix.T
    return np.asarray(pts[:, :2] / pts[:, 2:3], dtype=np.float64)


def map_box(box: Sequence[float], matrix: Sequence[Sequence[float]]) -> list[int]:
    """Axis-aligned box around a flat-image box after the homography."""
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    pts = apply_matrix(corners, np.asarray(matrix, dtype=np.float64))
    return [round(pts[:, 0].min()), round(pts[:, 1].min()), round(pts[:, 0].max()), round(pts[:, 1].max())]


def _rotated_quad(
    w: float, h: float, scale: float, angle_deg: float, center: tuple[float, float]
) -> np.ndarray:
    """Page corners scaled, rotated about the page centre and moved to ``center``."""
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    local = (page_corners(1, 1) - 0.5) * [w * scale, h * scale]
    return np.asarray(local @ rot.T + np.array(center), dtype=np.float64)


def _warp_page(page: np.ndarray, quad: np.ndarray, canvas: np.ndarray) -> np.ndarray:
    """Draw ``page`` into ``canvas`` at ``quad``; return the flat->canvas homography.

    The page is first shrunk with area averaging to roughly its final size:
    warping a 2500 px page straight down to 1000 px would alias the text.
    """
    h, w = page.shape[:2]
    full = cv2.getPerspectiveTransform(page_corners(w, h).astype(np.float32), quad.astype(np.float32))
    edges = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
    scale = min(1.0, max(edges[0], edges[2]) / w, max(edges[1], edges[3]) / h)
    src = page
    pre = np.eye(3)
    if scale < 0.9:
        sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
        src = cv2.resize(page, (sw, sh), interpolation=cv2.INTER_AREA)
        pre = np.diag([sw / w, sh / h, 1.0])
    m = full @ np.linalg.inv(pre)
    cv2.warpPerspective(
        src,
        m,
        (canvas.shape[1], canvas.shape[0]),
        dst=canvas,
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    return full


def _jitter_quad(quad: np.ndarray, rng: random.Random, amount: float) -> np.ndarray:
    """Move each corner independently (perspective), up to ``amount`` px."""
    offsets = [[rng.uniform(-amount, amount), rng.uniform(-amount, amount)] for _ in range(4)]
    return np.asarray(quad + np.array(offsets), dtype=np.float64)


def _fit_inside(quad: np.ndarray, size: tuple[int, int], margin: float) -> np.ndarray:
    """Shrink ``quad`` about the canvas centre until it lies ``margin`` px inside."""
    cw, ch = size
    center = np.array([cw / 2, ch / 2])
    lo, hi = np.array([margin, margin]), np.array([cw - margin, ch - margin])
    for _ in range(30):
        if (quad >= lo).all() and (quad <= hi).all():
            return quad
        quad = center + (quad - center) * 0.96
    return quad


def _canvas(long_side: int, aspect: float, landscape: bool) -> tuple[int, int]:
    """(width, height) of a photo frame with the given long side and aspect."""
    short = round(long_side / aspect)
    return (long_side, short) if landscape else (short, long_side)


def _tilted_quad(w: float, h: float, rng: random.Random) -> tuple[np.ndarray, dict[str, float]]:
    """Page corners as a pinhole camera sees them with the page plane turned away in 3D.

    Yaw and pitch of up to ~35 degrees at a short camera distance give the strong keystone of a
    photo taken from the side of a wall certificate; roll is the camera's own rotation. The quad
    comes out in units of the page's long side, centred on the origin.
    """
    yaw, pitch = math.radians(rng.uniform(-35, 35)), math.radians(rng.uniform(-30, 30))
    roll = math.radians(rng.uniform(-12, 12))
    distance = rng.uniform(1.2, 2.2)  # camera distance in page long sides: nearer = stronger keystone
    cy, sy = math.cos(yaw), math.sin(yaw)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cr, sr = math.cos(roll), math.sin(roll)
    rot_y = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rot_x = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rot_z = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    side = max(w, h)
    flat = np.hstack([(page_corners(w, h) - [w / 2, h / 2]) / side, np.zeros((4, 1))])
    cam = flat @ (rot_z @ rot_x @ rot_y).T + [0.0, 0.0, distance]
    quad = cam[:, :2] / cam[:, 2:3] * distance
    params = {
        "yaw": round(math.degrees(yaw), 1),
        "pitch": round(math.degrees(pitch), 1),
        "roll": round(math.degrees(roll), 1),
        "camera_distance": round(distance, 2),
    }
    return np.asarray(quad - quad.mean(axis=0), dtype=np.float64), params


def _edge_scale(quad: np.ndarray, w: int, h: int) -> float:
    """The smallest ratio of a photographed page edge to the same edge on the flat page."""
    edges = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
    return float(min(edges[0] / w, edges[1] / h, edges[2] / w, edges[3] / h))


def _quarter_turn(pixels: np.ndarray, matrix: np.ndarray, turns: int) -> tuple[np.ndarray, np.ndarray]:
    """Turn a photo ``turns`` quarter turns clockwise (a phone held sideways, EXIF lost).

    Returns the turned pixels and the page-to-output homography composed with the turn.
    """
    h, w = pixels.shape[:2]
    turns %= 4
    if turns == 0:
        return pixels, matrix
    turn = {
        1: np.array([[0.0, -1.0, h], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
        2: np.array([[-1.0, 0.0, w], [0.0, -1.0, h], [0.0, 0.0, 1.0]]),
        3: np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, w], [0.0, 0.0, 1.0]]),
    }[turns]
    code = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}[turns]
    return np.ascontiguousarray(cv2.rotate(pixels, code)), turn @ matrix
