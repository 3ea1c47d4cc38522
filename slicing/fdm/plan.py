"""Planning: the print order, speed, width and retraction of everything a layer extrudes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import shapely

from slicing.fdm.features import (
    BRIDGE_INFILL,
    EXTERNAL_PERIMETER,
    GAP_FILL,
    INTERNAL_INFILL,
    OVERHANG_PERIMETER,
    PERIMETER,
    SKIRT,
    SOLID_INFILL,
    SUPPORT_MATERIAL,
    SUPPORT_MATERIAL_INTERFACE,
    TOP_SOLID_INFILL,
)
from slicing.fdm.ordering import nearest_index, order_loops, order_polylines, polyline_order
from slicing.fdm.settings import FdmSettings
from slicing.fdm.travel import IslandRouter, Routing


@dataclass(frozen=True)
class IslandToolpaths:
    """What one island of a layer prints, not yet ordered.

    loops[k]: centre-line rings ((n, 2) mm) of the k-th perimeter, 0 being the external one;
    infill: (feature, polylines) pairs, in the order the features are printed; the polylines a list of
    (n, 2) arrays in mm or one (m, k, 2) array;
    gap_fill: (centre-line (n, 2) mm, width mm) pairs; inside: the region (shapely, mm) inside the
    innermost perimeter, where the head travels without crossing a wall (None: nowhere); walls: the island's
    outline, which routed travels keep inside (None: travels go straight).
    """

    loops: tuple[list[np.ndarray], ...]
    infill: tuple[tuple[str, list[np.ndarray] | np.ndarray], ...]
    gap_fill: tuple[tuple[np.ndarray, float], ...] = ()
    inside: shapely.Geometry | None = None
    walls: shapely.Geometry | None = None

    def anchor_points(self) -> np.ndarray:
        """Points the island can be entered at, as (n, 2) mm."""
        points = [ring for rings in self.loops for ring in rings]
        points += [np.reshape(line, (-1, 2)) for _, lines in self.infill for line in (
            [lines] if isinstance(lines, np.ndarray) else lines)]
        points += [line for line, _ in self.gap_fill]
        return np.concatenate(points) if points else np.zeros((0, 2))


@dataclass(frozen=True)
class ExtrusionPath:
    """One continuous extrusion: points (n, 2) in mm in print order, speed in mm/s, width in mm (None:
    the line width); retract: whether the travel that leads to it leaves its island or crosses a wall;
    travel: the corners ((k, 2) mm) of the route that travel takes from the previous path's end, the two
    ends left out (None: straight)."""

    feature: str
    points: np.ndarray
    speed: float
    width: float | None = None
    retract: bool = True
    travel: np.ndarray | None = None


@dataclass(frozen=True)
class LayerPlan:
    """Everything one layer prints, in order; top_z and height in mm; fan in percent (None: unchanged)."""

    top_z: float
    height: float
    paths: tuple[ExtrusionPath, ...]
    fan: float | None = None
    seam: np.ndarray | None = field(default=None, compare=False)


def feature_speeds(settings: FdmSettings, *, first_layer: bool) -> dict[str, float]:
    """Extrusion speed of every feature in mm/s; the first layer is capped at first_layer_speed."""
    bridge = float(settings.bridge_speed)
    speeds = {
        EXTERNAL_PERIMETER: settings.external_perimeter_speed,
        OVERHANG_PERIMETER: min(bridge, settings.external_perimeter_speed),
        PERIMETER: settings.perimeter_speed,
        SOLID_INFILL: settings.solid_infill_speed,
        TOP_SOLID_INFILL: settings.solid_infill_speed,
        BRIDGE_INFILL: bridge,
        INTERNAL_INFILL: settings.infill_speed,
        GAP_FILL: float(settings.gap_fill_speed),
        SKIRT: settings.perimeter_speed,
        SUPPORT_MATERIAL: float(settings.support_material_speed),
        SUPPORT_MATERIAL_INTERFACE: float(settings.support_material_speed),
    }
    if first_layer:
        return {feature: min(speed, settings.first_layer_speed) for feature, speed in speeds.items()}
    return speeds


def plan_layer(
    islands: Sequence[IslandToolpaths],
    skirt: Sequence[np.ndarray],
    *,
    top_z: float,
    height: float,
    speeds: dict[str, float],
    start: np.ndarray,
    support: Sequence[np.ndarray] | np.ndarray = (),
    support_interface: Sequence[np.ndarray] | np.ndarray = (),
    overhang: shapely.Geometry | None = None,
    seam: str = "nearest",
    seam_hint: np.ndarray | None = None,
    retract_min_travel: float = 0.0,
    widths: Mapping[str, float | None] | None = None,
    external_first: bool = False,
    routing: Routing | None = None,
) -> tuple[LayerPlan, np.ndarray]:
    """Order a layer's extrusions starting from the head position start (2,); returns the plan and the
    position the layer ends at.

    The skirt (and brim) comes first, outermost loop first, then the support lines and the support's
    interface lines on top of them. Then island after
    island, nearest first: its perimeters from the innermost out, gap fill, then its infill. The external
    perimeter goes last of the loops so it is laid against the inner loops already there; external_first
    turns the loops' order round (outermost first). Stretches of the external perimeter that hang over air
    (in `overhang`, the part of the layer further than half a line beyond the layer underneath) are
    "Overhang perimeter" at bridge speed. widths: each feature's width in mm (None or absent: the line
    width; gap fill lines keep their own).

    A travel is retracted only when it is longer than retract_min_travel and leaves the region inside the
    island's innermost perimeter (or goes to another island, the skirt or support): travels between infill
    lines of one island cross no wall and ooze nothing visible. With routing, a travel inside an island that
    would cross its external perimeter goes round inside it instead, unretracted (see _route_travels).
    """
    widths = widths or {}
    paths: list[ExtrusionPath] = []
    owner: list[int] = []  # island index of each path, -1 for skirt and support
    position = np.asarray(start, dtype=np.float64)

    for ring in skirt:
        (loop,) = order_loops([ring], position)
        paths.append(ExtrusionPath(SKIRT, loop, speeds[SKIRT], widths.get(SKIRT)))
        owner.append(-1)
        position = loop[-1]
    for feature, lines in ((SUPPORT_MATERIAL, support), (SUPPORT_MATERIAL_INTERFACE, support_interface)):
        for line in order_polylines(lines, position):
            paths.append(ExtrusionPath(feature, line, speeds[feature], widths.get(feature)))
            owner.append(-1)
            position = line[-1]

    layer_seam = None
    remaining = [(index, island, island.anchor_points()) for index, island in enumerate(islands)]
    remaining = [entry for entry in remaining if len(entry[2])]
    while remaining:
        index, island, _ = remaining.pop(nearest_index([anchors for *_, anchors in remaining], position))
        depths = range(len(island.loops))
        for depth in depths if external_first else reversed(depths):
            for loop in order_loops(island.loops[depth], position, seam=seam, hint=seam_hint):
                if depth == 0:
                    layer_seam = loop[0] if layer_seam is None else layer_seam
                    pieces = _split_overhangs(loop, overhang)
                else:
                    pieces = [(PERIMETER, loop)]
                for feature, points in pieces:
                    paths.append(ExtrusionPath(feature, points, speeds[feature], widths.get(feature)))
                    owner.append(index)
                position = loop[-1]
        for gap, flip in polyline_order([line for line, _ in island.gap_fill], position):
            line, width = island.gap_fill[gap]
            line = line[::-1] if flip else line
            paths.append(ExtrusionPath(GAP_FILL, line, speeds[GAP_FILL], width=width))
            owner.append(index)
            position = line[-1]
        for feature, lines in island.infill:
            for line in order_polylines(lines, position):
                paths.append(ExtrusionPath(feature, line, speeds[feature], widths.get(feature)))
                owner.append(index)
                position = line[-1]

    paths = _mark_retractions(paths, owner, islands, start, retract_min_travel, routing)
    return LayerPlan(top_z=top_z, height=height, paths=tuple(paths), seam=layer_seam), position


def _split_overhangs(loop: np.ndarray, overhang: shapely.Geometry | None) -> list[tuple[str, np.ndarray]]:
    """The external loop as runs of "External perimeter" and "Overhang perimeter" (edges whose middle
    lies in `overhang`)."""
    if overhang is None or len(loop) < 3:
        return [(EXTERNAL_PERIMETER, loop)]
    middle = (loop[1:] + loop[:-1]) / 2.0
    over = shapely.contains_xy(overhang, middle[:, 0], middle[:, 1])
    if not over.any():
        return [(EXTERNAL_PERIMETER, loop)]
    if over.all():
        return [(OVERHANG_PERIMETER, loop)]
    cuts = np.flatnonzero(np.diff(over.astype(np.int8))) + 1
    runs = []
    for first, last in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(over)]]), strict=True):
        feature = OVERHANG_PERIMETER if over[first] else EXTERNAL_PERIMETER
        runs.append((feature, loop[first : last + 1]))
    return runs


def _mark_retractions(
    paths: list[ExtrusionPath],
    owner: list[int],
    islands: Sequence[IslandToolpaths],
    start: np.ndarray,
    min_travel: float,
    routing: Routing | None,
) -> list[ExtrusionPath]:
    if not paths:
        return paths
    starts = np.array([path.points[0] for path in paths])
    previous_ends = np.array([path.points[-1] for path in paths[:-1]], dtype=np.float64).reshape(-1, 2)
    ends = np.concatenate([np.asarray(start, dtype=np.float64)[None], previous_ends])
    length = np.hypot(*(starts - ends).T)
    retract = length > min_travel
    retract[0] = True  # the first travel of a layer comes from the layer below
    owners = np.asarray(owner)
    same = np.zeros(len(paths), dtype=bool)
    same[1:] = (owners[1:] == owners[:-1]) & (owners[1:] >= 0)
    for index in np.unique(owners[1:][same[1:] & retract[1:]]):
        inside = islands[int(index)].inside
        if inside is None:
            continue
        rows = np.flatnonzero(same & retract & (owners == index))
        travels = shapely.linestrings(np.stack([ends[rows], starts[rows]], axis=1))
        retract[rows[shapely.covers(inside, travels)]] = False
    routes = {} if routing is None else _route_travels(ends, starts, same & retract, owners, islands, routing)
    for row in routes:
        retract[row] = False
    return [
        path if path.retract == flag and row not in routes else replace(path, retract=flag, travel=routes.get(row))
        for row, (path, flag) in enumerate(zip(paths, retract.tolist(), strict=True))
    ]


def _route_travels(
    ends: np.ndarray,
    starts: np.ndarray,
    candidates: np.ndarray,
    owners: np.ndarray,
    islands: Sequence[IslandToolpaths],
    routing: Routing,
) -> dict[int, np.ndarray | None]:
    """For the candidate travels (rows of paths, each from ends[row] to starts[row] within one island),
    the route of each that can stay inside its island's outline (walls) without a retraction: None where
    the straight line already does, the corners of the shortest way round inside it otherwise. Travels
    without such a route (none inside, or longer than the detour allows) are left out: they go straight,
    retracted."""
    routers: dict[int, IslandRouter] = {}
    routes: dict[int, np.ndarray | None] = {}
    for row in np.flatnonzero(candidates).tolist():
        index = int(owners[row])
        walls = islands[index].walls
        if walls is None:
            continue
        if index not in routers:
            routers[index] = IslandRouter(walls, routing.margin)
        router = routers[index]
        if router.stays_inside(ends[row], starts[row]):
            routes[row] = None
            continue
        route = router.route(ends[row], starts[row], routing.max_detour)
        if route is not None:
            routes[row] = route
    return routes
