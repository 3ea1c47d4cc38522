"""Arcs found in polylines, so programs say G2/G3 (centre given by I and J, as GRBL wants) where the path is
a circle or a helix: round corners of offset paths, holes, helical bores.

A run of at least MIN_ARC_SEGMENTS segments becomes one arc when every vertex lies within ARC_TOLERANCE_MM
of one circle through its ends and middle, the run turns one way by less than a full turn, no chord strays
from the arc by more than the tolerance, and Z changes in proportion to the angle (a helix) or not at all.
"""

from __future__ import annotations

import numpy as np

ARC_TOLERANCE_MM = 0.005
MIN_ARC_SEGMENTS = 3
# Circles much larger than a machine are straight lines; much smaller than a cell are points.
_RADIUS_RANGE_MM = (0.05, 5000.0)
# Circumcentres of neighbouring point triples on one arc agree to about this, given rounding of the points.
_CANDIDATE_SLACK_MM = 0.05


def fit_arcs(points: np.ndarray) -> list[tuple[int, np.ndarray | None, bool]]:
    """Split a polyline ((n, 3) mm) into moves: (index of the move's end point, arc centre (x, y) or None for
    a straight move, whether the arc runs counter-clockwise)."""
    moves: list[tuple[int, np.ndarray | None, bool]] = []
    reach = _candidate_reach(points)
    start = 0
    last = len(points) - 1
    while start < last:
        best = None
        if reach[start] - start >= MIN_ARC_SEGMENTS:
            fit = _arc(points[start:reach[start] + 1])
            best = (int(reach[start]), *fit) if fit is not None else _longest_arc(points, start, int(reach[start]))
        if best is None:
            moves.append((start + 1, None, False))
            start += 1
        else:
            moves.append(best)
            start = best[0]
    return moves


def _candidate_reach(points: np.ndarray) -> np.ndarray:
    """For each point, the last point of the run after it whose consecutive triples all turn the same way
    round nearly the same centre: how far an arc from there could reach (the point itself where none can).
    Vectorised, so straight runs and corners cost nothing; _arc then checks a candidate exactly."""
    count = len(points)
    reach = np.arange(count)
    if count < 3:
        return reach
    a, b, c = points[:-2, :2], points[1:-1, :2], points[2:, :2]
    d = 2.0 * (a[:, 0] * (b[:, 1] - c[:, 1]) + b[:, 0] * (c[:, 1] - a[:, 1]) + c[:, 0] * (a[:, 1] - b[:, 1]))
    valid = np.abs(d) > 1e-12
    safe = np.where(valid, d, 1.0)
    a2, b2, c2 = (a**2).sum(1), (b**2).sum(1), (c**2).sum(1)
    centre = np.column_stack([
        (a2 * (b[:, 1] - c[:, 1]) + b2 * (c[:, 1] - a[:, 1]) + c2 * (a[:, 1] - b[:, 1])) / safe,
        (a2 * (c[:, 0] - b[:, 0]) + b2 * (a[:, 0] - c[:, 0]) + c2 * (b[:, 0] - a[:, 0])) / safe,
    ])
    radius = np.linalg.norm(a - centre, axis=1)
    valid &= (radius >= _RADIUS_RANGE_MM[0]) & (radius <= _RADIUS_RANGE_MM[1])
    # Triple k spans points k..k+2; it continues triple k-1's circle when both are valid, turn the same way
    # and share a centre (loosely: _arc does the exact check).
    joins = valid[1:] & valid[:-1] & (np.sign(d[1:]) == np.sign(d[:-1])) & (
        np.linalg.norm(centre[1:] - centre[:-1], axis=1) <= _CANDIDATE_SLACK_MM)
    # A run of joined triples from triple k stops at the first j >= k that does not join the next; its
    # last point is j + 2.
    breaks = np.append(np.flatnonzero(~joins), len(valid) - 1)
    end_of = breaks[np.searchsorted(breaks, np.arange(len(valid)))] + 2
    reach[:len(valid)] = np.where(valid, end_of, np.arange(len(valid)))
    return reach


def _longest_arc(points: np.ndarray, start: int, last: int) -> tuple[int, np.ndarray, bool] | None:
    """The longest arc from `start`: grow the run by doubling while it fits, then bisect to its end."""
    shortest = start + MIN_ARC_SEGMENTS
    fit = _arc(points[start:shortest + 1])
    if fit is None:
        return None
    good, good_fit = shortest, fit
    step = MIN_ARC_SEGMENTS
    bad = None
    while bad is None:
        end = min(good + step, last)
        fit = _arc(points[start:end + 1]) if end > good else None
        if fit is None:
            bad = end if end > good else good + 1
        else:
            good, good_fit = end, fit
            if end == last:
                break
            step *= 2
    while bad is not None and bad - good > 1:
        middle = (good + bad) // 2
        fit = _arc(points[start:middle + 1])
        if fit is None:
            bad = middle
        else:
            good, good_fit = middle, fit
    return good, *good_fit


def _arc(points: np.ndarray) -> tuple[np.ndarray, bool] | None:
    """(centre, counter-clockwise) when the points lie on one arc as the module describes, else None."""
    xy = points[:, :2]
    steps = np.diff(xy, axis=0)
    cross = steps[:-1, 0] * steps[1:, 1] - steps[:-1, 1] * steps[1:, 0]
    if np.any(np.linalg.norm(steps, axis=1) < 1e-9) or not (np.all(cross > 1e-12) or np.all(cross < -1e-12)):
        return None
    centre = _centre(xy[0], xy[len(xy) // 2], xy[-1])
    if centre is None:
        return None
    radii = np.linalg.norm(xy - centre, axis=1)
    radius = radii.mean()
    if not _RADIUS_RANGE_MM[0] <= radius <= _RADIUS_RANGE_MM[1] or np.ptp(radii) > ARC_TOLERANCE_MM:
        return None
    chord = np.linalg.norm(steps, axis=1)
    sag = radius - np.sqrt(np.clip(radius**2 - (chord / 2) ** 2, 0.0, None))
    angles = 2.0 * np.arcsin(np.clip(chord / (2 * radius), 0.0, 1.0))
    swept = np.concatenate([[0.0], np.cumsum(angles)])
    if sag.max() > ARC_TOLERANCE_MM or swept[-1] >= 2 * np.pi - 1e-6:
        return None
    z = points[:, 2]
    helix = z[0] + (z[-1] - z[0]) * swept / swept[-1]
    if np.abs(z - helix).max() > ARC_TOLERANCE_MM:
        return None
    return centre, bool(cross[0] > 0)


def _centre(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray | None:
    """Centre of the circle through three points, None when they are in a line."""
    d = 2.0 * (a[0] * (b[1] - c[1]) + b[0] * (c[1] - a[1]) + c[0] * (a[1] - b[1]))
    if abs(d) < 1e-12:
        return None
    a2, b2, c2 = a @ a, b @ b, c @ c
    return np.array([
        (a2 * (b[1] - c[1]) + b2 * (c[1] - a[1]) + c2 * (a[1] - b[1])) / d,
        (a2 * (c[0] - b[0]) + b2 * (a[0] - c[0]) + c2 * (b[0] - a[0])) / d,
    ])
