"""Arc-length tools on closed 2D rings: where a point projects, and rings lifted over spans (tabs, ramps)."""

from __future__ import annotations

import math

import numpy as np


def arc_lengths(ring_closed: np.ndarray) -> np.ndarray:
    """Cumulative length at each vertex of a closed polyline ((n, k), first point repeated last)."""
    return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(ring_closed[:, :2], axis=0), axis=1))])


def project(ring_closed: np.ndarray, point: np.ndarray) -> float:
    """Arc length of the point of the ring nearest to `point`."""
    a, b = ring_closed[:-1, :2], ring_closed[1:, :2]
    ab = b - a
    length_sq = np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-18)
    t = np.clip(np.einsum("ij,ij->i", point - a, ab) / length_sq, 0.0, 1.0)
    distance = np.linalg.norm(a + ab * t[:, None] - point, axis=1)
    nearest = int(np.argmin(distance))
    return float(arc_lengths(ring_closed)[nearest] + t[nearest] * np.sqrt(length_sq[nearest]))


def point_at(ring_closed: np.ndarray, s_mm: np.ndarray) -> np.ndarray:
    """Points ((m, k)) at arc lengths s_mm along a closed polyline."""
    s = arc_lengths(ring_closed)
    return np.column_stack([np.interp(s_mm, s, ring_closed[:, axis]) for axis in range(ring_closed.shape[1])])


def start_at(ring_closed: np.ndarray, s_mm: float) -> np.ndarray:
    """The same closed polyline, starting (and ending) at arc length s_mm."""
    s = arc_lengths(ring_closed)
    total = s[-1]
    s_mm = s_mm % total
    start = point_at(ring_closed, np.array([s_mm]))
    after = s > s_mm + 1e-9
    before = (s < s_mm - 1e-9) & (s > 0.0)
    return np.vstack([start, ring_closed[after], ring_closed[before], start])


def lift_spans(ring_closed: np.ndarray, spans: list[tuple[float, float]], z_mm: float, top_z_mm: float) -> np.ndarray:
    """A closed 2D polyline at z_mm, rising straight up to top_z_mm over each (start, end) arc-length span.

    Spans must lie within the ring's length and not overlap. Returns (n, 3) points.
    """
    s = arc_lengths(ring_closed)
    if not spans or top_z_mm <= z_mm:
        return np.column_stack([ring_closed[:, :2], np.full(len(ring_closed), z_mm)])
    cuts = np.array([v for span in spans for v in span])
    knots = np.unique(np.concatenate([s, cuts]))
    xy = point_at(ring_closed[:, :2], knots)
    lifted = np.zeros(len(knots), dtype=bool)
    for start, end in spans:
        lifted |= (knots > start + 1e-9) & (knots < end - 1e-9)
    rows = []
    for point, s_here, up in zip(xy, knots, lifted, strict=True):
        is_start = any(abs(s_here - a) <= 1e-9 for a, _ in spans)
        is_end = any(abs(s_here - b) <= 1e-9 for _, b in spans)
        if is_start:
            rows += [(*point, z_mm), (*point, top_z_mm)]
        elif is_end:
            rows += [(*point, top_z_mm), (*point, z_mm)]
        else:
            rows.append((*point, top_z_mm if up else z_mm))
    return np.array(rows)


def ramped(ring: np.ndarray, above: float, z: float, level: np.ndarray, angle_deg: float) -> np.ndarray:
    """Descend from `above` to `z` along the ring at angle_deg instead of plunging (going round as many
    times as the descent needs), then cut the whole level once from where the ramp ends."""
    length = arc_lengths(ring)[-1]
    ramp = (above - z) / math.tan(math.radians(angle_deg))
    if ramp <= 0:
        return level
    laps = math.ceil(ramp / length)
    s = arc_lengths(ring)
    along_laps = np.concatenate([s[:-1] + lap * length for lap in range(laps)])
    knots = np.concatenate([along_laps[along_laps < ramp], [ramp]])
    descent = np.column_stack([point_at(ring, knots % length), above + (z - above) * knots / ramp])
    foot = ramp % length
    along = arc_lengths(level)
    return np.vstack([descent, level[along > foot], level[along <= foot], [[*descent[-1, :2], z]]])
