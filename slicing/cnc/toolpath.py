"""Toolpaths: what one operation cuts with one tool, as 3D polylines between retracts.

Z is 0 at the top of the stock and negative into it. Each pass is cut continuously; between passes the tool
retracts to the safe height and moves there rapidly. A segment that goes straight down is fed at the plunge
feed, every other at the cutting feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from slicing.cnc.tooling import CuttingData, Tool
from slicing.fdm import polygons
from slicing.fdm.polygons import Paths

# Mesh sections zigzag by a few µm along curves; a tool following that steps backwards and the machine
# stutters. Outlines are simplified this far (well under the simulation's cell) before they are offset.
OUTLINE_TOLERANCE_MM = 0.01


@dataclass(frozen=True)
class Tab:
    """A bridge left standing in a through cut: centre_xy, the (n, 2) stretch of the tool centre's path (mm)
    over which the tool rises to top_z_mm."""

    centre_xy: np.ndarray
    top_z_mm: float


@dataclass(frozen=True)
class Toolpath:
    """One operation. kind: "profile", "pocket", "drill" or "engrave". passes: (n, 3) polylines in mm.
    holes: for drilling, the (x, y) of each hole and depth_mm its depth, peck_mm the peck (0: none) (a
    post-processor with canned cycles writes them as such). tabs: the bridges a through profile leaves."""

    name: str
    kind: str
    tool: Tool
    cutting: CuttingData
    passes: tuple[np.ndarray, ...]
    depth_mm: float
    holes: tuple[tuple[float, float], ...] = ()
    peck_mm: float = 0.0
    tabs: tuple[Tab, ...] = field(default=())

    def cut_length_mm(self) -> float:
        return float(sum(np.linalg.norm(np.diff(p, axis=0), axis=1).sum() for p in self.passes))


def closed(ring: np.ndarray) -> np.ndarray:
    """A ring ((n, k) points) with its first point repeated at the end."""
    return np.vstack([ring, ring[:1]])


def pass_depths(depth_mm: float, step_down_mm: float) -> np.ndarray:
    """Equal steps down to depth_mm, none deeper than step_down_mm, as negative Z values."""
    count = max(1, int(np.ceil(depth_mm / step_down_mm - 1e-9)))
    return -np.linspace(depth_mm / count, depth_mm, count)


def smoothed(region: Paths) -> Paths:
    """The region without the µm zigzags of tessellation, every edge within OUTLINE_TOLERANCE_MM of where it was."""
    return polygons.simplify(region, OUTLINE_TOLERANCE_MM)
