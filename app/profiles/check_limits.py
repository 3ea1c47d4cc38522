"""The limits the manufacturability checks read besides the machine, material and tool libraries:
resources/checks/<process>.toml, one table per limit (value, min, max, unit, help), and the laser's limits
resolved from the CAM library (resources/cam). All lengths in millimetres.
"""

from __future__ import annotations

import tomllib
from functools import cache

from app.errors import ProfileError
from app.profiles.cam import list_cam, load_cam, load_laser_settings
from app.profiles.loader import resources_dir
from slicing.errors import SlicingError


@cache
def load_check_limits(process: str) -> dict[str, float]:
    """The limits of resources/checks/<process>.toml by name, each checked against its own range."""
    path = resources_dir() / "checks" / f"{process}.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read the {process} check limits {path}: {exc}") from exc
    limits = {}
    for name, entry in sorted(table.items()):
        value = entry.get("value")
        if not isinstance(value, int | float) or not entry.get("min", value) <= value <= entry.get("max", value):
            raise ProfileError(f"{path.name}: {name} = {value!r} must be a number from {entry.get('min')} to "
                               f"{entry.get('max')}")
        limits[name] = float(value)
    return limits


def smallest_tool_diameter() -> float:
    """The diameter (mm) of the smallest flat or ball end mill in the CNC library: narrower holes no tool cuts."""
    return min(tool.diameter_mm for tool in list_cam("tool") if tool.kind in ("flat", "ball"))


# What a router job's check is held to, by name: resources/checks/cnc.toml and the smallest end mill.
ROUTER_LIMIT_NAMES = ("corner_clearance", "max_depth_to_width", "min_wall_thickness", "smallest_tool_diameter")
# What laser_limits gives, by name.
LASER_LIMIT_NAMES = ("bed_size_x", "bed_size_y", "kerf", "max_cut_thickness")


def laser_limits(machine_id: str, sheet: str, thickness: float) -> dict[str, float]:
    """What the laser check holds a part to on a laser of the CNC library cutting `sheet` (a material of its
    settings table) `thickness` mm thick: its bed, the cut's kerf, and the thickest sheet of that material it
    has a cut setting for."""
    machine = load_cam("machine", machine_id)
    if machine.kind != "laser" or not machine.laser_settings:
        lasers = ", ".join(m.id for m in list_cam("machine") if m.kind == "laser")
        raise ProfileError(f"{machine_id} is not a laser: choose one of {lasers}")
    table = load_laser_settings(machine.laser_settings)
    rows = sorted((row for row in table.settings if row.operation == "cut" and row.material == sheet),
                  key=lambda row: row.thickness_mm)
    if not rows:
        known = ", ".join(sorted({row.material for row in table.settings if row.operation == "cut"}))
        raise ProfileError(f"{machine.name} has no cut settings for {sheet!r}: choose --sheet from {known}")
    try:
        kerf = table.lookup(sheet, "cut", thickness).kerf_mm
    except SlicingError:  # thicker than any cut setting: the check says so, with the thickest row's kerf
        kerf = rows[-1].kerf_mm
    return dict(zip(LASER_LIMIT_NAMES, (machine.travel_mm[0], machine.travel_mm[1], kerf, rows[-1].thickness_mm),
                    strict=True))
