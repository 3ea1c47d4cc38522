"""Laser jobs by layer: fill (raster of areas), engrave (along lines), then cut, so that nothing moves
before it is marked.

Cuts are kerf-compensated: the beam burns away half its kerf on each side of the line it follows, so the
line runs half a kerf outside every outline and inside every hole (sharp corners stay sharp, as boxes.py
draws them), and the part comes out at its drawn size. A contour is cut only after every contour inside it
(a hole before the outline round it, a small part in a hole before the hole), and among the contours ready
to cut the nearest is taken, entered at its nearest point, to keep travel short.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from slicing.cnc.flat import FlatPart
from slicing.cnc.line_order import nearest_order
from slicing.errors import SlicingError
from slicing.fdm import polygons
from slicing.laser.settings import LaserSetting


@dataclass(frozen=True)
class LaserLayer:
    """One layer: its operation and setting, and its paths in the order they run, (n, 2) mm each (closed
    paths repeat their first point). A fill layer's paths are raster lines; overscan_mm of each end is run
    with the laser off so the head is at speed where the burn starts and ends."""

    operation: str
    setting: LaserSetting
    paths: tuple[np.ndarray, ...]
    overscan_mm: float = 0.0


def plan_laser(part: FlatPart, *, cut: LaserSetting | None = None, engrave: LaserSetting | None = None,
               fill: LaserSetting | None = None, overscan_mm: float = 2.0) -> list[LaserLayer]:
    """The layers of a part that have something to do, fill first, cut last. A laser cannot cut to a depth,
    so pockets are filled (engraved as areas) with the fill areas."""
    layers = []
    here = np.zeros(2)
    areas = fill_areas(part)
    if areas and fill is not None:
        layers.append(LaserLayer("fill", fill, raster_lines(areas, fill.line_interval_mm), overscan_mm))
    if part.engravings and engrave is not None:
        lines = nearest_order(part.engravings, here)
        layers.append(LaserLayer("engrave", engrave, tuple(lines)))
    if part.outline and cut is not None:
        rings = [np.vstack([r, r[:1]]) for r in polygons.to_mm(kerf_compensated(part.outline, cut.kerf_mm))]
        layers.append(LaserLayer("cut", cut, tuple(inner_first(rings, here))))
    if not layers:
        raise SlicingError(f"{part.name}: nothing to do: the part has no outline, engraving or fill for the "
                           "settings given")
    return layers


def fill_areas(part: FlatPart) -> polygons.Paths:
    """What a laser fills: the drawn fill areas and every pocket."""
    return polygons.union(list(part.fills) + [ring for _, region in part.pockets for ring in region])


def kerf_compensated(region: polygons.Paths, kerf_mm: float) -> polygons.Paths:
    """The line the beam follows: outlines grown and holes shrunk by half the kerf, corners kept sharp."""
    return polygons.union(polygons.offset(region, kerf_mm / 2.0)) if kerf_mm > 0 else list(region)


def inner_first(rings: list[np.ndarray], start: np.ndarray) -> list[np.ndarray]:
    """Closed rings ordered so each is cut after every ring inside it, nearest first, each rotated to start
    at its vertex nearest to where the last one ended."""
    shapes = [shapely.Polygon(ring) for ring in rings]
    inside = [{j for j, other in enumerate(shapes) if j != i and shape.contains(shapely.Point(rings[j][0]))}
              for i, shape in enumerate(shapes)]
    done: set[int] = set()
    ordered = []
    here = start
    while len(done) < len(rings):
        ready = [i for i in range(len(rings)) if i not in done and inside[i] <= done]
        distances = [float(np.min(np.linalg.norm(rings[i][:-1] - here, axis=1))) for i in ready]
        chosen = ready[int(np.argmin(distances))]
        ring = rings[chosen][:-1]
        nearest = int(np.argmin(np.linalg.norm(ring - here, axis=1)))
        ring = np.roll(ring, -nearest, axis=0)
        ordered.append(np.vstack([ring, ring[:1]]))
        here = ring[0]
        done.add(chosen)
    return ordered


def raster_lines(region: polygons.Paths, interval_mm: float) -> tuple[np.ndarray, ...]:
    """Horizontal lines across a region, interval_mm apart, alternately left-to-right and right-to-left."""
    shapes = []
    for piece in polygons.islands(region):
        outer, *holes = polygons.to_mm(piece)
        shapes.append(shapely.Polygon(outer, holes))
    # Rings that touch at a point make a polygon GEOS calls invalid; make_valid keeps the same area.
    area = shapely.make_valid(shapely.MultiPolygon(shapes))
    xmin, ymin, xmax, ymax = area.bounds
    lines = []
    for index, y in enumerate(np.arange(ymin + interval_mm / 2.0, ymax, interval_mm)):
        crossing = area.intersection(shapely.LineString([(xmin - 1.0, y), (xmax + 1.0, y)]))
        spans = sorted((min(s.coords[0][0], s.coords[-1][0]), max(s.coords[0][0], s.coords[-1][0]))
                       for s in shapely.get_parts(crossing) if s.length > 0)
        if index % 2:
            spans = [(b, a) for a, b in reversed(spans)]
        lines += [np.array([[a, y], [b, y]]) for a, b in spans]
    return tuple(lines)
