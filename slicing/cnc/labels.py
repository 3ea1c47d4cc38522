"""Engraved labels that say which part a cut piece is, so the pieces of a nested sheet can be sorted after cutting.

Each piece of a part (an island of its outline) gets its label written in a single-stroke font, inside the
piece and clear of its edges, its holes, the part's pockets, fills and engraving; as big as fits up to the
cap height asked for, horizontal, or turned a quarter turn when that fits clearly bigger letters. The same
labels serve a router (a V-bit follows each stroke) and a laser (the beam does).
"""

from __future__ import annotations

import string
from dataclasses import replace

import numpy as np
import shapely

from slicing.cnc.flat import FlatPart, islands_in_order, quarter_turned
from slicing.cnc.stroke_font import text_strokes
from slicing.errors import SlicingError
from slicing.fdm import polygons

# Below this cap height a label is hard to read on a sorting table, and a V-bit's worn tip runs its strokes
# into each other.
MIN_CAP_HEIGHT_MM = 3.0
# How much further than half a stroke's width a label keeps from an edge or another cut: the sheet breaks out
# along a cut edge, and a label run into it cannot be read.
CLEARANCE_MM = 1.0
# Turned text is slower to read, so a label is turned only when that makes its letters this much bigger.
_TURN_GAIN = 1.1
# Label centres tried across the longer side of a piece's free room, then around the best one, finer each time.
_GRID_STEPS = 12
_REFINE_ROUNDS = 4
# Labels whose distances from the room's edges differ by less than this are as roomy as each other (edges
# drawn as chords of arcs put noise on the distances).
_CLEARANCE_STEP_MM = 0.1
# Edges of the room a label may take are simplified this much: holes drawn as fine polygons have hundreds
# of edges, and the search's time grows with their number.
_SIMPLIFY_MM = 0.05


def labelled(part: FlatPart, text: str, *, height_mm: float, stroke_width_mm: float, depth_mm: float
             ) -> tuple[FlatPart, tuple[str, ...]]:
    """The part with a label engraved on each of its pieces, and the labels that fit nowhere.

    One piece is labelled text; several are labelled text plus a letter (A, B, ... Z, AA, AB, ...) in the order
    of their lowest point, then their leftmost. height_mm: the largest cap height; stroke_width_mm: the
    width the tool or beam cuts; depth_mm: the engraving depth when the part has no engraving yet (a part
    has one engraving depth, so labels on a part with engraving are cut at its depth). The labels' strokes
    ((n, 2) float64 mm polylines) follow the part's engravings. A label that does not fit at
    MIN_CAP_HEIGHT_MM is left off its piece and returned.
    """
    if height_mm < MIN_CAP_HEIGHT_MM:
        raise SlicingError(f"labels {height_mm:g} mm tall are too small to read: make them at least "
                           f"{MIN_CAP_HEIGHT_MM:g} mm")
    if stroke_width_mm <= 0 or depth_mm <= 0:
        raise SlicingError(f"{part.name}: the label's stroke width ({stroke_width_mm:g} mm) and depth "
                           f"({depth_mm:g} mm) must be above zero")
    if not text.strip():
        raise SlicingError(f"{part.name}: give the label some text to engrave")
    text_strokes(text)  # refuses a character the font lacks even when the part has no piece to label
    pieces = islands_in_order(part.outline)
    names = [text] if len(pieces) == 1 else [text + piece_letter(index) for index in range(len(pieces))]
    keep_out = _keep_out(part, stroke_width_mm)
    margin = stroke_width_mm / 2 + CLEARANCE_MM
    labels: list[np.ndarray] = []
    left_off: list[str] = []
    for piece, name in zip(pieces, names, strict=True):
        # Simplifying moves the room's edges by up to _SIMPLIFY_MM, so it is shrunk that much more first.
        room = _polygon(piece).difference(keep_out).buffer(-margin - _SIMPLIFY_MM).simplify(_SIMPLIFY_MM)
        strokes = _placed(*text_strokes(name), room, height_mm)
        if strokes is None:
            left_off.append(name)
        else:
            labels += strokes
    if not labels:
        return part, tuple(left_off)
    depth = part.engrave_depth_mm if part.engravings else depth_mm
    return replace(part, engravings=(*part.engravings, *labels), engrave_depth_mm=depth), tuple(left_off)


def piece_letter(index: int) -> str:
    """A, B, ... Z, then AA, AB, ...: a letter for each piece however many there are."""
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = string.ascii_uppercase[rest] + letters
    return letters


def _keep_out(part: FlatPart, stroke_width_mm: float) -> shapely.Geometry:
    """Where no label may go: the pockets, the fills, and the engraved lines as wide as a label's strokes
    (they are cut at the same depth, so with the same groove)."""
    regions = [region for _, region in part.pockets] + [part.fills]
    areas = [_polygon(piece) for region in regions for piece in polygons.islands(region)]
    lines = [shapely.LineString(line).buffer(stroke_width_mm / 2) for line in part.engravings]
    return shapely.union_all(areas + lines)


def _polygon(piece: polygons.Paths) -> shapely.Polygon:
    """One island (outer ring, then its holes) as a shapely polygon in mm."""
    rings = polygons.to_mm(piece)
    return shapely.Polygon(rings[0], rings[1:])


def _placed(strokes: list[np.ndarray], advance: float, room: shapely.Geometry, height_mm: float
            ) -> list[np.ndarray] | None:
    """The strokes (in cap heights, advancing the pen by advance) scaled, turned and moved so that the text's
    box lies in room, as big as fits up to height_mm; None when not even MIN_CAP_HEIGHT_MM fits. The box
    holds the strokes, the line from baseline to cap line and the pen's advance, so that a text of one
    thin or flat stroke ("l", "-") still has a box of some size."""
    if room.is_empty:
        return None
    points = np.vstack([*strokes, [[0.0, 0.0], [advance, 1.0]]])
    low, high = points.min(axis=0), points.max(axis=0)
    middle, half = (low + high) / 2, (high - low) / 2
    starts, ends = _edges(room)
    upright_centre, upright = _roomiest(room, starts, ends, half, height_mm)
    turned_centre, turned = _roomiest(room, starts, ends, half[::-1], height_mm)
    turn = turned > _TURN_GAIN * upright
    cap_height, centre = (turned, turned_centre) if turn else (upright, upright_centre)
    if cap_height < MIN_CAP_HEIGHT_MM:
        return None
    placed = []
    for stroke in strokes:
        local = (stroke - middle) * cap_height
        if turn:  # a quarter turn counter-clockwise: the label reads upwards
            local = quarter_turned(local, 1)
        placed.append(np.ascontiguousarray(local + centre, dtype=np.float64))
    return placed


def _edges(room: shapely.Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Start and end points ((m, 2) mm) of every edge of room's outer and inner rings."""
    rings = shapely.get_rings(shapely.get_parts(room))
    coordinates = [shapely.get_coordinates(ring) for ring in rings]
    return np.vstack([c[:-1] for c in coordinates]), np.vstack([c[1:] for c in coordinates])


def _roomiest(room: shapely.Geometry, starts: np.ndarray, ends: np.ndarray, half: np.ndarray, largest: float
              ) -> tuple[np.ndarray, float]:
    """Where a box of half-size half x scale fits room at the largest scale up to largest, and that scale:
    of the centres where it fits as big, the one that keeps the box furthest from room's edges, then the one
    nearest room's centroid, so a label with room to spare sits in the middle of it.

    Centres on a grid over room, its centroid and its widest circle's centre are tried, then a finer grid
    around the best, a few times over: a search, so the scale found may be a little under the true largest.
    """
    xmin, ymin, xmax, ymax = room.bounds
    step = max(xmax - xmin, ymax - ymin) / _GRID_STEPS
    # The grid runs through the middle of room's bounds, where a symmetric piece has the most room.
    x = (xmin + xmax) / 2 + np.arange(-(_GRID_STEPS // 2), _GRID_STEPS // 2 + 1) * step
    y = (ymin + ymax) / 2 + np.arange(-(_GRID_STEPS // 2), _GRID_STEPS // 2 + 1) * step
    x, y = np.meshgrid(x[(x > xmin) & (x < xmax)], y[(y > ymin) & (y < ymax)])
    widest = shapely.get_coordinates(shapely.maximum_inscribed_circle(room))[:1]
    middle = shapely.get_coordinates(room.centroid)
    edges = room.boundary
    candidates = np.vstack([middle, widest, np.column_stack([x.ravel(), y.ravel()])])
    best_centre, best = widest[0], (-np.inf, -np.inf, -np.inf)
    for _ in range(_REFINE_ROUNDS):
        candidates = candidates[shapely.contains_xy(room, candidates[:, 0], candidates[:, 1])]
        if len(candidates):
            scales = np.minimum(_fitting_scales(candidates, starts, ends, half), largest)
            biggest = candidates[scales == scales.max()]
            boxes = shapely.box(*(biggest - half * scales.max()).T, *(biggest + half * scales.max()).T)
            clearances = np.round(shapely.distance(boxes, edges) / _CLEARANCE_STEP_MM) * _CLEARANCE_STEP_MM
            off_middle = np.linalg.norm(biggest - middle[0], axis=1)
            index = int(np.lexsort((off_middle, -clearances))[0])
            score = (float(scales.max()), float(clearances[index]), -float(off_middle[index]))
            if score > best:
                best_centre, best = biggest[index], score
        step /= 2
        offsets = np.arange(-2, 3) * step
        dx, dy = np.meshgrid(offsets, offsets)
        candidates = best_centre + np.column_stack([dx.ravel(), dy.ravel()])
    return best_centre, max(best[0], 0.0)


def _fitting_scales(centres: np.ndarray, starts: np.ndarray, ends: np.ndarray, half: np.ndarray) -> np.ndarray:
    """For each centre ((k, 2) mm, inside the room), the largest scale at which a box of half-size
    half x scale centred there crosses none of the edges (starts to ends, (m, 2) mm, closed rings): the
    distance to the nearest edge in the box's own max-norm."""
    x0 = (starts[:, 0] - centres[:, :1]) / half[0]  # (k, m), the edges in units of the box's half-size
    y0 = (starts[:, 1] - centres[:, 1:]) / half[1]
    dx = (ends[:, 0] - starts[:, 0]) / half[0]
    dy = (ends[:, 1] - starts[:, 1]) / half[1]
    # max(|x|, |y|) along an edge is convex and piecewise linear: its least value is at an end (each edge's
    # end is the next one's start) or where x = 0, y = 0, x = y or x = -y.
    nearest = np.maximum(np.abs(x0), np.abs(y0)).min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        for along in (-x0 / dx, -y0 / dy, (y0 - x0) / (dx - dy), -(x0 + y0) / (dx + dy)):
            # An edge on the kink's line (0 / 0) meets it at its start as well as anywhere.
            t = np.clip(np.nan_to_num(along, copy=False, nan=0.0), 0.0, 1.0)
            nearest = np.minimum(nearest, np.maximum(np.abs(x0 + t * dx), np.abs(y0 + t * dy)).min(axis=1))
    return nearest
