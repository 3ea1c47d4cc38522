"""Laser settings per material, thickness and operation, as the laser planner reads them (by value)."""

from __future__ import annotations

from dataclasses import dataclass

from slicing.errors import SlicingError

LASER_OPERATIONS = ("cut", "engrave", "fill")


@dataclass(frozen=True)
class LaserSetting:
    """One row of a laser's settings table.

    thickness_mm: sheet thickness the row is for (0 for engrave and fill, which do not depend on it);
    power_pct: share of full power; speed_mm_min: feed; kerf_mm: width of the burnt line; line_interval_mm:
    spacing of fill raster lines; air_assist: switch the air on (M8) while this layer runs.
    """

    material: str
    thickness_mm: float
    operation: str
    power_pct: float
    speed_mm_min: float
    passes: int = 1
    kerf_mm: float = 0.0
    line_interval_mm: float = 0.1
    air_assist: bool = False

    def __post_init__(self) -> None:
        if self.operation not in LASER_OPERATIONS:
            raise SlicingError(f"laser operation {self.operation!r} is not one of {', '.join(LASER_OPERATIONS)}")
        if not 0.0 < self.power_pct <= 100.0:
            raise SlicingError(f"laser power {self.power_pct} % must be above 0 and at most 100")
        if not (self.speed_mm_min > 0 and self.passes >= 1 and self.kerf_mm >= 0 and self.line_interval_mm > 0):
            raise SlicingError("laser speed, passes and line interval must be above zero, kerf zero or more")


@dataclass(frozen=True)
class LaserSettings:
    """A laser's whole settings table."""

    id: str
    name: str
    settings: tuple[LaserSetting, ...]

    def lookup(self, material: str, operation: str, thickness_mm: float) -> LaserSetting:
        """The row for a material and operation; for cuts, the thinnest row at least as thick as the sheet."""
        rows = [s for s in self.settings if s.material == material and s.operation == operation]
        if operation == "cut":
            rows = sorted((s for s in rows if s.thickness_mm >= thickness_mm - 1e-9), key=lambda s: s.thickness_mm)
        if not rows:
            known = sorted({f"{s.material} {s.operation} {s.thickness_mm:g} mm" for s in self.settings})
            raise SlicingError(
                f"{self.name} has no {operation} setting for {thickness_mm:g} mm {material}: add one to its "
                f"settings file or choose one of: {'; '.join(known)}"
            )
        return rows[0]
