"""Stock-removal simulation on a height map: the stock as a grid of columns, each as high as the material
left at its centre, cut down by the tool's shape (flat, ball or V) swept along every cutting move.

Z is 0 at the stock top and -thickness at its bottom; a column cut through reads -thickness. The sweep
samples each move at most one cell apart and lowers every column within the tool's radius of each sample
to the tool's surface there (numpy, in chunks, so memory stays bounded).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from slicing.cnc.tooling import Tool
from slicing.cnc.toolpath import Toolpath
from slicing.errors import SliceCancelled, SlicingError

# Samples × kernel cells handled per numpy step: bounds the memory of one step to a few hundred MB.
_CHUNK_CELLS = 4_000_000
MAX_CELLS = 60_000_000


@dataclass
class Stock:
    """A height map. origin_mm: (x, y) of the corner of cell [0, 0]; heights[row, column] in mm, row along Y."""

    origin_mm: tuple[float, float]
    resolution_mm: float
    thickness_mm: float
    heights: np.ndarray

    @classmethod
    def block(cls, bounds_mm: tuple[float, float, float, float], thickness_mm: float, resolution_mm: float) -> Stock:
        """Uncut stock covering (xmin, ymin, xmax, ymax)."""
        xmin, ymin, xmax, ymax = bounds_mm
        columns = int(np.ceil((xmax - xmin) / resolution_mm))
        rows = int(np.ceil((ymax - ymin) / resolution_mm))
        if rows * columns > MAX_CELLS:
            raise SlicingError(f"simulating {xmax - xmin:.0f} x {ymax - ymin:.0f} mm at {resolution_mm:g} mm "
                               f"needs {rows * columns:,} cells: use a coarser resolution")
        return cls((xmin, ymin), resolution_mm, thickness_mm, np.zeros((rows, columns)))

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """X and Y of every cell centre, each shaped like heights."""
        rows, columns = self.heights.shape
        x = self.origin_mm[0] + (np.arange(columns) + 0.5) * self.resolution_mm
        y = self.origin_mm[1] + (np.arange(rows) + 0.5) * self.resolution_mm
        return np.meshgrid(x, y)

    def removed_volume_mm3(self) -> float:
        return float(-np.sum(self.heights) * self.resolution_mm**2)


def simulate(stock: Stock, toolpaths: Sequence[Toolpath], cancel: Callable[[], bool] | None = None) -> Stock:
    """Cut every toolpath's passes from the stock (in place) and return it."""
    for toolpath in toolpaths:
        if cancel is not None and cancel():
            raise SliceCancelled("the simulation was cancelled")
        sweep(stock, toolpath.tool, toolpath.passes, cancel)
    return stock


def sweep(stock: Stock, tool: Tool, passes: Sequence[np.ndarray], cancel: Callable[[], bool] | None = None) -> None:
    """Lower the stock along continuous polylines ((n, 3) mm) of tool-tip positions of one tool."""
    if not passes:
        return
    samples = np.vstack([_samples(points, stock.resolution_mm) for points in passes])
    samples = _deepest_per_position(samples[samples[:, 2] < 0.0])
    if not len(samples):
        return
    res = stock.resolution_mm
    reach = int(np.ceil(tool.radius_mm / res)) + 1
    offsets = np.arange(-reach, reach + 1)
    kernel_x, kernel_y = (grid.ravel() for grid in np.meshgrid(offsets, offsets))
    rows, columns = stock.heights.shape
    flat = stock.heights.reshape(-1)
    per_chunk = max(1, _CHUNK_CELLS // len(kernel_x))
    for begin in range(0, len(samples), per_chunk):
        if cancel is not None and cancel():
            raise SliceCancelled("the simulation was cancelled")
        chunk = samples[begin:begin + per_chunk]
        column0 = np.floor((chunk[:, 0] - stock.origin_mm[0]) / res).astype(np.int64)
        row0 = np.floor((chunk[:, 1] - stock.origin_mm[1]) / res).astype(np.int64)
        column = column0[:, None] + kernel_x[None, :]
        row = row0[:, None] + kernel_y[None, :]
        dx = stock.origin_mm[0] + (column + 0.5) * res - chunk[:, :1]
        dy = stock.origin_mm[1] + (row + 0.5) * res - chunk[:, 1:2]
        surface = chunk[:, 2:3] + tool.depth_below_tip(np.hypot(dx, dy))
        keep = (surface < 0.0) & (column >= 0) & (column < columns) & (row >= 0) & (row < rows)
        np.minimum.at(flat, row[keep] * columns + column[keep], np.maximum(surface[keep], -stock.thickness_mm))


def _deepest_per_position(samples: np.ndarray) -> np.ndarray:
    """One sample per XY position, the deepest: step-down passes retrace the same XY, and the tool's surface
    at a column is lowest from the lowest tip there, so the shallower samples change nothing."""
    if not len(samples):
        return samples
    order = np.lexsort((samples[:, 2], samples[:, 1], samples[:, 0]))
    ordered = samples[order]
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = np.any(ordered[1:, :2] != ordered[:-1, :2], axis=1)
    return ordered[first]


def _samples(points: np.ndarray, spacing_mm: float) -> np.ndarray:
    """Points along a polyline no more than spacing_mm apart in XY (a straight plunge needs only its end)."""
    start, end = points[:-1], points[1:]
    length = np.linalg.norm(end[:, :2] - start[:, :2], axis=1)
    counts = np.maximum(np.ceil(length / spacing_mm).astype(np.int64), 1)
    owner = np.repeat(np.arange(len(counts)), counts)
    # t runs 1/count, 2/count, ..., 1 within each segment; the polyline's first point is added on its own.
    step = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    t = step / counts[owner]
    along = start[owner] + (end[owner] - start[owner]) * t[:, None]
    return np.vstack([points[:1], along])
