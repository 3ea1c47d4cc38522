"""Travel routes that stay inside an island (avoid_crossing_perimeters).

A straight travel between two points of one island may leave it where the outline is concave, crossing the
external perimeter twice and dragging a string across the outside of the part. The shortest way that stays
inside a polygon bends only at its reflex corners (those that point into the free area), so a route is the
shortest path in the graph of those corners and the two ends, joined wherever they see each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

# Corners closer together than this (mm) are merged before the route graph is built: finer detail only
# slows the search down, and the route keeps this far from the walls anyway.
SIMPLIFY_TOLERANCE = 0.05
# Above this many corners, the region is simplified further: the graph grows with the square of them.
MAX_CORNERS = 200
# Slack (mm) for points lying on the region's boundary to count as inside it.
BOUNDARY_SLACK = 1e-3


@dataclass(frozen=True)
class Routing:
    """How travels inside an island are routed (avoid_crossing_perimeters): margin, how far (mm) inside the
    outline the routes turn their corners (the external perimeter's width keeps them off it); max_detour, how
    much longer (mm) than the straight line a route may be (0: any)."""

    margin: float
    max_detour: float = 0.0


class IslandRouter:
    """Routes between points of one island that never leave `region` (shapely, mm), its outline. Corners are
    taken `margin` mm inside it, so routes do not run along the external perimeter itself."""

    def __init__(self, region: shapely.Geometry, margin: float) -> None:
        self.region = region
        self.margin = margin
        self.allowed = region.buffer(BOUNDARY_SLACK)
        shapely.prepare(self.allowed)
        self._corners: np.ndarray | None = None
        self._graph = np.zeros((0, 0))

    def corner_graph(self) -> tuple[np.ndarray, np.ndarray]:
        """The reflex corners ((n, 2) mm) and the (n + 2, n + 2) matrix of the lengths between those that
        see each other (0: they do not), two rows and columns left free for a route's ends. Worked out on
        first use: most islands never need a route."""
        if self._corners is None:
            corners = _reflex_corners(self.region, self.margin)
            count = len(corners)
            first, second = np.triu_indices(count, 1)
            graph = np.zeros((count + 2, count + 2))
            if len(first):
                visible = self._visible(corners[first], corners[second])
                i, j = first[visible], second[visible]
                graph[i, j] = graph[j, i] = np.hypot(*(corners[i] - corners[j]).T)
            self._corners, self._graph = corners, graph
        return self._corners, self._graph

    def stays_inside(self, start: np.ndarray, end: np.ndarray) -> bool:
        """Whether the straight travel from start to end (2,) stays in the region."""
        return bool(self._visible(np.asarray(start)[None], np.asarray(end)[None])[0])

    def route(self, start: np.ndarray, end: np.ndarray, max_detour: float = 0.0) -> np.ndarray | None:
        """The corners ((k, 2) mm) of the shortest route from start to end (2,) inside the region, ends left
        out; None when there is none, or when it is more than max_detour mm (when above 0) longer than the
        straight line."""
        corners, graph = self.corner_graph()
        count = len(corners)
        if not count:
            return None
        graph = graph.copy()
        for row, point in ((count, start), (count + 1, end)):
            ends = np.repeat(np.asarray(point, dtype=np.float64)[None], count, axis=0)
            visible = self._visible(ends, corners)
            graph[row, :count] = graph[:count, row] = np.where(visible, np.hypot(*(corners - ends).T), 0.0)
        # Imported here: scipy costs 0.3 s to import, which only slices that route travels should pay.
        from scipy.sparse.csgraph import dijkstra

        distances, previous = dijkstra(graph, indices=count, return_predecessors=True)
        length = float(distances[count + 1])
        direct = float(np.hypot(*(np.asarray(end) - np.asarray(start))))
        if not np.isfinite(length) or (max_detour > 0.0 and length - direct > max_detour):
            return None
        path = []
        node = int(previous[count + 1])
        while node != count:
            path.append(node)
            node = int(previous[node])
        return corners[path[::-1]]

    def _visible(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        segments = shapely.linestrings(np.stack([starts, ends], axis=1))
        return shapely.covers(self.allowed, segments)


def _reflex_corners(region: shapely.Geometry, margin: float) -> np.ndarray:
    """The corners ((n, 2) mm) of the region shrunk by margin where a shortest path may bend: those where its
    boundary turns away from the inside. Sorted, so the graph does not depend on how shapely orders rings."""
    inner = region.buffer(-margin, join_style="mitre") if margin > 0.0 else region
    if inner.is_empty:
        inner = region
    tolerance = SIMPLIFY_TOLERANCE
    corners = _turning_away(inner.simplify(tolerance))
    while len(corners) > MAX_CORNERS:
        tolerance *= 2.0
        corners = _turning_away(inner.simplify(tolerance))
    return corners[np.lexsort((corners[:, 1], corners[:, 0]))] if len(corners) else np.zeros((0, 2))


def _turning_away(geometry: shapely.Geometry) -> np.ndarray:
    points = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if not isinstance(polygon, shapely.Polygon) or polygon.is_empty:
            continue
        # Exterior counter-clockwise, holes clockwise: the inside is on the left of every ring, and a corner
        # where the ring turns right points into the inside.
        oriented = shapely.orient_polygons(polygon)
        for ring in (oriented.exterior, *oriented.interiors):
            xy = np.asarray(ring.coords)[:-1]
            before, after = xy - np.roll(xy, 1, axis=0), np.roll(xy, -1, axis=0) - xy
            turn = before[:, 0] * after[:, 1] - before[:, 1] * after[:, 0]
            points.append(xy[turn < 0.0])
    return np.concatenate(points) if points else np.zeros((0, 2))
