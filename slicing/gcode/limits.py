"""The motion limits a printer's firmware enforces, as the time estimate plans moves with them.

They are Marlin's M201 (highest acceleration per axis), M203 (highest speed per axis), M204 (acceleration of
printing, retracting and travel moves) and M205 (classic jerk: the speed change an axis makes without
accelerating), with PrusaSlicer's defaults for a printer that does not give its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from slicing.errors import SlicingError

# `; key = value` lines, as PrusaSlicer writes its whole configuration at the end of a G-code file.
_CONFIG_LINE = re.compile(r"^;[ \t]*([a-z][a-z0-9_]*)[ \t]*=[ \t]*(.*?)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class MachineLimits:
    """Motion limits of one machine. Accelerations are in mm/s², feed rates and jerks in mm/s.

    max_acceleration_*: per axis (M201); acceleration_extruding / _retracting / _travel: of a printing move, a
    move of the extruder alone, and a move without filament (M204 P / R / T); max_feedrate_*: per axis (M203);
    max_jerk_*: per axis (M205 X/Y/Z/E); min_extruding_feedrate / min_travel_feedrate: the slowest a printing
    or travel move goes (M205 S / T).
    """

    max_acceleration_x: float = 9000.0
    max_acceleration_y: float = 9000.0
    max_acceleration_z: float = 500.0
    max_acceleration_e: float = 10000.0
    acceleration_extruding: float = 1500.0
    acceleration_retracting: float = 1500.0
    acceleration_travel: float = 1250.0
    max_feedrate_x: float = 500.0
    max_feedrate_y: float = 500.0
    max_feedrate_z: float = 12.0
    max_feedrate_e: float = 120.0
    max_jerk_x: float = 10.0
    max_jerk_y: float = 10.0
    max_jerk_z: float = 0.2
    max_jerk_e: float = 2.5
    min_extruding_feedrate: float = 0.0
    min_travel_feedrate: float = 0.0

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            positive = field.name.startswith(("max_acceleration", "acceleration", "max_feedrate"))
            if not math.isfinite(value) or value < 0.0 or (positive and value == 0.0):
                need = "above zero" if positive else "zero or more"
                raise SlicingError(f"machine limit {field.name} is {value}: it must be a number {need}")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> MachineLimits:
        """Read the `machine_max_*` (and `machine_min_*_rate`) keys of a flat settings mapping.

        Keys that are absent keep PrusaSlicer's defaults. A value may be a number or PrusaSlicer's text
        "normal,silent" (as in its .ini files and G-code footers), whose first item is the normal mode.
        """
        values: dict[str, float] = {}
        for field in fields(cls):
            key = _SETTING_KEYS[field.name]
            if key in settings:
                values[field.name] = _first_number(key, settings[key])
        return cls(**values)


_SETTING_KEYS = {
    **{f.name: f"machine_{f.name}" for f in fields(MachineLimits)},
    "acceleration_extruding": "machine_max_acceleration_extruding",
    "acceleration_retracting": "machine_max_acceleration_retracting",
    "acceleration_travel": "machine_max_acceleration_travel",
    "min_extruding_feedrate": "machine_min_extruding_rate",
    "min_travel_feedrate": "machine_min_travel_rate",
}


def read_config_comments(text: str) -> dict[str, str]:
    """The `; key = value` comment lines of a G-code file (PrusaSlicer's configuration block), as text.

    A key given twice keeps its last value; a file without such lines gives an empty mapping.
    """
    return {key: value for key, value in _CONFIG_LINE.findall(text)}


def _first_number(key: str, value: Any) -> float:
    """A setting as a float; for PrusaSlicer's "normal,silent" text, the first item."""
    if isinstance(value, str):
        value = value.split(",")[0].strip()
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SlicingError(f"machine limit {key} is {value!r}: it must be a number") from None
