"""A flat part as a router or laser sees it, and the joining of loose drawing segments into closed contours.

Coordinates are millimetres in the sheet's plane (X right, Y up). Regions are polygon sets in the fixed-point
units of slicing.fdm.polygons: outer rings counter-clockwise, holes clockwise, material on the left.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import manifold3d
import numpy as np
import shapely
import trimesh

from slicing.errors import SlicingError
from slicing.fdm import polygons
from slicing.fdm.polygons import Paths

# Segment ends closer than this are the same point (drawings exported from CAD often miss by a few µm).
JOIN_TOLERANCE_MM = 0.01
# Closed areas smaller than this are drawing artefacts, not something a tool can cut.
MIN_AREA_MM2 = 0.01


@dataclass(frozen=True)
class FlatPart:
    """What is cut from one part.

    outline: the region kept after the through cuts (its outer rings and holes); pockets: (depth in mm,
    region cleared to that depth) pairs; engravings: polylines ((n, 2) mm) cut along at engrave_depth_mm;
    fills: regions a laser rasters. thickness_mm is the sheet's (0 when the drawing does not say).
    tab_points: (x, y) mm where holding tabs go, each on the outer boundary nearest to it (a boundary with
    none gets tabs placed automatically); they turn and move with the part, so nested copies keep them.
    """

    name: str
    outline: Paths
    thickness_mm: float = 0.0
    pockets: tuple[tuple[float, Paths], ...] = ()
    engravings: tuple[np.ndarray, ...] = ()
    engrave_depth_mm: float = 0.0
    fills: Paths = field(default_factory=list)
    tab_points: tuple[tuple[float, float], ...] = ()

    def with_thickness(self, thickness_mm: float) -> FlatPart:
        if thickness_mm <= 0:
            raise SlicingError(f"the sheet thickness must be above zero, not {thickness_mm} mm")
        deepest = max((depth for depth, _ in self.pockets), default=0.0)
        if deepest >= thickness_mm:
            raise SlicingError(f"{self.name}: a pocket {deepest:g} mm deep does not fit a {thickness_mm:g} mm sheet")
        return replace(self, thickness_mm=thickness_mm)

    def translated(self, shift_mm: np.ndarray) -> FlatPart:
        """The part moved by (dx, dy) mm (rounded to the fixed-point grid, so regions stay exact)."""
        units = np.round(np.asarray(shift_mm, dtype=np.float64) * polygons.UNITS_PER_MM).astype(np.int64)
        shift = units / polygons.UNITS_PER_MM

        def move(region: Paths) -> Paths:
            return [ring + units for ring in region]

        return replace(self, outline=move(self.outline),
                       pockets=tuple((depth, move(region)) for depth, region in self.pockets),
                       engravings=tuple(line + shift for line in self.engravings), fills=move(self.fills),
                       tab_points=tuple((float(x + shift[0]), float(y + shift[1])) for x, y in self.tab_points))

    def rotated(self, quarter_turns: int) -> FlatPart:
        """The part turned counter-clockwise about the origin by a multiple of 90 degrees (exact on the
        fixed-point grid)."""
        def turn(points: np.ndarray) -> np.ndarray:
            return quarter_turned(points, quarter_turns)

        def turn_region(region: Paths) -> Paths:
            return [turn(ring) for ring in region]

        points = turn(np.array(self.tab_points, dtype=np.float64).reshape(-1, 2))
        return replace(self, outline=turn_region(self.outline),
                       pockets=tuple((depth, turn_region(region)) for depth, region in self.pockets),
                       engravings=tuple(turn(line) for line in self.engravings), fills=turn_region(self.fills),
                       tab_points=tuple((float(x), float(y)) for x, y in points))

    def bounds_mm(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of everything drawn."""
        points = [ring for ring in polygons.to_mm(self.outline + self.fills)]
        points += [ring for _, region in self.pockets for ring in polygons.to_mm(region)]
        points += list(self.engravings)
        if not points:
            raise SlicingError(f"{self.name} has nothing to cut")
        stacked = np.vstack(points)
        return (*stacked.min(axis=0), *stacked.max(axis=0))


def extruded_mesh(part: FlatPart) -> trimesh.Trimesh:
    """The part as the router leaves it, standing on z = 0: its outline as a solid of the sheet's thickness
    with each pocket cleared from the top to its depth (engraving left out). What the manufacturability
    checks read for a part that came as a drawing, or was changed for cutting (corner reliefs)."""
    if part.thickness_mm <= 0:
        raise SlicingError(f"{part.name}: give the sheet thickness before making a solid of it")
    solid = manifold3d.Manifold.extrude(_cross_section(part.outline), part.thickness_mm)
    for depth, region in part.pockets:
        # The pocket's prism runs out above the top, so no face of it lies in the top's plane.
        prism = manifold3d.Manifold.extrude(_cross_section(region), depth + 1.0)
        solid = solid - prism.translate((0.0, 0.0, part.thickness_mm - depth))
    # In double precision: single-precision vertices can flip a needle triangle of the top upside down.
    mesh = solid.to_mesh64()
    return trimesh.Trimesh(np.asarray(mesh.vert_properties)[:, :3], np.asarray(mesh.tri_verts))


def _cross_section(region: Paths) -> manifold3d.CrossSection:
    """A region's rings (counter-clockwise outers, clockwise holes) as a manifold3d cross-section in mm."""
    return manifold3d.CrossSection(polygons.to_mm(region), manifold3d.FillRule.Positive)


def region_from_contours(rings_mm: Iterable[np.ndarray]) -> Paths:
    """The region closed contours enclose, inside-ness by crossing count: a contour inside another is a hole,
    one inside that an island, whatever way each was drawn. Slivers under MIN_AREA_MM2 (the tiny loops
    some generators draw at corners, which cross themselves) are dropped."""
    region = polygons.union(polygons.to_units(rings_mm), even_odd=True)
    return [ring for ring in region if abs(_area_mm2(ring)) >= MIN_AREA_MM2]


def _area_mm2(ring: np.ndarray) -> float:
    x, y = ring[:, 0].astype(np.float64), ring[:, 1].astype(np.float64)
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / polygons.UNITS_PER_MM**2


def join_segments(polylines: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Chain polylines ((n, 2) mm) end to end into closed rings and the chains that stay open.

    Returns (closed rings without the repeated end point, open chains). Deterministic: chains grow from the
    pieces in the order given, always taking the first piece whose end meets.
    """
    pieces = [np.asarray(p, dtype=np.float64) for p in polylines if len(p) >= 2]
    closed: list[np.ndarray] = []
    open_chains: list[np.ndarray] = []
    used = [False] * len(pieces)
    starts = np.array([p[0] for p in pieces]) if pieces else np.zeros((0, 2))
    ends = np.array([p[-1] for p in pieces]) if pieces else np.zeros((0, 2))
    for first in range(len(pieces)):
        if used[first]:
            continue
        used[first] = True
        chain = [pieces[first]]
        while not _meets(chain[-1][-1], chain[0][0]):
            tip = chain[-1][-1]
            free = ~np.array(used)
            forward = free & (np.linalg.norm(starts - tip, axis=1) <= JOIN_TOLERANCE_MM)
            backward = free & (np.linalg.norm(ends - tip, axis=1) <= JOIN_TOLERANCE_MM)
            if forward.any():
                index = int(np.argmax(forward))
                chain.append(pieces[index][1:])
            elif backward.any():
                index = int(np.argmax(backward))
                chain.append(pieces[index][::-1][1:])
            else:
                break
            used[index] = True
        ring = np.vstack(chain)
        if _meets(ring[-1], ring[0]) and len(ring) >= 4:
            closed.append(ring[:-1])
        else:
            open_chains.append(ring)
    return closed, open_chains


def require_closed(open_chains: Sequence[np.ndarray], what: str) -> None:
    """Refuse a drawing whose cut lines do not close: a router or laser cannot guess where the gap goes."""
    if not open_chains:
        return
    gaps = "; ".join(
        f"from ({c[0][0]:.3f}, {c[0][1]:.3f}) to ({c[-1][0]:.3f}, {c[-1][1]:.3f})" for c in open_chains[:3]
    )
    more = f" and {len(open_chains) - 3} more" if len(open_chains) > 3 else ""
    raise SlicingError(
        f"{what}: {len(open_chains)} cut contour(s) do not close ({gaps}{more}) mm: join the ends in the "
        "drawing, or put lines that are meant to stay open on an engrave layer"
    )


def _meets(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.linalg.norm(a - b) <= JOIN_TOLERANCE_MM)


def quarter_turned(points: np.ndarray, quarter_turns: int) -> np.ndarray:
    """(n, 2) points turned counter-clockwise about the origin by quarter_turns quarter turns: (x, y) becomes
    (-y, x) each time, exactly (fixed-point rings stay on their grid)."""
    points = np.asarray(points)
    for _ in range(quarter_turns % 4):
        points = np.column_stack([-points[:, 1], points[:, 0]])
    return points


def pieces(part: FlatPart) -> list[FlatPart]:
    """The separate pieces of a part (a stool's seat, legs and rail drawn side by side) as parts of their own,
    so that each can be nested where it fits: in order of their lowest, then leftmost point, each with the
    pockets and fills inside it and the engravings and tab points nearest to it. A one-piece part is itself."""
    islands = islands_in_order(part.outline)
    if len(islands) <= 1:
        return [part]
    outers = [shapely.Polygon(polygons.to_mm(island[:1])[0]) for island in islands]

    def nearest(point: Sequence[float]) -> int:
        return int(np.argmin(shapely.distance(outers, shapely.Point(point))))

    engraving_owners = [nearest(line[0]) for line in part.engravings]
    tab_owners = [nearest(point) for point in part.tab_points]
    result = []
    for index, island in enumerate(islands):
        outer = island[:1]
        pockets = tuple((depth, inside) for depth, region in part.pockets
                        if (inside := polygons.intersection(region, outer)))
        result.append(replace(
            part, outline=island, pockets=pockets, fills=polygons.intersection(part.fills, outer),
            engravings=tuple(line for line, owner in zip(part.engravings, engraving_owners, strict=True)
                             if owner == index),
            tab_points=tuple(point for point, owner in zip(part.tab_points, tab_owners, strict=True)
                             if owner == index)))
    return result


def islands_in_order(outline: Paths) -> list[Paths]:
    """The outline's separate pieces (each an outer ring and its holes) in order of their lowest, then leftmost
    point: the order pieces are lettered in."""
    return sorted(polygons.islands(outline), key=lambda island: (int(island[0][:, 1].min()),
                                                                 int(island[0][:, 0].min())))


def merge_parts(name: str, parts: Sequence[FlatPart]) -> FlatPart:
    """Parts laid out on one sheet (they must not overlap) as one part of the sheet's thickness."""
    thickness = {part.thickness_mm for part in parts}
    if len(thickness) != 1:
        raise SlicingError(f"{name}: parts of different thickness ({', '.join(f'{t:g}' for t in sorted(thickness))} "
                           "mm) cannot share a sheet")
    depths = sorted({depth for part in parts for depth, _ in part.pockets})
    pockets = tuple((depth, polygons.union([ring for part in parts for d, region in part.pockets if d == depth
                                            for ring in region])) for depth in depths)
    return FlatPart(
        name=name,
        outline=polygons.union([ring for part in parts for ring in part.outline]),
        thickness_mm=thickness.pop(),
        pockets=pockets,
        engravings=tuple(line for part in parts for line in part.engravings),
        engrave_depth_mm=max((part.engrave_depth_mm for part in parts), default=0.0),
        fills=polygons.union([ring for part in parts for ring in part.fills]),
        tab_points=tuple(point for part in parts for point in part.tab_points),
    )
