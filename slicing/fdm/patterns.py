"""Sparse infill patterns: rectilinear, grid, triangles, gyroid and honeycomb, at any density.

Every pattern is laid on a grid fixed to the bed, not to the island, so a layer's lines stand on the same
lines of the layers below (or on the matching phase of the gyroid). Line spacing follows from the density:
a pattern of line width w covers `density` of the area when it holds area * density / w of line.
Patterns are returned as polylines ((n, 2) arrays in mm); straight patterns as 2-point polylines.
"""

from __future__ import annotations

import math

import numpy as np
import pyclipper

from slicing.fdm.polygons import UNITS_PER_MM, Paths
from slicing.fdm.raster import hatch

PATTERNS = ("rectilinear", "grid", "triangles", "gyroid", "honeycomb")

# Length of gyroid line per unit area, in the pattern's own units (period 2π), averaged over a period in z:
# measured once numerically (a 40π square, 64 heights); it sets the scale that gives the asked density.
_GYROID_LENGTH_PER_AREA = 0.3918
# The gyroid is drawn as chords this fraction of its period long: smooth at any scale, few points.
_GYROID_STEPS_PER_PERIOD = 24


def pattern_lines(
    pattern: str,
    area: Paths,
    *,
    density: float,
    line_width: float,
    angle_deg: float,
    layer_index: int,
    z: float,
) -> list[np.ndarray] | np.ndarray:
    """Polylines (mm) of `pattern` filling `area` at `density` (0..1] with lines line_width mm wide.

    angle_deg turns the straight patterns; rectilinear turns another 90° on every other layer. z (mm) is
    the layer's height, which the gyroid's phase follows.
    """
    if not area or density <= 0.0:
        return []
    spacing = line_width / min(density, 1.0)  # distance between lines of one direction, rectilinear
    min_length = line_width
    if pattern == "rectilinear" or density >= 0.999:
        angle = angle_deg + 90.0 * (layer_index % 2)
        return _as_polylines(hatch(area, spacing=spacing, angle_deg=angle, min_length=min_length, align_to_area=False))
    if pattern == "grid":
        directions = (angle_deg, angle_deg + 90.0)
    elif pattern == "triangles":
        directions = (angle_deg, angle_deg + 60.0, angle_deg + 120.0)
    elif pattern == "gyroid":
        return _clip_open(_gyroid(area, spacing, z), area, min_length)
    elif pattern == "honeycomb":
        return _clip_open(_honeycomb(area, line_width / min(density, 1.0)), area, min_length)
    else:
        raise ValueError(f"unknown infill pattern {pattern!r}")
    # n directions share the line: each is n times sparser.
    lines = [
        hatch(area, spacing=spacing * len(directions), angle_deg=a, min_length=min_length, align_to_area=False)
        for a in directions
    ]
    return _as_polylines(np.concatenate(lines))


def _as_polylines(segments: np.ndarray) -> np.ndarray:
    """Straight lines stay one (m, 2, 2) array: ordering and planning read them faster so."""
    return segments


def _bounds(area: Paths) -> tuple[np.ndarray, np.ndarray]:
    points = np.concatenate(area) / UNITS_PER_MM
    return points.min(axis=0), points.max(axis=0)


def _gyroid(area: Paths, spacing: float, z: float) -> list[np.ndarray]:
    """The gyroid sin x cos y + sin y cos z + sin z cos x = 0 sectioned at height z, as polylines.

    Where |cos z| >= |sin z| the section is two families of curves y(x) = φ(x) ± acos(-c/R) + 2πk (with
    a = sin x, b = cos z, c = sin z cos x, R = √(a² + b²), φ = atan2(b, a)), defined for every x; elsewhere
    the same holds with x and y swapped. The scale makes the line length per area match the density.
    """
    scale = 1.0 / (spacing * _GYROID_LENGTH_PER_AREA)  # pattern units per mm
    low, high = _bounds(area)
    low, high = low * scale - 2.0 * math.pi, high * scale + 2.0 * math.pi
    w = z * scale
    swap = abs(math.sin(w)) > abs(math.cos(w))
    if swap:  # solve for x along y: the roles of the axes and of sin z / cos z exchange
        low, high = low[::-1], high[::-1]
    steps = max(int((high[0] - low[0]) / (2.0 * math.pi) * _GYROID_STEPS_PER_PERIOD), 2)
    u = np.linspace(low[0], high[0], steps + 1)
    if swap:
        a, b, c = np.cos(u), math.sin(w), np.sin(u) * math.cos(w)
    else:
        a, b, c = np.sin(u), math.cos(w), math.sin(w) * np.cos(u)
    radius = np.hypot(a, b)
    phase = np.arctan2(b, a)
    half = np.arccos(np.clip(-c / np.maximum(radius, 1e-12), -1.0, 1.0))
    first_k = math.floor((low[1] - 4.0 * math.pi) / (2.0 * math.pi))
    last_k = math.ceil((high[1] + 4.0 * math.pi) / (2.0 * math.pi))
    polylines = []
    for k in range(first_k, last_k + 1):
        for sign in (1.0, -1.0):
            v = phase + sign * half + 2.0 * math.pi * k
            points = np.stack([v, u], axis=1) if swap else np.stack([u, v], axis=1)
            polylines.append(points / scale)
    return polylines


def _honeycomb(area: Paths, spacing: float) -> list[np.ndarray]:
    """Regular hexagons (pointy side up) of side a with a line per area of 2 / (√3 a) = 1 / spacing.

    Each hexagon draws the three of its six sides it owns (right, upper right, upper left) as one
    polyline; its neighbours draw the other three, so no side is printed twice.
    """
    side = 2.0 * spacing / math.sqrt(3.0)
    half_width = math.sqrt(3.0) / 2.0 * side
    low, high = _bounds(area)
    columns = np.arange(math.floor(low[0] / (2 * half_width)) - 1, math.ceil(high[0] / (2 * half_width)) + 2)
    rows = np.arange(math.floor(low[1] / (1.5 * side)) - 1, math.ceil(high[1] / (1.5 * side)) + 2)
    i, k = np.meshgrid(columns, rows)
    centres = np.stack([2 * half_width * i + half_width * (k % 2), 1.5 * side * k], axis=-1).reshape(-1, 1, 2)
    corners = np.array([[half_width, -side / 2], [half_width, side / 2], [0.0, side], [-half_width, side / 2]])
    return list(centres + corners)


def _clip_open(polylines: list[np.ndarray], area: Paths, min_length: float) -> list[np.ndarray]:
    """The parts of the polylines inside the area; pieces shorter than min_length mm are dropped."""
    if not polylines:
        return []
    clipper = pyclipper.Pyclipper()
    subject = [np.round(line * UNITS_PER_MM).astype(np.int64).tolist() for line in polylines]
    clipper.AddPaths(subject, pyclipper.PT_SUBJECT, False)
    clipper.AddPaths([ring.tolist() for ring in area], pyclipper.PT_CLIP, True)
    tree = clipper.Execute2(pyclipper.CT_INTERSECTION, pyclipper.PFT_NONZERO, pyclipper.PFT_NONZERO)
    pieces = [np.asarray(piece, dtype=np.float64) / UNITS_PER_MM for piece in pyclipper.OpenPathsFromPolyTree(tree)]
    kept = []
    for piece in pieces:
        if len(piece) >= 2 and float(np.sum(np.hypot(*np.diff(piece, axis=0).T))) >= min_length:
            kept.append(piece)
    # Clipper's output order depends on its internals only; sort so that the result is canonical.
    kept.sort(key=lambda p: (round(float(p[0, 0]), 6), round(float(p[0, 1]), 6), len(p)))
    return kept
