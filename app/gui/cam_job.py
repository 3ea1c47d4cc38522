"""A CNC router or laser job for the window, made on a worker thread by app.cam_chain (as `localfab cam` /
`localfab laser` make it) from the chosen design and the CAM setup, and what the window shows of it: the
check, the operations of each part, the toolpaths and the sheet as lines ready to draw, the simulated stock
and the run time. Saving writes the very files the command writes.
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
    from app.cam_chain import CamJob, FlatSource, LaserInputs, RouterInputs
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
    """The planned job (made with both overrides, so a preview shows even what stops a save), its source and
    inputs, and what the window shows of it."""

    template: Template
    values: dict[str, Any]
    choice: CamChoice
    source: FlatSource
    inputs: RouterInputs | LaserInputs
    job: CamJob
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
    from app.cam_chain import cut_design_values, design_source

    progress(0.0, "building the part")
    source = design_source(template, cut_design_values(template, values, choice.thickness_mm or None), cancel)
    plan = _router_job if choice.process == "cnc" else _laser_job
    return plan(template, source, choice, cancel, progress)


def save_cam_job(result: CamResult, folder: Path) -> Path:
    """Write the program files, the job record and the recipe of `result` into `folder`, as `localfab cam/laser
    -o DIR` would; the overrides recorded are the ones chosen for the save."""
    from app.cam_chain import RouterInputs, cam_files
    from app.cli.output import write_file

    override = result.choice.override
    inputs = replace(result.inputs, override_checks=override)
    if isinstance(inputs, RouterInputs):
        inputs = replace(inputs, accept_findings=override)
    for name, data in sorted(cam_files(result.source, inputs, result.job).items()):
        write_file(folder / name, data)
    return folder


def _router_job(template: Template, source: FlatSource, choice: CamChoice, cancel: Callable[[], bool],
                progress: Callable[[float, str], None]) -> CamResult:
    from app.cam_chain import RouterInputs, cut_with_router
    from app.errors import LocalfabError
    from app.profiles.cam import load_cam
    from app.profiles.check_limits import load_check_limits

    machine = load_cam("machine", choice.machine)
    if machine.kind != "router":
        raise LocalfabError(f"{machine.name} is a {machine.kind}: choose a router")
    inputs = RouterInputs(
        machine=machine, material=load_cam("material", choice.material), tool=load_cam("tool", choice.tool),
        engrave_tool=load_cam("tool", ENGRAVE_TOOL),
        pocket_tool=load_cam("tool", choice.pocket_tool) if choice.pocket_tool else None, sheet_mm=choice.sheet_mm,
        relief=choice.relief, relief_clearance_mm=load_check_limits("cnc")["corner_clearance"],
        override_checks=True, accept_findings=True,
    )
    progress(0.05, "checking the part")
    job = cut_with_router(source, inputs, progress=lambda fraction, stage: progress(0.1 + 0.9 * fraction, stage),
                          cancel=cancel)
    (sheet,) = job.sheets  # one copy, in the sheet's corner
    thickness = sheet.part.thickness_mm
    kinds = [ROUTER_OPERATIONS.index(t.kind) for t in sheet.toolpaths]
    passes = [(kind, p) for kind, t in zip(kinds, sheet.toolpaths, strict=True) for p in t.passes]
    operations = [(t.kind, t.name, t.tool.id, t.tool.name, t.depth_mm) for t in sheet.toolpaths]
    owners = [_owners(sheet.part, t.passes) for t in sheet.toolpaths]
    return CamResult(
        template=template, values=dict(source.parameters), choice=choice, source=source, inputs=inputs, job=job,
        report=job.report, parts=_parts(sheet.part, operations, owners),
        preview=CamPreview(choice.sheet_mm, thickness, _outlines(sheet.part, thickness),
                           _lines(passes, thickness), ROUTER_OPERATIONS),
        run_time_s=job.run_time_s, findings=tuple(finding["message"] for finding in job.record["findings"]),
        stock=sheet.stock)


def _laser_job(template: Template, source: FlatSource, choice: CamChoice, cancel: Callable[[], bool],
               progress: Callable[[float, str], None]) -> CamResult:
    from app.cam_chain import LaserInputs, cut_with_laser, laser_settings_for
    from app.errors import LocalfabError
    from app.profiles.cam import load_cam, load_laser_settings
    from slicing.errors import SliceCancelled

    machine = load_cam("machine", choice.machine)
    if machine.kind != "laser" or not machine.laser_settings:
        raise LocalfabError(f"{machine.name} is not a laser with a settings table: choose a laser")
    chosen = laser_settings_for(source, load_laser_settings(machine.laser_settings), choice.material)
    if cancel():
        raise SliceCancelled("the laser job was cancelled")
    progress(0.4, "planning the layers")
    inputs = LaserInputs(machine=machine, material=choice.material, **chosen, override_checks=True)
    job = cut_with_laser(source, inputs)
    (sheet,) = job.sheets  # one copy, where it is drawn
    part, layers, thickness = sheet.part, sheet.layers, sheet.part.thickness_mm
    kinds = [LASER_OPERATIONS.index(layer.operation) for layer in layers]
    passes = [(kind, np.column_stack([p, np.zeros(len(p))])) for kind, layer in zip(kinds, layers, strict=True)
              for p in layer.paths]
    operations = [(layer.operation, layer.operation, *_laser_setting(layer.setting), 0.0) for layer in layers]
    owners = [_owners(part, tuple(np.column_stack([p, np.zeros(len(p))]) for p in layer.paths)) for layer in layers]
    bed = (machine.travel_mm[0], machine.travel_mm[1])
    return CamResult(
        template=template, values=dict(source.parameters), choice=replace(choice, sheet_mm=bed), source=source,
        inputs=inputs, job=job, report=job.report, parts=_parts(part, operations, owners),
        preview=CamPreview(bed, thickness, _outlines(part, thickness), _lines(passes, thickness), LASER_OPERATIONS),
        run_time_s=job.run_time_s, findings=(), stock=None, warnings=_off_the_bed(part, machine.name, bed))


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
