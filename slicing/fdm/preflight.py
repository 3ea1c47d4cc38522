"""Checks made before slicing starts: settings the engine cannot work with, and a part outside the machine."""

from __future__ import annotations

import numpy as np

from slicing.errors import SlicingError
from slicing.fdm.gcode_writer import FLAVORS
from slicing.fdm.ordering import SEAM_POSITIONS
from slicing.fdm.patterns import PATTERNS
from slicing.fdm.settings import FdmSettings

# Placement may leave the part this far (mm) off the bed surface or edges through rounding alone.
PLACEMENT_TOLERANCE = 1e-3

_POSITIVE = (
    "layer_height", "first_layer_height", "line_width", "filament_diameter", "travel_speed", "retract_speed",
    "perimeter_speed", "external_perimeter_speed", "infill_speed", "solid_infill_speed", "first_layer_speed",
    "bridge_speed", "gap_fill_speed", "support_material_spacing", "support_material_speed", "min_print_speed",
)  # fmt: skip
_NOT_NEGATIVE = (
    "perimeters", "top_solid_layers", "bottom_solid_layers", "infill_density", "skirt_loops",
    "skirt_distance", "retract_length", "retract_min_travel", "fan_speed",
    "infill_overlap", "support_material_angle", "support_material_contact_distance",
    "support_material_xy_spacing", "brim_width", "retract_lift", "thumbnail_size", "max_fan_speed",
    "fan_below_layer_time", "slowdown_below_layer_time", "disable_fan_first_layers",
)  # fmt: skip


def check_settings(settings: FdmSettings) -> None:
    """Raise SlicingError for values the engine cannot slice with (the profile schema catches more)."""
    if settings.gcode_flavor not in FLAVORS:
        raise SlicingError(
            f"G-code flavour {settings.gcode_flavor!r} is not supported: choose one of {', '.join(FLAVORS)}"
        )
    for name, choices in (("infill_pattern", PATTERNS), ("seam_position", SEAM_POSITIONS)):
        if getattr(settings, name) not in choices:
            raise SlicingError(f"{name} is {getattr(settings, name)!r}: choose one of {', '.join(choices)}")
    for name in _POSITIVE:
        if not getattr(settings, name) > 0.0:
            raise SlicingError(f"{name} is {getattr(settings, name)}: it must be greater than 0")
    for name in _NOT_NEGATIVE:
        if not getattr(settings, name) >= 0.0:
            raise SlicingError(f"{name} is {getattr(settings, name)}: it must not be negative")
    if settings.infill_density > 100.0:
        raise SlicingError(f"infill_density is {settings.infill_density}%: it can be at most 100%")


def check_part_fits(bounds: np.ndarray, settings: FdmSettings) -> None:
    """Raise SlicingError saying by how much, and what to do, when the part (bounds (2, 3) in mm) is not
    on the bed or not inside the printable volume."""
    (x0, y0, z0), (x1, y1, z1) = np.asarray(bounds, dtype=np.float64)
    problems = []
    if abs(z0) > PLACEMENT_TOLERANCE:
        where = "below" if z0 < 0 else "above"
        problems.append(f"its lowest point is {abs(z0):.2f} mm {where} the bed: place it on the bed")
    if z1 - z0 > settings.max_print_height + PLACEMENT_TOLERANCE:
        problems.append(
            f"it is {z1 - z0:.2f} mm tall and the printer reaches {settings.max_print_height:.2f} mm: "
            "scale it down or lay it on a longer side"
        )
    for axis, low, high, bed in (("X", x0, x1, settings.bed_size_x), ("Y", y0, y1, settings.bed_size_y)):
        if high - low > bed + PLACEMENT_TOLERANCE:
            problems.append(
                f"it is {high - low:.2f} mm long in {axis} and the bed {bed:.2f} mm: scale it down or rotate it"
            )
        elif low < -PLACEMENT_TOLERANCE:
            problems.append(
                f"it sticks out {-low:.2f} mm past the bed at {axis} = 0: move it {-low:.2f} mm "
                f"towards +{axis} or centre it"
            )
        elif high > bed + PLACEMENT_TOLERANCE:
            problems.append(
                f"it sticks out {high - bed:.2f} mm past the bed at {axis} = {bed:g}: move it "
                f"{high - bed:.2f} mm towards -{axis} or centre it"
            )
    if problems:
        raise SlicingError("the part does not fit the printer: " + "; ".join(problems))
