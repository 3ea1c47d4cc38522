"""Flat test shapes in mm for the CNC and laser tests: rectangles, circles, and regions made of their rings
(even-odd, so a ring inside another is a hole)."""

from __future__ import annotations

import numpy as np

from slicing.fdm import polygons


def region(*rings) -> polygons.Paths:
    return polygons.union(polygons.to_units([np.asarray(ring, dtype=float) for ring in rings]), even_odd=True)


def rect(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def circle(cx: float, cy: float, r: float, n: int = 128) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([cx + r * np.cos(a), cy + r * np.sin(a)])
