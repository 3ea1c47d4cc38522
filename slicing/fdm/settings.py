"""The settings the FDM pipeline reads, resolved by value from the printer, material and print profiles.

The schema (unit, default, range and help text of every key) lives in resources/settings/fdm.toml and is
loaded by the application; this dataclass names exactly the keys the engine reads, and a test keeps the two
in step. Lengths are millimetres, speeds mm/s, temperatures degrees Celsius, percentages 0-100.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from slicing.errors import SlicingError


@dataclass(frozen=True)
class FdmSettings:
    # printer
    bed_size_x: float
    bed_size_y: float
    max_print_height: float
    nozzle_diameter: float
    gcode_flavor: str
    travel_speed: float
    retract_length: float
    retract_speed: float
    retract_min_travel: float
    start_gcode: str
    end_gcode: str
    machine_max_acceleration_x: float
    machine_max_acceleration_y: float
    machine_max_acceleration_z: float
    machine_max_acceleration_e: float
    machine_max_acceleration_extruding: float
    machine_max_acceleration_retracting: float
    machine_max_acceleration_travel: float
    machine_max_feedrate_x: float
    machine_max_feedrate_y: float
    machine_max_feedrate_z: float
    machine_max_feedrate_e: float
    machine_max_jerk_x: float
    machine_max_jerk_y: float
    machine_max_jerk_z: float
    machine_max_jerk_e: float
    emit_machine_limits: bool
    retract_lift: float
    travel_speed_z: float
    thumbnail_size: int
    # material
    filament_diameter: float
    filament_density: float
    filament_cost: float
    temperature: float
    first_layer_temperature: float
    bed_temperature: float
    first_layer_bed_temperature: float
    fan_speed: float
    max_fan_speed: float
    fan_below_layer_time: float
    slowdown_below_layer_time: float
    min_print_speed: float
    disable_fan_first_layers: int
    # print
    layer_height: float
    first_layer_height: float
    line_width: float
    perimeters: int
    top_solid_layers: int
    bottom_solid_layers: int
    infill_density: float
    infill_angle: float
    perimeter_speed: float
    external_perimeter_speed: float
    infill_speed: float
    solid_infill_speed: float
    first_layer_speed: float
    skirt_loops: int
    skirt_distance: float
    infill_pattern: str
    infill_overlap: float
    bridge_speed: float
    gap_fill_speed: float
    support_material: bool
    support_material_angle: float
    support_material_buildplate_only: bool
    support_material_contact_distance: float
    support_material_xy_spacing: float
    support_material_spacing: float
    support_material_speed: float
    support_material_extrusion_width: float
    support_material_interface_layers: int
    support_material_interface_spacing: float
    support_material_blocker_z: str
    brim_width: float
    seam_position: str
    external_perimeters_first: bool
    external_perimeter_extrusion_width: float
    perimeter_extrusion_width: float
    infill_extrusion_width: float
    solid_infill_extrusion_width: float
    top_infill_extrusion_width: float
    first_layer_extrusion_width: float
    avoid_crossing_perimeters: bool
    avoid_crossing_perimeters_max_detour: float

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> FdmSettings:
        """Build from a flat mapping that holds every key (extra keys are ignored)."""
        names = [f.name for f in fields(cls)]
        missing = sorted(set(names) - set(values))
        if missing:
            raise SlicingError(f"slicer settings are missing {', '.join(missing)}: complete the profile")
        return cls(**{n: values[n] for n in names})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
