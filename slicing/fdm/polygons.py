"""Polygon sets in fixed-point units and the Clipper operations the FDM pipeline needs.

A polygon set ("Paths") is a list of closed rings, each an (n, 2) int64 array in UNITS_PER_MM units.
Integer coordinates make every boolean and offset exact and repeatable, so the same part always gives the
same toolpaths. Rings produced here have outer boundaries counter-clockwise and holes clockwise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import numpy as np
import pyclipper
import shapely

UNITS_PER_MM = 10_000  # 1 unit = 0.1 µm: far below what a printer resolves, far from int64 overflow.

Paths = list[np.ndarray]

# Sharp corners stay sharp up to this many times the offset distance, then they are bevelled.
_MITER_LIMIT = 3.0
# Round joins are approximated by chords that stray at most this far from the true arc.
_ARC_TOLERANCE_MM = 0.005


def to_units(rings_mm: Iterable[np.ndarray]) -> Paths:
    """Rings in millimetres ((n, 2) float arrays) as fixed-point rings; rings of under 3 points are dropped."""
    rings = (np.round(np.asarray(ring, dtype=np.float64) * UNITS_PER_MM).astype(np.int64) for ring in rings_mm)
    return [ring for ring in rings if len(ring) >= 3]


def to_mm(paths: Paths) -> list[np.ndarray]:
    """Fixed-point rings as (n, 2) float64 arrays in millimetres."""
    return [ring.astype(np.float64) / UNITS_PER_MM for ring in paths]


def union(paths: Paths, *, even_odd: bool = False) -> Paths:
    """Clean, non-overlapping rings covering the given ones, in a canonical order.

    even_odd decides inside-ness by counting crossings, for rings whose orientation cannot be trusted;
    otherwise a point is inside when any ring winds around it. The canonical order (each ring starting at
    its lowest vertex, rings sorted) makes the result independent of the order the rings arrived in.
    """
    fill = pyclipper.PFT_EVENODD if even_odd else pyclipper.PFT_NONZERO
    return _canonical(_boolean(paths, [], pyclipper.CT_UNION, fill))


def intersection(subject: Paths, clip: Paths) -> Paths:
    """The area inside both sets."""
    if not subject or not clip:
        return []
    return _boolean(subject, clip, pyclipper.CT_INTERSECTION, pyclipper.PFT_NONZERO)


def difference(subject: Paths, clip: Paths) -> Paths:
    """The area of subject outside clip."""
    if not subject or not clip:
        return list(subject)
    return _boolean(subject, clip, pyclipper.CT_DIFFERENCE, pyclipper.PFT_NONZERO)


def offset(paths: Paths, distance_mm: float, *, round_joins: bool = False) -> Paths:
    """Grow (positive distance) or shrink (negative) every ring; parts thinner than a shrink vanish.

    Corners are mitred, so the outline of a box stays a box, unless round_joins is set.
    """
    if not paths:
        return []
    offsetter = pyclipper.PyclipperOffset(_MITER_LIMIT, _ARC_TOLERANCE_MM * UNITS_PER_MM)
    join = pyclipper.JT_ROUND if round_joins else pyclipper.JT_MITER
    offsetter.AddPaths([ring.tolist() for ring in paths], join, pyclipper.ET_CLOSEDPOLYGON)
    return _as_arrays(offsetter.Execute(distance_mm * UNITS_PER_MM))


def opening(paths: Paths, distance_mm: float) -> Paths:
    """Remove every part narrower than twice distance_mm and keep the rest unchanged."""
    return offset(offset(paths, -distance_mm), distance_mm)


def simplify(paths: Paths, tolerance_mm: float) -> Paths:
    """Drop vertices that move the outline by less than tolerance_mm (Douglas-Peucker, ring by ring); a
    union repairs any ring the simplification made cross itself. Canonical order, as union."""
    if not paths:
        return []
    closed = [np.vstack([ring, ring[:1]]) for ring in paths]
    owner = np.repeat(np.arange(len(closed)), [len(ring) for ring in closed])
    rings = shapely.linearrings(np.concatenate(closed) / UNITS_PER_MM, indices=owner)
    simplified = shapely.simplify(rings, tolerance_mm, preserve_topology=False)
    points, owner = shapely.get_coordinates(simplified, return_index=True)
    # Each ring repeats its first point at the end; a ring that collapsed to a line is dropped by to_units.
    split = np.split(points, np.flatnonzero(np.diff(owner)) + 1)
    return union(to_units(ring[:-1] for ring in split))


def islands(paths: Paths) -> list[Paths]:
    """Split a set into its connected pieces, each an outer ring followed by its holes."""
    if not paths:
        return []
    clipper = pyclipper.Pyclipper()
    clipper.AddPaths([ring.tolist() for ring in paths], pyclipper.PT_SUBJECT, True)
    tree = clipper.Execute2(pyclipper.CT_UNION, pyclipper.PFT_NONZERO, pyclipper.PFT_NONZERO)
    pieces: list[Paths] = []
    outers = list(tree.Childs)
    while outers:
        outer = outers.pop(0)
        holes = list(outer.Childs)
        pieces.append(_as_arrays([outer.Contour] + [hole.Contour for hole in holes]))
        # Islands standing inside a hole are pieces of their own.
        for hole in holes:
            outers.extend(hole.Childs)
    return pieces


def _boolean(subject: Paths, clip: Paths, operation: int, fill: int) -> Paths:
    clipper = pyclipper.Pyclipper()
    try:
        clipper.AddPaths([ring.tolist() for ring in subject], pyclipper.PT_SUBJECT, True)
    except pyclipper.ClipperException:  # every ring was degenerate (no area): nothing to work on
        return []
    # A clip whose rings all lack area changes nothing.
    with contextlib.suppress(pyclipper.ClipperException):
        clipper.AddPaths([ring.tolist() for ring in clip], pyclipper.PT_CLIP, True)
    return _as_arrays(clipper.Execute(operation, fill, fill))


def _as_arrays(rings: list) -> Paths:
    return [np.array(ring, dtype=np.int64) for ring in rings if len(ring) >= 3]


def _canonical(paths: Paths) -> Paths:
    rotated = [np.roll(ring, -int(np.lexsort((ring[:, 1], ring[:, 0]))[0]), axis=0) for ring in paths]
    return sorted(rotated, key=lambda ring: (int(ring[0, 0]), int(ring[0, 1]), len(ring)))
