"""Proof before cutting, read off the simulated stock: no column inside the finished part is cut below its
target depth (a gouge), and every through-cut part is cut free all round except at its tabs.

Cells are judged by their centres, with a margin of GEOMETRY_SLACK_MM at every boundary: the round corners
of offset paths are chords that stray a few µm, which is not a gouge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage

from slicing.cnc.flat import FlatPart
from slicing.cnc.simulate import Stock
from slicing.cnc.toolpath import Tab
from slicing.errors import SlicingError
from slicing.fdm import polygons
from slicing.fdm.polygons import Paths

GEOMETRY_SLACK_MM = 0.02
DEPTH_TOLERANCE_MM = 0.01


class GougeError(SlicingError):
    """The simulated program cuts into the finished part: it must not be exported."""


@dataclass(frozen=True)
class StockFinding:
    """rule: "gouge", "not-cut-free" or "no-tabs"; where: (x, y) in mm; value_mm: how deep it is cut below
    its target (gouge) or how much stock stands (not cut free)."""

    rule: str
    message: str
    where: tuple[float, float]
    value_mm: float


def target_heights(part: FlatPart, x: np.ndarray, y: np.ndarray, engrave_width_mm: float = 0.0) -> np.ndarray:
    """The lowest the stock may be cut at points (x, y): 0 inside the part, a pocket's floor inside it, an
    engraving's depth along it, -inf where the stock is waste."""
    target = np.full(x.shape, -np.inf)
    target[_contains(_shapes(polygons.offset(part.outline, -GEOMETRY_SLACK_MM)), x, y)] = 0.0
    for depth, region in part.pockets:
        target[_contains(_shapes(polygons.offset(region, GEOMETRY_SLACK_MM)), x, y)] = -depth
    if part.engravings and engrave_width_mm > 0:
        band = shapely.MultiLineString(list(part.engravings)).buffer(engrave_width_mm / 2 + GEOMETRY_SLACK_MM)
        target[_contains(band, x, y) & (target == 0.0)] = -part.engrave_depth_mm
    return target


def gouges(stock: Stock, part: FlatPart, engrave_width_mm: float = 0.0) -> list[StockFinding]:
    """Columns cut deeper than their target, worst first (at most the 10 worst). Only columns the tool
    lowered at all are judged: the others cannot be gouged."""
    rows, columns = np.nonzero(stock.heights < -DEPTH_TOLERANCE_MM)
    x = stock.origin_mm[0] + (columns + 0.5) * stock.resolution_mm
    y = stock.origin_mm[1] + (rows + 0.5) * stock.resolution_mm
    below = target_heights(part, x, y, engrave_width_mm) - stock.heights[rows, columns]
    worst = np.flatnonzero(below > DEPTH_TOLERANCE_MM)
    worst = worst[np.argsort(-below[worst], kind="stable")[:10]]
    return [
        StockFinding("gouge", f"{part.name}: the tool cuts {below[i]:.3f} mm into the part at "
                     f"({x[i]:.2f}, {y[i]:.2f}) mm", (float(x[i]), float(y[i])), float(below[i]))
        for i in worst
    ]


def refuse_gouges(stock: Stock, part: FlatPart, engrave_width_mm: float = 0.0) -> None:
    """Raise GougeError naming the worst gouge, if there is one."""
    found = gouges(stock, part, engrave_width_mm)
    if found:
        raise GougeError(f"{found[0].message} ({len(found)} or more places): the program is not written; "
                         "check the profile side, the tool and the dogbone settings")


def cut_free_findings(stock: Stock, part: FlatPart, tabs: Sequence[Tab], tool_radius_mm: float) -> list[StockFinding]:
    """Check that each through-cut piece is joined to the rest of the sheet by its tabs and by nothing else.

    Uncut columns that touch (sides, not corners) form connected pieces of stock. With the tabs cut away, no
    piece of the part may still join the stock's border (the sheet); with them, a piece that asked for tabs
    must (else it comes loose while it is cut). Corners the tool cannot reach stay on the part, and count
    as part, not as a bridge.
    """
    uncut = stock.heights > -stock.thickness_mm + DEPTH_TOLERANCE_MM
    in_tabs = np.zeros(uncut.shape, dtype=bool)
    for tab in tabs:
        _mark(in_tabs, stock, shapely.LineString(tab.centre_xy).buffer(tool_radius_mm + stock.resolution_mm))
    without_tabs = _sheet_joined(uncut & ~in_tabs)
    with_tabs = _sheet_joined(uncut)
    findings = []
    for piece in polygons.islands(part.outline):
        shape = _shapes(piece)
        where = (round(shape.centroid.x, 3), round(shape.centroid.y, 3))
        cell = _part_cell(stock, shape, uncut)
        if cell is None:
            continue  # nothing of the piece stands: the gouge check reports that
        if without_tabs[cell]:
            findings.append(StockFinding("not-cut-free", f"{part.name}: the piece at ({where[0]:.1f}, {where[1]:.1f}) "
                                         "mm is still joined to the sheet outside its tabs: cut deeper", where, 0.0))
        elif tabs and not with_tabs[cell]:
            findings.append(StockFinding("no-tabs", f"{part.name}: no tab holds the piece at ({where[0]:.1f}, "
                                         f"{where[1]:.1f}) mm: it will come loose while it is cut", where, 0.0))
    return findings


def _part_cell(stock: Stock, shape: shapely.Geometry, uncut: np.ndarray) -> tuple[int, int] | None:
    """An uncut cell inside a piece: the piece stands as one connected column of stock, so one cell tells
    which piece of stock it belongs to. Tries a point well inside first, then every cell of the piece."""
    inner = shape.buffer(-2.0 * stock.resolution_mm)
    if not inner.is_empty:
        point = inner.point_on_surface()
        row = int(np.floor((point.y - stock.origin_mm[1]) / stock.resolution_mm))
        column = int(np.floor((point.x - stock.origin_mm[0]) / stock.resolution_mm))
        if 0 <= row < uncut.shape[0] and 0 <= column < uncut.shape[1] and uncut[row, column]:
            return row, column
    inside = np.zeros(uncut.shape, dtype=bool)
    _mark(inside, stock, shape.buffer(-GEOMETRY_SLACK_MM))
    cells = np.argwhere(inside & uncut)
    return (int(cells[0][0]), int(cells[0][1])) if len(cells) else None


def _sheet_joined(uncut: np.ndarray) -> np.ndarray:
    """Uncut cells joined, side to side, to an uncut cell on the stock's border."""
    labels, _ = ndimage.label(uncut)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return np.isin(labels, border[border > 0])


def _shapes(region: Paths) -> shapely.Geometry:
    """A polygon set (fixed-point units) as one shapely geometry, holes and islands kept."""
    shapes = []
    for piece in polygons.islands(region):
        outer, *holes = polygons.to_mm(piece)
        shapes.append(shapely.Polygon(outer, holes))
    return shapely.MultiPolygon(shapes) if len(shapes) != 1 else shapes[0]


def _contains(geometry: shapely.Geometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if geometry.is_empty or not len(x):
        return np.zeros(x.shape, dtype=bool)
    shapely.prepare(geometry)
    return shapely.contains_xy(geometry, x, y)


def _mark(mask: np.ndarray, stock: Stock, geometry: shapely.Geometry) -> None:
    """Set the cells of the mask (shaped like the stock) whose centres lie in the geometry."""
    if geometry.is_empty:
        return
    xmin, ymin, xmax, ymax = geometry.bounds
    res = stock.resolution_mm
    rows, columns = stock.heights.shape
    c0 = max(int(np.floor((xmin - stock.origin_mm[0]) / res)), 0)
    c1 = min(int(np.ceil((xmax - stock.origin_mm[0]) / res)) + 1, columns)
    r0 = max(int(np.floor((ymin - stock.origin_mm[1]) / res)), 0)
    r1 = min(int(np.ceil((ymax - stock.origin_mm[1]) / res)) + 1, rows)
    if c0 >= c1 or r0 >= r1:
        return
    xs = stock.origin_mm[0] + (np.arange(c0, c1) + 0.5) * res
    ys = stock.origin_mm[1] + (np.arange(r0, r1) + 0.5) * res
    gx, gy = np.meshgrid(xs, ys)
    mask[r0:r1, c0:c1] |= _contains(geometry, gx, gy)
