"""A CNC router or laser job for the window, made on a worker thread by app.cam_chain (as `localfab cam` /
`localfab laser` make it) from the chosen design and the CAM setup, and what the window shows of it: the
check, the run time, and for each sheet the operations of each part on it, the toolpaths and the sheet as lines
ready to draw and the simulated stock; and where on each sheet the check's findings are. Saving writes the very
files the command writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    from slicing.cnc.nest import Placement
    from slicing.cnc.simulate import Stock

# Operation kinds in drawing order: a toolpath line's `feature` value indexes this tuple.
ROUTER_OPERATIONS = ("profile", "pocket", "drill", "engrave")
LASER_OPERATIONS = ("cut", "engrave", "fill")
RELIEFS = {"": "None", "dogbone": "Dogbone", "tbone": "T-bone"}
# How far beyond the reach of its tool a pass may stray and still be on a piece: the tool's offset path and a
# piece's grown outline are both drawn as chords of arcs. Nested pieces keep a tool diameter and more apart.
FOOTPRINT_TOLERANCE_MM = 0.5
UNASSIGNED = "Not on any part"


@dataclass(frozen=True)
class CamChoice:
    """What the CAM setup asks for. thickness_mm 0: the design's own; the tools (rest_tool "": none) are the
    router's only; sheet_mm: the router's sheet, or the sheet on the laser's bed (the bed itself: as
    `localfab laser` without --sheet); settings: the job's other settings by their RouterInputs / LaserInputs
    name (copies, tabs, lead_mm, ...); override: write the program although the check found errors."""

    process: str
    machine: str
    material: str
    thickness_mm: float
    tool: str
    pocket_tool: str
    engrave_tool: str
    sheet_mm: tuple[float, float]
    settings: Mapping[str, Any]
    override: bool = False
    rest_tool: str = ""


@dataclass(frozen=True)
class Operation:
    """One operation on one part: its kind (profile, pocket, drill, engrave; cut, engrave, fill), name, tool
    (its id and name; a laser's power and speed), depth in mm (0 for a laser) and how many of its paths
    (passes round a ring, plunges, raster lines) are on this part."""

    kind: str
    name: str
    tool: str
    tool_name: str
    depth_mm: float
    paths: int


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
class CamSheet:
    """One sheet of the job as the window shows it: its name, the share of it the parts use (None: one copy,
    not nested), its run time, its parts with their operations, the preview, (router) the simulated stock, and
    where each copy of a piece of the design went on it (one copy not nested: every piece, moved alike)."""

    name: str
    utilisation: float | None
    run_time_s: float
    parts: tuple[PartOperations, ...]
    preview: CamPreview
    stock: Stock | None
    placements: tuple[Placement, ...]


@dataclass(frozen=True)
class CamResult:
    """The planned job (made with both overrides, so a preview shows even what stops a save), its source and
    inputs, and what the window shows of it, sheet by sheet. The check's findings are located on the design as
    it checked it, moved by check_shift_mm (x, y, z); pieces: the design's pieces (shapely polygons in its own
    mm, in slicing.cnc.flat.pieces order, which sheets' placements index)."""

    template: Template
    values: dict[str, Any]
    choice: CamChoice
    source: FlatSource
    inputs: RouterInputs | LaserInputs
    job: CamJob
    report: CheckReport
    sheets: tuple[CamSheet, ...]
    run_time_s: float
    findings: tuple[str, ...]
    check_shift_mm: np.ndarray
    pieces: tuple[Any, ...]
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
                 progress: Callable[[float, str], None], same_layout_as: CamResult | None = None) -> CamResult:
    """Build the design, check it and plan the router or laser job `choice` asks for; with `same_layout_as`
    (a router job of the same design and choice but its hand-placed tabs) its copies stay where they were."""
    from app.cam_chain import cut_design_values, design_source

    progress(0.0, "building the part")
    source = design_source(template, cut_design_values(template, values, choice.thickness_mm or None), cancel)
    if choice.process == "cnc":
        kept = same_layout_as.job.record["sheets"] if same_layout_as is not None else None
        return _router_job(template, source, choice, cancel, progress, kept)
    return _laser_job(template, source, choice, cancel, progress)


def differs_only_in_hand_tabs(made: CamChoice, asked: CamChoice) -> bool:
    """Whether `asked` is `made` with other tabs placed by hand (and perhaps another override)."""
    def without_tabs(choice: CamChoice) -> CamChoice:
        settings = {name: value for name, value in choice.settings.items() if name != "tab_points"}
        return replace(choice, settings=settings, override=False)

    return without_tabs(made) == without_tabs(asked)


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
                progress: Callable[[float, str], None], recorded_sheets: Sequence[Mapping] | None) -> CamResult:
    from app.cam_chain import RouterInputs, cut_with_router
    from app.errors import LocalfabError
    from app.profiles.cam import load_cam
    from app.profiles.check_limits import load_check_limits

    machine = load_cam("machine", choice.machine)
    if machine.kind != "router":
        raise LocalfabError(f"{machine.name} is a {machine.kind}: choose a router")
    inputs = RouterInputs(
        machine=machine, material=load_cam("material", choice.material), tool=load_cam("tool", choice.tool),
        engrave_tool=load_cam("tool", choice.engrave_tool),
        pocket_tool=load_cam("tool", choice.pocket_tool) if choice.pocket_tool else None, sheet_mm=choice.sheet_mm,
        rest_tool=load_cam("tool", choice.rest_tool) if choice.rest_tool else None,
        relief_clearance_mm=load_check_limits("cnc")["corner_clearance"], **choice.settings,
        override_checks=True, accept_findings=True,
    )
    progress(0.05, "checking the part")
    job = cut_with_router(source, inputs, recorded_sheets,
                          progress=lambda fraction, stage: progress(0.1 + 0.9 * fraction, stage), cancel=cancel)
    # A profile's passes run its lead and its finishing allowance beyond the tool's radius.
    profile_reach = inputs.lead_mm + inputs.allowance_mm
    sheets = []
    for planned, record, placed in zip(job.sheets, job.record["sheets"], job.placements, strict=True):
        thickness = planned.part.thickness_mm
        kinds = [ROUTER_OPERATIONS.index(t.kind) for t in planned.toolpaths]
        passes = [(kind, p) for kind, t in zip(kinds, planned.toolpaths, strict=True) for p in t.passes]
        operations = [(t.kind, t.name, t.tool.id, t.tool.name, t.depth_mm) for t in planned.toolpaths]
        pieces = _islands(planned.part)
        owners = [_piece_of_each_pass(pieces, t.passes, t.tool.radius_mm
                                      + (profile_reach if t.kind == "profile" else 0.0)) for t in planned.toolpaths]
        preview = CamPreview(inputs.sheet_mm, thickness, _outlines(planned.part, thickness),
                             _lines(passes, thickness), ROUTER_OPERATIONS)
        sheets.append(CamSheet(record["name"], record["utilisation"], record["run_time_s"],
                               _parts(pieces, operations, owners), preview, planned.stock, placed))
    return CamResult(
        template=template, values=dict(source.parameters), choice=choice, source=source, inputs=inputs, job=job,
        report=job.report, sheets=tuple(sheets), run_time_s=job.run_time_s,
        findings=tuple(finding["message"] for finding in job.record["findings"]),
        check_shift_mm=np.array(job.check_shift_mm), pieces=_piece_shapes(source.part),
        warnings=_unlabelled(job.record))


def _laser_job(template: Template, source: FlatSource, choice: CamChoice, cancel: Callable[[], bool],
               progress: Callable[[float, str], None]) -> CamResult:
    from app.cam_chain import LaserInputs, cut_with_laser, laser_settings_for, laser_sheet_mm
    from app.errors import LocalfabError
    from app.profiles.cam import load_cam, load_laser_settings

    machine = load_cam("machine", choice.machine)
    if machine.kind != "laser" or not machine.laser_settings:
        raise LocalfabError(f"{machine.name} is not a laser with a settings table: choose a laser")
    chosen = laser_settings_for(source, load_laser_settings(machine.laser_settings), choice.material,
                                bool(choice.settings.get("labels") or choice.settings.get("coupon")))
    # The whole bed is the sheet `localfab laser` cuts without --sheet, and records as none.
    bed = (machine.travel_mm[0], machine.travel_mm[1])
    inputs = LaserInputs(machine=machine, material=choice.material, **chosen,
                         sheet_mm=None if choice.sheet_mm == bed else choice.sheet_mm, **choice.settings,
                         override_checks=True)
    job = cut_with_laser(source, inputs, progress=lambda fraction, stage: progress(0.3 + 0.7 * fraction, stage),
                         cancel=cancel)
    sheet_mm = laser_sheet_mm(inputs)
    sheets = []
    for planned, record, placed in zip(job.sheets, job.record["sheets"], job.placements, strict=True):
        part, layers, thickness = planned.part, planned.layers, planned.part.thickness_mm
        kinds = [LASER_OPERATIONS.index(layer.operation) for layer in layers]
        flat = [tuple(np.column_stack([p, np.zeros(len(p))]) for p in layer.paths) for layer in layers]
        passes = [(kind, p) for kind, paths in zip(kinds, flat, strict=True) for p in paths]
        operations = [(layer.operation, layer.operation, *_laser_setting(layer.setting), 0.0) for layer in layers]
        pieces = _islands(part)
        # The beam burns half its kerf either side of the line it follows.
        owners = [_piece_of_each_pass(pieces, paths, layer.setting.kerf_mm / 2.0)
                  for layer, paths in zip(layers, flat, strict=True)]
        preview = CamPreview(sheet_mm, thickness, _outlines(part, thickness), _lines(passes, thickness),
                             LASER_OPERATIONS)
        sheets.append(CamSheet(record["name"], record["utilisation"], record["run_time_s"],
                               _parts(pieces, operations, owners), preview, None, placed))
    return CamResult(
        template=template, values=dict(source.parameters), choice=choice, source=source, inputs=inputs, job=job,
        report=job.report, sheets=tuple(sheets), run_time_s=job.run_time_s, findings=(),
        check_shift_mm=np.array(job.check_shift_mm), pieces=_piece_shapes(source.part),
        warnings=_unlabelled(job.record))


def finding_on_sheet(result: CamResult, sheet: int, finding: Any) -> list[np.ndarray]:
    """Where `finding` (a check Finding) is on the result's sheet `sheet`: one (n, 3) mm array per copy of a
    piece placed on it, in the sheet's coordinates."""
    return places_on_sheet(np.asarray(finding.points, dtype=float).reshape(-1, 3), result.check_shift_mm,
                           result.pieces, result.sheets[sheet].placements)


def places_on_sheet(points: np.ndarray, check_shift_mm: np.ndarray, pieces: Sequence[Any],
                    placements: Sequence[Placement]) -> list[np.ndarray]:
    """Check points ((n, 3) mm, on the design as the check placed it, check_shift_mm (3,) from its own
    coordinates) on a sheet: each point belongs to the piece (a shapely polygon with holes, in the design's own
    mm) nearest to it, and goes where each placement of that piece (index into `pieces`, quarter turns
    counter-clockwise about the design's origin, then a shift in mm) puts it. One (k, 3) array per placement,
    in order; empty for a piece the points are not on (or a coupon, which is no piece of the design)."""
    import shapely

    from slicing.cnc.flat import quarter_turned

    own = np.asarray(points, dtype=float).reshape(-1, 3) - check_shift_mm
    if len(own) and len(pieces):
        distances = shapely.distance(np.asarray(pieces, dtype=object)[:, None], shapely.points(own[:, :2]))
        owners = np.argmin(distances, axis=0)
    else:
        owners = np.zeros(len(own), dtype=np.int64)
    placed = []
    for placement in placements:
        mine = own[owners == placement.part] if placement.part < len(pieces) else own[:0]
        xy = quarter_turned(mine[:, :2], placement.quarter_turns) + np.asarray(placement.shift_mm, dtype=float)
        placed.append(np.column_stack([xy, mine[:, 2]]))
    return placed


def drawing_point_at(xy: tuple[float, float], pieces: Sequence[Any], placements: Sequence[Placement],
                     reach_mm: float) -> tuple[float, float] | None:
    """The point of the design's own drawing (mm, to 0.01 mm) shown at `xy` (mm, a sheet's coordinates) on the
    placed copy whose outside outline is nearest, when that is within `reach_mm` of it; None when no copy's
    is. pieces and placements as `places_on_sheet` takes them (this is its way back)."""
    import shapely

    from slicing.cnc.flat import quarter_turned

    nearest: tuple[float, np.ndarray] | None = None
    for placement in placements:
        if placement.part >= len(pieces):  # a fit coupon: no piece of the design
            continue
        shifted = np.asarray(xy, dtype=float) - np.asarray(placement.shift_mm, dtype=float)
        own = quarter_turned(shifted[None], -placement.quarter_turns)[0]
        distance = float(shapely.distance(pieces[placement.part].exterior, shapely.Point(own)))
        if distance <= reach_mm and (nearest is None or distance < nearest[0]):
            nearest = (distance, own)
    return None if nearest is None else (round(float(nearest[1][0]), 2), round(float(nearest[1][1]), 2))


def _piece_shapes(part: FlatPart) -> tuple[Any, ...]:
    """Each piece of the part (slicing.cnc.flat.pieces, in its order) as a shapely polygon with holes, in mm."""
    from slicing.cnc.flat import pieces

    return tuple(shape for piece in pieces(part) for shape in _islands(piece))


def _unlabelled(record: Mapping[str, Any]) -> tuple[str, ...]:
    """What the job record says of labels that found no room on their piece."""
    missing = record.get("labels", {}).get("not_fitted", [])
    return (f"No room for the labels {', '.join(missing)}: sort those pieces by eye",) if missing else ()


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


def _piece_of_each_pass(pieces: list[Any], passes: tuple[np.ndarray, ...], reach_mm: float) -> np.ndarray:
    """The index of the piece each pass ((n, 2+) mm) cuts, -1 for none: the smallest piece whose footprint (its
    outer ring grown by reach_mm, how far the tool's cut or the beam reaches beyond the line it follows, plus
    FOOTPRINT_TOLERANCE_MM) holds every point of the pass. A piece nested in another's hole is inside that one's
    outer ring too; being smaller, it is found first."""
    import shapely

    outers = [shapely.Polygon(piece.exterior) for piece in pieces]
    order = np.argsort([outer.area for outer in outers], kind="stable")
    footprints = [outers[index].buffer(reach_mm + FOOTPRINT_TOLERANCE_MM) for index in order]
    shapely.prepare(footprints)
    owners = np.full(len(passes), -1, dtype=np.int64)
    for k, points in enumerate(passes):
        for index, footprint in zip(order, footprints, strict=True):
            if shapely.contains_xy(footprint, points[:, 0], points[:, 1]).all():
                owners[k] = index
                break
    return owners


def _parts(pieces: list[Any], operations: list[tuple[str, str, str, str, float]], owners: list[np.ndarray]
           ) -> tuple[PartOperations, ...]:
    """Each piece, named by its size, with the operations that cut it in cutting order; then, should a pass lie
    on no piece, its operations under UNASSIGNED."""
    def cutting(index: int) -> tuple[Operation, ...]:
        return tuple(Operation(*operation, paths=count) for operation, owner in zip(operations, owners, strict=True)
                     if (count := int(np.count_nonzero(owner == index))))

    named = []
    for index, piece in enumerate(pieces):
        xmin, ymin, xmax, ymax = piece.bounds
        named.append(PartOperations(f"Part {index + 1} ({xmax - xmin:.0f} × {ymax - ymin:.0f} mm)", cutting(index)))
    stray = cutting(-1)
    return (*named, PartOperations(UNASSIGNED, stray)) if stray else tuple(named)


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
