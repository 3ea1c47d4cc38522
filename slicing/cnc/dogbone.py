"""Corner reliefs: a round tool cannot reach into an inside corner, so a square tab of a mating part would
not seat there. A relief removes a disc as big as the tool whose edge passes through the corner; the
profile then cuts round it by itself.

- dogbone: the disc sits on the corner's bisector (the least material removed, seen from both sides);
- T-bone: the disc sits on the corner's shorter edge, so the relief runs on along the longer edge, out of
  sight under the mating part (a slot's bottom corners relieved downwards, not into its walls).

The two corners at the ends of one short edge (a narrow slot's bottom) can get reliefs so close that the
material between them is a spike or finger thinner than the tool, which breaks off or stays as a burr. Such
neighbours are joined into one relief: both discs and the band between them (the slot runs on, round-ended).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from slicing.errors import SlicingError
from slicing.fdm import polygons
from slicing.fdm.polygons import Paths

RELIEF_STYLES = ("dogbone", "tbone")
# Corners that turn less than this are curves drawn as chords, not corners a mating part seats in.
MIN_CORNER_TURN_DEG = 45.0
# Outline detail smaller than this (mm) is drawing noise, not a corner.
_OUTLINE_NOISE_MM = 0.005
# The disc's chords must not cut short of the corner: it is drawn as a polygon round a slightly larger circle.
_DISC_SIDES = 64
_DISC_GROWTH = 1.0 / np.cos(np.pi / _DISC_SIDES)


@dataclass(frozen=True)
class InsideCorner:
    """An inside (reflex) corner: its point, the unit bisector into the waste, the unit direction away from
    the corner along its shorter edge, and the ring's next vertex, where its outgoing edge ends (all in mm)."""

    point: np.ndarray
    bisector: np.ndarray
    along_shorter: np.ndarray
    next_point: np.ndarray


def inside_corners(region: Paths) -> list[InsideCorner]:
    """The inside corners of a region's boundary. Rings carry the material on their left, so an inside
    corner is where the boundary turns right."""
    corners = []
    # Sections of a mesh repeat points and zigzag by a µm along curves: no corner, but a steep turn.
    for ring in polygons.to_mm(polygons.simplify(region, _OUTLINE_NOISE_MM)):
        incoming = ring - np.roll(ring, 1, axis=0)
        outgoing = np.roll(ring, -1, axis=0) - ring
        in_length = np.linalg.norm(incoming, axis=1)
        out_length = np.linalg.norm(outgoing, axis=1)
        incoming = incoming / in_length[:, None]
        outgoing = outgoing / out_length[:, None]
        cross = incoming[:, 0] * outgoing[:, 1] - incoming[:, 1] * outgoing[:, 0]
        turn = np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", incoming, outgoing), -1.0, 1.0)))
        for i in np.flatnonzero((cross < 0) & (turn >= MIN_CORNER_TURN_DEG)):
            bisector = outgoing[i] - incoming[i]
            shorter = -incoming[i] if in_length[i] < out_length[i] else outgoing[i]
            following = ring[(i + 1) % len(ring)]
            corners.append(InsideCorner(ring[i], bisector / np.linalg.norm(bisector), shorter, following))
    return corners


def add_reliefs(region: Paths, tool_radius_mm: float, style: str = "dogbone", clearance_mm: float = 0.0) -> Paths:
    """The region with a relief disc cut at every inside corner, clearance_mm bigger in radius than the tool
    (so the relief's own round is not a corner the tool has to wrap round fully); the discs at the two ends
    of an edge are joined when the material they leave between them is narrower than the tool."""
    if style not in RELIEF_STYLES:
        raise SlicingError(f"corner relief {style!r} is not one of {', '.join(RELIEF_STYLES)}")
    corners = inside_corners(region)
    if not corners:
        return region
    angles = np.linspace(0.0, 2.0 * np.pi, _DISC_SIDES, endpoint=False)
    radius = tool_radius_mm + clearance_mm
    unit = np.column_stack([np.cos(angles), np.sin(angles)]) * radius * _DISC_GROWTH
    centres = [c.point + (c.bisector if style == "dogbone" else c.along_shorter) * radius for c in corners]
    discs = [centre + unit for centre in centres]
    joins = [_hull(discs[a], discs[b]) for a, b in _edge_neighbours(corners)
             if _sliver_between(corners[a], centres[a], centres[b], radius, tool_radius_mm)]
    return polygons.union(polygons.difference(region, polygons.union(polygons.to_units(discs + joins))))


def _edge_neighbours(corners: list[InsideCorner]) -> list[tuple[int, int]]:
    """Pairs (a, b) of indices of corners at the two ends of one edge, a where the edge starts."""
    index = {tuple(c.point): i for i, c in enumerate(corners)}
    pairs = ((a, index.get(tuple(c.next_point))) for a, c in enumerate(corners))
    return [(a, b) for a, b in pairs if b is not None]


def _sliver_between(corner: InsideCorner, first: np.ndarray, second: np.ndarray, radius_mm: float,
                    tool_radius_mm: float) -> bool:
    """Whether the reliefs centred at `first` and `second`, at the ends of the corner's outgoing edge, leave
    material between them narrower than the tool: no disc of the tool's size fits in the material standing
    on the edge midway between them. (Rings carry the material on their left.)"""
    along = (corner.next_point - corner.point) / np.linalg.norm(corner.next_point - corner.point)
    into_material = np.array([-along[1], along[0]])
    midway = corner.point + along * float(np.dot((first + second) / 2.0 - corner.point, along))
    test = midway + into_material * tool_radius_mm
    reach = radius_mm + tool_radius_mm
    return bool(min(np.linalg.norm(test - first), np.linalg.norm(test - second)) < reach)


def _hull(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The convex hull ((n, 2) mm, counter-clockwise as the discs) of two discs drawn as polygons: both and
    the band between them."""
    hull = shapely.orient_polygons(shapely.convex_hull(shapely.multipoints(np.vstack([first, second]))))
    return shapely.get_coordinates(hull)[:-1]
