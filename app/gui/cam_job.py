"""A CNC router or laser job for the window, made on a worker thread from the chosen design and the CAM
setup: the check, the operations of each part, the toolpaths and the sheet as lines ready to draw, the
simulated stock and the run time. Saving writes what `localfab cam` / `localfab laser -o DIR` writes, by
running that very command, so the window and the command line can never record a job differently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyvista as pv

from parametric_designs.templates import Template

if TYPE_CHECKING:
    from app.checks import CheckReport
    from slicing.cnc.flat import FlatPart
    from slicing.cnc.simulate import Stock

# The engraving tool `localfab cam` uses unless told otherwise; the window does not offer a choice yet.
ENGRAVE_TOOL = "vbit-60-6.35"
# Operation kinds in drawing order: a toolpath line's `feature` value indexes this tuple.
ROUTER_OPERATIONS = ("profile", "pocket", "drill", "engrave")
LASER_OPERATIONS = ("cut", "engrave", "fill")
RELIEFS = {"": "None", "dogbone": "Dogbone", "tbone": "T-bone"}


@dataclass(frozen=True)
class CamChoice:
    """What the CAM setup asks for. thickness_mm 0: the design's own; sheet_mm and the tools are the router's
    only (the laser cuts on its bed); override: write the program although the check found errors."""

    process: str
    machine: str
    material: str
    thickness_mm: float = 0.0
    tool: str = ""
    pocket_tool: str = ""
    sheet_mm: tuple[float, float] = (600.0, 400.0)
    relief: str = ""
    override: bool = False


@dataclass(frozen=True)
class Operation:
    """One operation on one part: its kind (profile, pocket, drill, engrave; cut, engrave, fill), name, tool
    (its id and name; a laser's power and speed) and depth in mm (0 for a laser)."""

    kind: str
    name: str
    tool: str
    tool_name: str
    depth_mm: float


@dataclass(frozen=True)
class PartOperations:
    name: str
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class CamPreview:
    """What the view draws, in the view's coordinates (mm, the sheet's front-left corner at the origin, Z up
    from the sheet's underside): the sheet, each part's outline, and the toolpaths as lines whose `feature`
    cell array indexes `kinds`."""

    sheet_mm: tuple[float, float]
    thickness_mm: float
    outlines: pv.PolyData
    toolpaths: pv.PolyData
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class CamResult:
    template: Template
    values: dict[str, Any]
    choice: CamChoice
    report: CheckReport
    parts: tuple[PartOperations, ...]
    preview: CamPreview
    run_time_s: float
    findings: tuple[str, ...]
    stock: Stock | None
    warnings: tuple[str, ...] = ()

    def why_not_saved(self, override: bool) -> str:
        """Why the program may not be saved ("" when it may): the check's errors or the simulation's findings,
        unless `override`."""
        errors = self.report.errors
        if errors and not override:
            return f"The check found {len(errors)} error(s): fix them, or tick the override to save anyway"
        if self.findings and not override:
            return "The simulation found pieces not held as asked: change the settings, or tick the override"
        return ""


def make_cam_job(template: Template, values: Mapping[str, Any], choice: CamChoice, cancel: Callable[[], bool],
                 progress: Callable[[float, str], None]) -> CamResult:
    """Build the design, check it and plan the router or laser job `choice` asks for."""
    from parametric_designs.build import build_part
    from slicing.cnc.mesh_input import flat_part_from_mesh

    progress(0.0, "building the part")
    built = build_part(template, _job_values(template, values), cancel=cancel)
    part = flat_part_from_mesh(built.mesh, template.id)
    part = part.with_thickness(choice.thickness_mm or part.thickness_mm)
    plan = _router_job if choice.process == "cnc" else _laser_job
    return plan(template, built, part, choice, cancel, progress)


def save_cam_job(result: CamResult, folder: Path) -> Path:
    """Write the program files and the job record of `result` into `folder`, as `localfab cam/laser -o DIR`."""
    from app.cli import _parser

    args = _parser().parse_args(cam_arguments(result, folder))
    args.run(args)
    return folder


def cam_arguments(result: CamResult, folder: Path) -> list[str]:
    """The `localfab cam` or `localfab laser` command line that makes the same job into `folder`."""
    choice = result.choice
    arguments = ["cam" if choice.process == "cnc" else "laser", str(result.template.folder),
                 "--machine", choice.machine, "--material", choice.material]
    if choice.thickness_mm:
        arguments += ["--thickness", f"{choice.thickness_mm:g}"]
    if choice.process == "cnc":
        arguments += ["--tool", choice.tool, "--engrave-tool", ENGRAVE_TOOL,
                      "--sheet", f"{choice.sheet_mm[0]:g}x{choice.sheet_mm[1]:g}"]
        arguments += ["--pocket-tool", choice.pocket_tool] if choice.pocket_tool else []
        arguments += ["--relief", choice.relief] if choice.relief else []
        arguments += ["--accept-findings"] if choice.override else []
    arguments += ["--override-checks"] if choice.override else []
    for name, value in result.values.items():
        arguments += ["--set", f"{name}={str(value).lower() if isinstance(value, bool) else value}"]
    return [*arguments, "-o", str(folder)]


def _job_values(template: Template, values: Mapping[str, Any]) -> dict[str, Any]:
    chosen = dict(values)
    if "laser" in template.processes and "kerf" in template.schema.names and "kerf" not in chosen:
        chosen["kerf"] = 0  # as `localfab laser`: the job compensates the kerf from its settings table
    return chosen


def _router_job(template: Template, built: Any, part: FlatPart, choice: CamChoice, cancel: Callable[[], bool],
                progress: Callable[[float, str], None]) -> CamResult:
    from app.checks import check_cnc
    from app.profiles.cam import load_cam
    from app.profiles.check_limits import load_check_limits, smallest_tool_diameter
    from slicing.cnc.flat import extruded_mesh
    from slicing.cnc.job import RouterSettings, place_on_sheet, plan_router_job, relieved
    from slicing.cnc.tooling import cutting_data
    from slicing.mesh import place_on_bed

    machine, material = load_cam("machine", choice.machine), load_cam("material", choice.material)
    tool, engrave_tool = load_cam("tool", choice.tool), load_cam("tool", ENGRAVE_TOOL)
    pocket_tool = load_cam("tool", choice.pocket_tool) if choice.pocket_tool else None
    limits = load_check_limits("cnc")
    settings = RouterSettings(
        tool=tool, cutting=cutting_data(tool, material, machine), sheet_mm=choice.sheet_mm,
        engrave_tool=engrave_tool, engrave_cutting=cutting_data(engrave_tool, material, machine),
        pocket_tool=pocket_tool, pocket_cutting=cutting_data(pocket_tool, material, machine) if pocket_tool else None,
        corner_relief=choice.relief, relief_clearance_mm=limits["corner_clearance"])
    # As `localfab cam`: with reliefs the check sees the part as it will be cut.
    checked = extruded_mesh(relieved(part, settings)) if choice.relief else built.mesh
    progress(0.05, "checking the part")
    report = check_cnc(place_on_bed(checked, *choice.sheet_mm), tool, limits, (*choice.sheet_mm, part.thickness_mm),
                       smallest_tool_diameter(), pocket_tool=pocket_tool or tool)
    placed = place_on_sheet(part, choice.sheet_mm, settings.margin_mm)
    job = plan_router_job(replace(placed, name=f"{part.name} sheet-01"), settings, machine, material.name,
                          progress=lambda fraction, stage: progress(0.1 + 0.9 * fraction, stage), cancel=cancel)
    thickness = job.part.thickness_mm
    kinds = [ROUTER_OPERATIONS.index(t.kind) for t in job.toolpaths]
    passes = [(kind, p) for kind, t in zip(kinds, job.toolpaths, strict=True) for p in t.passes]
    operations = [(t.kind, t.name, t.tool.id, t.tool.name, t.depth_mm) for t in job.toolpaths]
    owners = [_owners(job.part, t.passes) for t in job.toolpaths]
    return CamResult(
        template=template, values=dict(built.parameters), choice=choice, report=report,
        parts=_parts(job.part, operations, owners),
        preview=CamPreview(choice.sheet_mm, thickness, _outlines(job.part, thickness),
                           _lines(passes, thickness), ROUTER_OPERATIONS),
        run_time_s=sum(file.run_time_s for file in job.files),
        findings=tuple(finding.message for finding in job.findings), stock=job.stock)


def _laser_job(template: Template, built: Any, part: FlatPart, choice: CamChoice, cancel: Callable[[], bool],
               progress: Callable[[float, str], None]) -> CamResult:
    from app.checks import check_laser
    from app.errors import LocalfabError
    from app.profiles.cam import load_cam, load_laser_settings
    from app.profiles.check_limits import laser_limits
    from slicing.laser.gcode import laser_program
    from slicing.laser.plan import fill_areas, plan_laser

    machine = load_cam("machine", choice.machine)
    if machine.kind != "laser" or not machine.laser_settings:
        raise LocalfabError(f"{machine.name} is not a laser with a settings table: choose a laser")
    table = load_laser_settings(machine.laser_settings)
    thickness = part.thickness_mm
    progress(0.1, "checking the part")
    report = check_laser(built.mesh, laser_limits(machine.id, choice.material, thickness), thickness)
    chosen = {
        "cut": table.lookup(choice.material, "cut", thickness) if part.outline else None,
        "engrave": table.lookup(choice.material, "engrave", 0.0) if part.engravings else None,
        "fill": table.lookup(choice.material, "fill", 0.0) if fill_areas(part) else None,
    }
    if chosen["cut"] is not None and built.parameters.get("kerf"):
        chosen["cut"] = replace(chosen["cut"], kerf_mm=0.0)  # drawn kerf-compensated already, as `localfab laser`
    if cancel():
        from slicing.errors import SliceCancelled

        raise SliceCancelled("the laser job was cancelled")
    progress(0.4, "planning the layers")
    layers = plan_laser(part, **chosen)
    progress(0.8, "writing the program")
    program = laser_program(layers, machine, part.name, choice.material, thickness)
    kinds = [LASER_OPERATIONS.index(layer.operation) for layer in layers]
    passes = [(kind, np.column_stack([p, np.zeros(len(p))])) for kind, layer in zip(kinds, layers, strict=True)
              for p in layer.paths]
    operations = [(layer.operation, layer.operation, *_laser_setting(layer.setting), 0.0) for layer in layers]
    owners = [_owners(part, tuple(np.column_stack([p, np.zeros(len(p))]) for p in layer.paths)) for layer in layers]
    sheet = (machine.travel_mm[0], machine.travel_mm[1])
    return CamResult(warnings=_off_the_bed(part, machine.name, sheet),
        template=template, values=dict(built.parameters), choice=replace(choice, sheet_mm=sheet), report=report,
        parts=_parts(part, operations, owners),
        preview=CamPreview(sheet, thickness, _outlines(part, thickness), _lines(passes, thickness), LASER_OPERATIONS),
        run_time_s=program.run_time_s, findings=(), stock=None)


def _off_the_bed(part: FlatPart, machine_name: str, bed_mm: tuple[float, float]) -> tuple[str, ...]:
    """A laser cuts a part where it is drawn: say so when that is not all on the machine's bed."""
    xmin, ymin, xmax, ymax = part.bounds_mm()
    if xmin >= 0.0 and ymin >= 0.0 and xmax <= bed_mm[0] and ymax <= bed_mm[1]:
        return ()
    return (f"The part is drawn from ({xmin:.0f}, {ymin:.0f}) to ({xmax:.0f}, {ymax:.0f}) mm, partly off the "
            f"{machine_name}'s {bed_mm[0]:g} × {bed_mm[1]:g} mm bed: the program cuts it there",)


def _laser_setting(setting: Any) -> tuple[str, str]:
    """A laser layer's setting, short and in full."""
    return (f"{setting.power_pct:g} % · {setting.speed_mm_min:g} mm/min",
            f"{setting.power_pct:g} % power at {setting.speed_mm_min:g} mm/min, {setting.passes} pass(es)")


def _islands(part: FlatPart) -> list[Any]:
    """Each separate piece of the part as a shapely polygon (outer ring and holes), in mm."""
    import shapely

    from slicing.fdm import polygons

    return [shapely.Polygon(rings[0], rings[1:]) for rings in
            (polygons.to_mm(piece) for piece in polygons.islands(part.outline))]


def _owners(part: FlatPart, passes: tuple[np.ndarray, ...]) -> set[int]:
    """The pieces of the part the passes cut: each pass belongs to the piece nearest its first point."""
    import shapely

    pieces = _islands(part)
    return {int(np.argmin([piece.distance(shapely.Point(p[0][:2])) for piece in pieces])) for p in passes}


def _parts(part: FlatPart, operations: list[tuple[str, str, str, str, float]], owners: list[set[int]]
           ) -> tuple[PartOperations, ...]:
    """Each piece of the part, named by its size, with the operations that cut it in cutting order."""
    result = []
    for index, piece in enumerate(_islands(part)):
        xmin, ymin, xmax, ymax = piece.bounds
        done = tuple(Operation(*operation) for operation, owner in zip(operations, owners, strict=True)
                     if index in owner)
        result.append(PartOperations(f"Part {index + 1} ({xmax - xmin:.0f} × {ymax - ymin:.0f} mm)", done))
    return tuple(result)


def _outlines(part: FlatPart, thickness_mm: float) -> pv.PolyData:
    """Every ring of the part's outline as a closed line on the sheet's top."""
    from slicing.fdm import polygons

    rings = [np.column_stack([ring, np.zeros(len(ring))]) for ring in polygons.to_mm(part.outline)]
    return _lines([(0, np.vstack([ring, ring[:1]])) for ring in rings], thickness_mm)


def _lines(paths: list[tuple[int, np.ndarray]], thickness_mm: float) -> pv.PolyData:
    """Polylines ((n, 3) mm, Z 0 at the stock's top) raised onto a sheet `thickness_mm` thick, with a
    `feature` cell array from each path's kind."""
    if not paths:
        return pv.PolyData()
    points = np.vstack([p for _, p in paths]) + np.array([0.0, 0.0, thickness_mm])
    sizes = np.array([len(p) for _, p in paths])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    cells = np.concatenate([np.concatenate([[size], np.arange(start, start + size)])
                            for size, start in zip(sizes, starts, strict=True)])
    lines = pv.PolyData(points, lines=cells)
    lines.cell_data["feature"] = np.array([kind for kind, _ in paths], dtype=np.int64)
    return lines
