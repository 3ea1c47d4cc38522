"""Tools, materials and machines as the CNC planner reads them (by value), and feeds from chip load.

Feeds follow the tool makers' rule: feed (mm/min) = spindle rpm x flutes x chip load (mm per tooth), with the
chip load looked up by tool diameter in the material's table (linear between entries, clamped at the ends).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from slicing.errors import SlicingError

TOOL_KINDS = ("flat", "ball", "vbit")
MACHINE_KINDS = ("router", "laser")
POST_PROCESSORS = ("grbl", "linuxcnc")


@dataclass(frozen=True)
class Tool:
    """An end mill. Lengths in mm; tip_angle_deg is the included angle of a V-bit (0 for other kinds)."""

    id: str
    name: str
    kind: str
    diameter_mm: float
    flutes: int
    flute_length_mm: float
    centre_cutting: bool = True
    tip_angle_deg: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in TOOL_KINDS:
            raise SlicingError(f"tool {self.id}: kind {self.kind!r} is not one of {', '.join(TOOL_KINDS)}")
        if not (self.diameter_mm > 0 and self.flute_length_mm > 0 and self.flutes >= 1):
            raise SlicingError(f"tool {self.id}: diameter, flute length and flutes must be above zero")
        if self.kind == "vbit" and not 0.0 < self.tip_angle_deg < 180.0:
            raise SlicingError(f"tool {self.id}: a V-bit needs tip_angle_deg between 0 and 180")

    @property
    def radius_mm(self) -> float:
        return self.diameter_mm / 2.0

    def depth_below_tip(self, distance_mm: np.ndarray) -> np.ndarray:
        """How far above its tip the tool's cutting surface is at each distance from its axis; inf beyond
        the tool. A flat end mill is 0 across its face, a ball rises as a sphere, a V-bit as a cone."""
        r = np.asarray(distance_mm, dtype=np.float64)
        radius = self.radius_mm
        if self.kind == "flat":
            height = np.zeros_like(r)
        elif self.kind == "ball":
            height = radius - np.sqrt(np.clip(radius**2 - r**2, 0.0, None))
        else:
            height = r / math.tan(math.radians(self.tip_angle_deg / 2.0))
        return np.where(r <= radius, height, np.inf)


@dataclass(frozen=True)
class CuttingMaterial:
    """How a stock material is cut: spindle speed, chip load per tool diameter, and pass sizes as shares of
    the tool diameter (step_down_ratio: depth of one pass; stepover_ratio: pocket stepover; plunge_ratio:
    plunge feed as a share of the cutting feed)."""

    id: str
    name: str
    spindle_rpm: float
    chip_load_mm: tuple[tuple[float, float], ...]
    step_down_ratio: float
    stepover_ratio: float
    plunge_ratio: float

    def __post_init__(self) -> None:
        if not self.chip_load_mm:
            raise SlicingError(f"material {self.id}: chip_load_mm needs at least one [diameter, chip load] pair")
        for name in ("spindle_rpm", "step_down_ratio", "stepover_ratio", "plunge_ratio"):
            if not getattr(self, name) > 0:
                raise SlicingError(f"material {self.id}: {name} must be above zero")
        if self.stepover_ratio >= 0.5:
            # Offset clearing leaves an uncut island in the middle of a pocket once the stepover reaches the
            # tool radius.
            raise SlicingError(f"material {self.id}: stepover_ratio must be under 0.5 of the tool diameter")

    def chip_load_for(self, diameter_mm: float) -> float:
        """Chip load in mm per tooth for a tool of this diameter."""
        table = sorted(self.chip_load_mm)
        return float(np.interp(diameter_mm, [d for d, _ in table], [c for _, c in table]))


@dataclass(frozen=True)
class CncMachine:
    """A router or laser. Per axis (X, Y, Z): travel_mm, max_rate_mm_min (GRBL $110-$112),
    acceleration_mm_s2 ($120-$122). spindle_rpm_range is (min, max) rpm for a router ($31, $30), or the S
    range of full laser power for a laser. corner_speed_mm_s: the speed the machine keeps through a sharp
    corner (the time estimate's stand-in for GRBL's junction deviation)."""

    id: str
    name: str
    kind: str
    post: str
    travel_mm: tuple[float, float, float]
    max_rate_mm_min: tuple[float, float, float]
    acceleration_mm_s2: tuple[float, float, float]
    spindle_rpm_range: tuple[float, float]
    spindle_dwell_s: float = 0.0
    safe_z_mm: float = 5.0
    corner_speed_mm_s: float = 2.0
    laser_settings: str = ""

    def __post_init__(self) -> None:
        if self.kind not in MACHINE_KINDS:
            raise SlicingError(f"machine {self.id}: kind {self.kind!r} is not one of {', '.join(MACHINE_KINDS)}")
        if self.post not in POST_PROCESSORS:
            raise SlicingError(f"machine {self.id}: post {self.post!r} is not one of {', '.join(POST_PROCESSORS)}")
        low, high = self.spindle_rpm_range
        if not 0.0 <= low < high:
            raise SlicingError(f"machine {self.id}: spindle_rpm_range must be [min, max] with min < max")


@dataclass(frozen=True)
class CuttingData:
    """Speeds and pass sizes for one tool in one material on one machine."""

    spindle_rpm: float
    feed_mm_min: float
    plunge_mm_min: float
    step_down_mm: float
    stepover_mm: float


def cutting_data(tool: Tool, material: CuttingMaterial, machine: CncMachine) -> CuttingData:
    """Feeds and pass sizes from chip load, kept within what the machine's spindle and axes can do."""
    low, high = machine.spindle_rpm_range
    rpm = min(max(material.spindle_rpm, low), high)
    feed = rpm * tool.flutes * material.chip_load_for(tool.diameter_mm)
    feed = min(feed, machine.max_rate_mm_min[0], machine.max_rate_mm_min[1])
    plunge = min(feed * material.plunge_ratio, machine.max_rate_mm_min[2])
    step_down = min(tool.diameter_mm * material.step_down_ratio, tool.flute_length_mm)
    return CuttingData(
        spindle_rpm=rpm,
        feed_mm_min=feed,
        plunge_mm_min=plunge,
        step_down_mm=step_down,
        stepover_mm=tool.diameter_mm * material.stepover_ratio,
    )
