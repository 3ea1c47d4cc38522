"""Nesting parts and their copies on sheets with spyrrow (the sparrow strip-packing algorithm).

Each sheet is a strip as tall as the sheet less its margins; spyrrow packs every part still to place, and
the copies that land within the sheet's width make that sheet; the rest go round again for the next sheet.
Spyrrow packs outer boundaries only, so first, smaller parts are fitted into the holes of bigger ones (each
copy of a part with holes carries its own), and travel with them.
Parts turn by quarter turns only (both ways when the grain may turn, half turns only when it must stay),
so turned parts stay exact on the fixed-point grid. Spyrrow is a time-bounded search (0.9 offers a seed but
no bound on iterations or effort), so even with a fixed seed and one worker a busy machine can place parts
differently: the placements are returned by value and recorded, and recorded_nesting rebuilds a program
from them byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
import spyrrow

from slicing.cnc.flat import FlatPart, merge_parts, quarter_turned
from slicing.errors import SlicingError
from slicing.fdm import polygons

# Nesting outlines are the part grown by this much and simplified by as much, so they hold the whole part.
_SHAPE_TOLERANCE_MM = 0.2
# Chords per quarter circle of the rounded corners of a part grown by half the spacing.
_ROUND_SEGMENTS = 4
# Positions tried along each side of a hole when fitting a part into it.
_FIT_STEPS = 24


@dataclass(frozen=True)
class Placement:
    """Where one copy of a part goes: part index, quarter turns counter-clockwise about the part's origin,
    then a shift in mm."""

    part: int
    quarter_turns: int
    shift_mm: tuple[float, float]


@dataclass(frozen=True)
class NestedSheet:
    """The copies on one sheet, and the share of the sheet's area they take."""

    placements: tuple[Placement, ...]
    utilisation: float


def nest(parts: Sequence[FlatPart], copies: Sequence[int], sheet_mm: tuple[float, float], *, spacing_mm: float,
         margin_mm: float, keep_grain: Sequence[bool] | None = None, seconds_per_sheet: int = 1,
         seed: int = 0) -> list[NestedSheet]:
    """Place copies[i] copies of each part on as many sheets as they need, spacing_mm apart (at least the tool
    diameter) and margin_mm from the sheet's edges."""
    width, height = sheet_mm[0] - 2 * margin_mm, sheet_mm[1] - 2 * margin_mm
    keep_grain = keep_grain or [False] * len(parts)
    shapes = [_nest_shape(part, 0.0) for part in parts]
    # The spacing is kept by packing each part grown by half of it, in a strip that much wider on each side:
    # spyrrow's own min_items_separation panics on deep notches (a gear's teeth) when it grows them.
    grown = [_nest_shape(part, spacing_mm / 2) for part in parts]
    for part, shape in zip(parts, shapes, strict=True):
        size = np.ptp(np.array(shape), axis=0)
        if min(size) > min(width, height) or max(size) > max(width, height):
            raise SlicingError(f"{part.name} ({size[0]:.0f} x {size[1]:.0f} mm) does not fit on a {sheet_mm[0]:g} x "
                               f"{sheet_mm[1]:g} mm sheet with {margin_mm:g} mm margins: use a bigger sheet")
    left = list(copies)
    fills = _hole_fills(parts, shapes, left, spacing_mm, keep_grain)
    sheets = []
    while sum(left) > 0:
        items = [spyrrow.Item(str(i), grown[i], left[i], [0.0, 180.0] if keep_grain[i] else [0.0, 90.0, 180.0, 270.0])
                 for i in range(len(parts)) if left[i] > 0]
        config = spyrrow.StripPackingConfig(total_computation_time=seconds_per_sheet, seed=seed, num_workers=1,
                                            early_termination=True)
        solution = _solved(spyrrow.StripPackingInstance("sheet", height + spacing_mm, items), config)
        placed = []
        for item in sorted(solution.placed_items, key=lambda p: (p.translation[0], p.translation[1])):
            index = int(item.id)
            turns = round(item.rotation / 90.0) % 4
            box = _turned_bounds(grown[index], turns, item.translation)
            if box[2] <= width + spacing_mm + 1e-6:
                shift = margin_mm - spacing_mm / 2
                placed.append(Placement(index, turns, (item.translation[0] + shift, item.translation[1] + shift)))
        if not placed:
            raise SlicingError("no part fits on a sheet: use a bigger sheet or smaller margins")
        for placement in list(placed):
            left[placement.part] -= 1
            if fills[placement.part]:
                placed += [_carried(child, placement) for child in fills[placement.part].pop(0)]
        area = sum(_area_mm2(parts[p.part]) for p in placed)
        sheets.append(NestedSheet(tuple(placed), area / (sheet_mm[0] * sheet_mm[1])))
    return sheets


def sheet_part(name: str, parts: Sequence[FlatPart], sheet: NestedSheet) -> FlatPart:
    """The parts of one nested sheet turned and moved into place, as one part."""
    return merge_parts(name, placed_parts(parts, sheet))


def placed_parts(parts: Sequence[FlatPart], sheet: NestedSheet) -> list[FlatPart]:
    """Each copy on one nested sheet turned and moved into place, in the order of the sheet's placements."""
    return [parts[p.part].rotated(p.quarter_turns).translated(np.array(p.shift_mm)) for p in sheet.placements]


def _hole_fills(parts: Sequence[FlatPart], shapes: list[list[tuple[float, float]]], left: list[int],
                spacing_mm: float, keep_grain: Sequence[bool]) -> list[list[list[Placement]]]:
    """For each part, one list per copy of the smaller parts fitted into that copy's holes (in the part's
    own coordinates), taken off `left`. Bigger parents first, bigger children first, each hole filled
    until nothing more fits; a copy with nothing in its holes ends the search for that part."""
    fills: list[list[list[Placement]]] = [[] for _ in parts]
    areas = [shapely.Polygon(shape).area for shape in shapes]
    holes = [[shapely.Polygon(ring) for piece in polygons.islands(part.outline)
              for ring in polygons.to_mm(piece[1:])] for part in parts]
    for parent in sorted(range(len(parts)), key=lambda i: -areas[i]):
        for _ in range(left[parent]):
            fill = []
            for hole in holes[parent]:
                room = hole.buffer(-spacing_mm, join_style="mitre")
                for child in sorted(range(len(parts)), key=lambda i: -areas[i]):
                    while left[child] > 0 and child != parent and areas[child] < room.area:
                        found = _fit_in(room, shapes[child], keep_grain[child])
                        if found is None:
                            break
                        turns, shift, footprint = found
                        fill.append(Placement(child, turns, shift))
                        left[child] -= 1
                        room = room.difference(footprint.buffer(spacing_mm, join_style="mitre"))
            if not fill:
                break
            fills[parent].append(fill)
    return fills


def _fit_in(room: shapely.Geometry, shape: list[tuple[float, float]], keep_grain: bool
            ) -> tuple[int, tuple[float, float], shapely.Polygon] | None:
    """The first quarter turn and shift (scanning from the lower left) that puts the shape inside room."""
    if room.is_empty:
        return None
    shapely.prepare(room)
    xmin, ymin, xmax, ymax = room.bounds
    for turns in (0, 2) if keep_grain else (0, 1, 2, 3):
        points = quarter_turned(np.array(shape), turns)
        low, high = points.min(axis=0), points.max(axis=0)
        if high[0] - low[0] > xmax - xmin or high[1] - low[1] > ymax - ymin:
            continue
        for dy in np.linspace(ymin - low[1], ymax - high[1], _FIT_STEPS):
            for dx in np.linspace(xmin - low[0], xmax - high[0], _FIT_STEPS):
                footprint = shapely.Polygon(points + np.array([dx, dy]))
                if room.contains(footprint):
                    return turns, (float(dx), float(dy)), footprint
    return None


def _carried(child: Placement, parent: Placement) -> Placement:
    """A part fitted in a hole, placed where its parent went: turned with it, then moved with it."""
    (shift,) = quarter_turned(np.array([child.shift_mm]), parent.quarter_turns)
    return Placement(child.part, (child.quarter_turns + parent.quarter_turns) % 4,
                     (float(shift[0] + parent.shift_mm[0]), float(shift[1] + parent.shift_mm[1])))


def _solved(instance: spyrrow.StripPackingInstance, config: spyrrow.StripPackingConfig) -> spyrrow.StripPackingSolution:
    """The instance solved; a panic inside spyrrow (a Rust PanicException, which is not an Exception) told as a
    SlicingError rather than left to end the program."""
    try:
        return instance.solve(config)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        raise SlicingError(f"the nesting library failed on these parts ({str(exc).splitlines()[0]}): try "
                           "other spacing, or one copy per job") from None


def _nest_shape(part: FlatPart, grow_mm: float) -> list[tuple[float, float]]:
    """The outer boundary spyrrow packs: the part's outline (all its pieces' hull when it has several), grown
    by grow_mm and then as much more as simplifying it takes, so that it still holds the whole part."""
    pieces = [shapely.Polygon(polygons.to_mm(piece[:1])[0]) for piece in polygons.islands(part.outline)]
    if not pieces:
        raise SlicingError(f"{part.name} has no outline to nest")
    shape = pieces[0] if len(pieces) == 1 else shapely.MultiPolygon(pieces).convex_hull
    grown = shape.buffer(_SHAPE_TOLERANCE_MM, join_style="mitre")
    if grow_mm > 0:
        # Round joins keep the same distance all round (mitred ones would grow spikes off a gear's teeth); the
        # rounds' chords are pushed out so that they stay outside the true circle.
        grown = grown.buffer(grow_mm / np.cos(np.pi / (4 * _ROUND_SEGMENTS)), quad_segs=_ROUND_SEGMENTS)
    grown = grown.simplify(_SHAPE_TOLERANCE_MM)
    return [(float(x), float(y)) for x, y in np.asarray(grown.exterior.coords)[:-1]]


def _turned_bounds(shape: list[tuple[float, float]], turns: int, shift: tuple[float, float]) -> tuple[float, ...]:
    points = quarter_turned(np.array(shape), turns) + np.array(shift)
    return (*points.min(axis=0), *points.max(axis=0))


def _area_mm2(part: FlatPart) -> float:
    return float(sum(shapely.Polygon(ring).area * (1 if shapely.LinearRing(ring).is_ccw else -1)
                     for ring in polygons.to_mm(part.outline)))


def recorded_nesting(sheets: Sequence[dict], copies: Sequence[int]) -> list[NestedSheet]:
    """The nesting a job record kept (its "sheets", each with "placements" and "utilisation"), checked to
    place exactly copies[i] copies of each part: rebuilding from it gives the same program byte for byte,
    where a new search (time-bounded) may place the parts differently."""
    nested = []
    try:
        for sheet in sheets:
            placements = tuple(Placement(int(p["part"]), int(p["quarter_turns"]) % 4,
                                         (float(p["shift_mm"][0]), float(p["shift_mm"][1])))
                               for p in sheet["placements"])
            nested.append(NestedSheet(placements, float(sheet["utilisation"])))
    except (KeyError, IndexError, TypeError, ValueError):
        raise SlicingError("the record's placements are not a nesting (sheets of part, quarter_turns and "
                           "shift_mm): give the cam.json or laser.json of a nested job") from None
    placed = [sum(p.part == index for sheet in nested for p in sheet.placements) for index in range(len(copies))]
    if not nested or placed != list(copies) or any(not 0 <= p.part < len(copies) for s in nested
                                                   for p in s.placements):
        raise SlicingError(f"the record places {placed} copies of the parts, but this job has {list(copies)}: "
                           "use the same --copies and --coupon as the recorded job")
    return nested
