"""The CNC router and laser chain as library calls: a flat part (a drawing, or a design built flat) checked,
nested, planned and proven, recorded in a recipe, and a recipe rebuilt.

The CAM counterpart of app.chain: `cut_with_router` and `cut_with_laser` make the programs, `cam_recipe`
records them with every input by value (the profiles, the toolpath settings, the nesting placements), and
`rebuild_cam` runs the same functions from the recorded inputs, so any difference in the outputs is real.
The nesting search is time-bounded, so a rebuild reuses the recorded placements instead of searching again.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from app.chain import OutputComparison, RebuildReport, part_3mf, recorded_template
from app.checks import CheckReport, check_cnc, check_laser
from app.errors import CheckFailed, LocalfabError, RecipeError
from app.jobs import (
    CHECK_FILE,
    DESIGN_FILE,
    DRAWING_FILES,
    PART_FILE,
    PROGRAMS_FOLDER,
    THUMBNAIL_FILE,
    Recipe,
    RecipeFile,
    pack_recipe,
    sha256_of,
)
from app.profiles.check_limits import (
    LASER_LIMIT_NAMES,
    ROUTER_LIMIT_NAMES,
    laser_limits,
    load_check_limits,
    smallest_tool_diameter,
)
from app.version import app_version
from parametric_designs.build import build_part
from parametric_designs.publish import design_archive
from parametric_designs.templates import Template
from slicing.cnc.coupon import fit_coupon
from slicing.cnc.dxf_input import read_dxf
from slicing.cnc.engrave import engrave_width_mm
from slicing.cnc.flat import FlatPart, extruded_mesh, merge_parts, pieces
from slicing.cnc.job import (
    RouterJob,
    RouterSettings,
    lies_on_sheet,
    place_on_sheet,
    plan_router_job,
    refuse_off_sheet,
    refuse_sheet_off_machine,
    relieved,
)
from slicing.cnc.labels import labelled, piece_letter
from slicing.cnc.mesh_input import flat_part_from_mesh
from slicing.cnc.nest import NestedSheet, Placement, nest, placed_parts, recorded_nesting
from slicing.cnc.svg_input import read_svg
from slicing.cnc.tooling import CncMachine, CuttingMaterial, Tool, cutting_data
from slicing.errors import SliceCancelled, SlicingError
from slicing.fdm.parallel import map_layers
from slicing.fdm.progress import CancelCallback, ProgressCallback
from slicing.laser.gcode import laser_program
from slicing.laser.plan import LaserLayer, fill_areas, plan_laser
from slicing.laser.settings import LaserSetting, LaserSettings
from slicing.laser.svg_out import laser_svg
from slicing.mesh import place_on_bed
from slicing.mesh_export import export_3mf
from slicing.thumbnail import render_thumbnail

DRAWING_SUFFIXES = (".dxf", ".svg")
# The job record each process writes beside its programs.
RECORD_FILES = {"cnc": "cam.json", "laser": "laser.json"}
# Part labels: at most this tall (mm, capitals), small enough for a stool leg's end, big enough to read
# across the workshop; a router engraves them this deep (mm): a 60-degree V-bit's groove is then 0.6 mm wide.
LABEL_HEIGHT_MM = 8.0
LABEL_DEPTH_MM = 0.5
# A laser's engraved line is about this wide (mm) where its table gives the engraving no kerf.
LASER_LINE_MM = 0.1


@dataclass(frozen=True)
class FlatSource:
    """A flat part to cut and where it came from. record: what a job record keeps of the source (the file's
    or the built mesh's hash, the design and parameters), which --placements compares; design: the recipe's
    design entry; files: what a recipe carries of it (the part as 3MF, and the design or the drawing)."""

    part: FlatPart
    mesh: trimesh.Trimesh
    record: dict[str, Any]
    design: dict[str, Any]
    parameters: dict[str, Any]
    files: dict[str, bytes]
    name: str


_PLANNER_DEFAULTS = {field.name: field.default for field in fields(RouterSettings)}


@dataclass(frozen=True)
class RouterInputs:
    """Everything a router job reads besides the part, by value: the profiles, every toolpath setting and the
    check's limits (None: the installed ones, see router_check_limits; the job record keeps the ones used).
    tab_points: (x, y) mm in the part's own drawing where tabs go by hand, each on the outline nearest to it
    (a piece with none gets `tabs` placed automatically)."""

    machine: CncMachine
    material: CuttingMaterial
    tool: Tool
    engrave_tool: Tool
    pocket_tool: Tool | None
    sheet_mm: tuple[float, float]
    rest_tool: Tool | None = None
    copies: int = 1
    spacing_mm: float = 2.0
    keep_grain: bool = False
    nest_seconds: int = 1
    coupon: bool = False
    # The toolpath settings default to the planner's own defaults (one place to change them).
    tabs: int = _PLANNER_DEFAULTS["tab_count"]
    tab_width_mm: float = _PLANNER_DEFAULTS["tab_width_mm"]
    tab_height_mm: float = _PLANNER_DEFAULTS["tab_height_mm"]
    tab_points: tuple[tuple[float, float], ...] = ()
    relief: str = _PLANNER_DEFAULTS["corner_relief"]
    relief_clearance_mm: float = _PLANNER_DEFAULTS["relief_clearance_mm"]
    lead_mm: float = _PLANNER_DEFAULTS["lead_mm"]
    lead_style: str = _PLANNER_DEFAULTS["lead_style"]
    direction: str = _PLANNER_DEFAULTS["direction"]
    allowance_mm: float = _PLANNER_DEFAULTS["finishing_allowance_mm"]
    resolution_mm: float = _PLANNER_DEFAULTS["resolution_mm"]
    labels: bool = False
    check_limits: dict[str, float] | None = None
    override_checks: bool = False
    accept_findings: bool = False


@dataclass(frozen=True)
class LaserInputs:
    """Everything a laser job reads besides the part, by value: the laser, the settings chosen from its table
    for each operation (None: the part has none of it), the sheet (None: the bed), the nesting and the check's
    limits (None: the installed ones, see app.profiles.check_limits.laser_limits)."""

    machine: CncMachine
    material: str
    cut: LaserSetting | None
    engrave: LaserSetting | None
    fill: LaserSetting | None
    sheet_mm: tuple[float, float] | None = None
    copies: int = 1
    spacing_mm: float = 2.0
    nest_seconds: int = 1
    coupon: bool = False
    overscan_mm: float = 2.0
    labels: bool = False
    check_limits: dict[str, float] | None = None
    override_checks: bool = False


@dataclass(frozen=True)
class LaserSheet:
    """One laser sheet as planned: the part in place and its layers, for a preview."""

    part: FlatPart
    layers: tuple[LaserLayer, ...]


@dataclass(frozen=True)
class CamJob:
    """A planned CAM job: its program and SVG files by name (sheet-NN/... when nested), what its job record
    says (cam.json / laser.json, without the output hashes), the check report, the run time, and for a
    preview: each sheet as planned (RouterJob or LaserSheet); for each sheet where every copy of each piece
    went (indices into slicing.cnc.flat.pieces of the part, a fit coupon after them); and how far (x, y, z mm)
    the check moved the part, so its findings' points can be found on the sheets."""

    process: str
    outputs: dict[str, bytes]
    record: dict[str, Any]
    report: CheckReport
    run_time_s: float
    sheets: tuple[RouterJob | LaserSheet, ...] = ()
    placements: tuple[tuple[Placement, ...], ...] = ()
    check_shift_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)


# --- where the part comes from -------------------------------------------------------------------------

def drawing_source(path: Path, thickness_mm: float | None, units: str | None) -> FlatSource:
    """A part drawn in a DXF or SVG file, cut from a sheet thickness_mm thick."""
    if not path.is_file():
        raise LocalfabError(f"there is no file {path}")
    suffix = path.suffix.lower()
    if suffix not in DRAWING_SUFFIXES:
        raise LocalfabError(f"{path.name}: give a .dxf or .svg drawing, or the id of a flat design")
    if thickness_mm is None:
        raise LocalfabError("give the sheet thickness with --thickness MM (measure the sheet)")
    data = path.read_bytes()
    part = (read_dxf(path, units=units) if suffix == ".dxf" else read_svg(path)).with_thickness(float(thickness_mm))
    mesh = extruded_mesh(part)
    digest = hashlib.sha256(data).hexdigest()
    return FlatSource(
        part=part, mesh=mesh, record={"file": path.name, "sha256": digest},
        design={"drawing": path.name, "content_hash": sha256_of(data), "units": units},
        parameters={"thickness": float(thickness_mm)},
        files={PART_FILE: export_3mf(mesh, {"Title": path.stem}, name=path.stem), f"drawing{suffix}": data},
        name=path.stem,
    )


def cut_design_values(template: Template, given: Mapping[str, Any], thickness_mm: float | None) -> dict[str, Any]:
    """A design's parameters for cutting: the measured sheet thickness (when given) as its `thickness`, and no
    kerf of its own where it draws one (the laser compensates from its settings table)."""
    values = dict(given)
    names = set(template.schema.names)
    if thickness_mm is not None and "thickness" in names:
        values["thickness"] = thickness_mm
    if "kerf" in names and "kerf" not in values:
        values["kerf"] = 0
    return values


def design_source(template: Template, parameters: Mapping[str, Any], cancel: Callable[[], bool] | None = None
                  ) -> FlatSource:
    """A flat design built with `parameters` (its thickness among them) and read as a flat part."""
    built = build_part(template, parameters, cancel=cancel)
    part = flat_part_from_mesh(built.mesh, template.id)
    record = {"design": template.id, "version": template.version, "parameters": built.parameters,
              "sha256": hashlib.sha256(built.mesh.export(file_type="stl")).hexdigest()}
    return FlatSource(part=part, mesh=built.mesh, record=record, design=template.summary(),
                      parameters=dict(built.parameters),
                      files={PART_FILE: part_3mf(built), DESIGN_FILE: design_archive(template)}, name=template.id)


# --- the router ------------------------------------------------------------------------------------------

def cut_with_router(source: FlatSource, inputs: RouterInputs, recorded_sheets: Sequence[Mapping] | None = None,
                    progress: ProgressCallback | None = None, cancel: CancelCallback | None = None) -> CamJob:
    """Check, nest (or take the recorded placements), plan and prove the router programs for a part.

    Check errors stop it with CheckFailed unless inputs.override_checks; pieces the simulation finds not held
    as asked stop it unless inputs.accept_findings; both overrides are recorded. progress(fraction, stage) and
    cancel() reach the planning of each sheet."""
    part = replace(source.part, tab_points=inputs.tab_points)
    settings = router_settings(inputs)
    # With reliefs asked for, the check sees the part as it will be cut: its outline relieved, its pockets.
    checked = extruded_mesh(relieved(part, settings)) if inputs.relief else source.mesh
    limits = dict(inputs.check_limits) if inputs.check_limits is not None else router_check_limits()
    on_sheet = place_on_bed(checked, *settings.sheet_mm)
    # Nested pieces each go where a sheet has room (the nesting refuses one that fits none), so the drawing
    # as a whole need not fit the sheet: only the stock's thickness is checked then.
    nested = nests_pieces(part, inputs.copies, inputs.coupon, settings.sheet_mm, settings.margin_mm)
    stock = (math.inf, math.inf) if nested else settings.sheet_mm
    # The pockets' corners are as tight as the last tool in them cuts: the rest tool's, when there is one.
    report = check_cnc(on_sheet, inputs.tool, limits, (*stock, part.thickness_mm), limits["smallest_tool_diameter"],
                       pocket_tool=inputs.rest_tool or inputs.pocket_tool or inputs.tool)
    checks = _checked(report, "cnc", inputs.override_checks)
    outputs: dict[str, bytes] = {}
    sheet_records, findings, operations = [], [], []
    sheets, unlabelled = _router_sheets(part, inputs, settings, recorded_sheets, nested)

    def plan_sheet(index: int) -> RouterJob:
        name, placed, _ = sheets[index]
        sheet_progress = None if progress is None else (
            lambda fraction, stage: progress((index + fraction) / len(sheets), stage))
        return plan_router_job(replace(placed, name=f"{part.name} {name}"), settings, inputs.machine,
                               inputs.material.name, progress=sheet_progress, cancel=cancel)

    def sheets_done(count: int) -> None:
        if cancel is not None and cancel():
            raise SliceCancelled("making the toolpaths was cancelled")

    # Each sheet is planned, simulated and posted on its own: the sheets share the cores (forked where
    # that is safe: from the command line, not the window's worker thread).
    planned = map_layers(plan_sheet, len(sheets), sheets_done, min_parallel=2, chunk=1)
    for (name, _, nested), job in zip(sheets, planned, strict=True):
        findings += [asdict(f) for f in job.findings]
        operations += [{"sheet": name, "name": t.name, "kind": t.kind, "tool": t.tool.id,
                        "cut_length_mm": round(t.cut_length_mm(), 3)} for t in job.toolpaths]
        outputs.update({f"{name}/{file.name}": file.text.encode("ascii") for file in job.files})
        sheet_records.append(_sheet_record(name, sum(f.run_time_s for f in job.files), nested))
    if findings and not inputs.accept_findings:
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        raise CheckFailed(f"{findings[0]['message']}{more}: nothing written; fix the settings, or pass "
                          "--accept-findings to write it anyway")
    run_time = round(sum(sheet["run_time_s"] for sheet in sheet_records), 1)
    record = {
        "kind": "cam", "source": source.record, "machine": asdict(inputs.machine),
        "material": asdict(inputs.material), "tool": asdict(inputs.tool), "engrave_tool": asdict(inputs.engrave_tool),
        "pocket_tool": asdict(inputs.pocket_tool) if inputs.pocket_tool else None,
        "rest_tool": asdict(inputs.rest_tool) if inputs.rest_tool else None, "thickness_mm": part.thickness_mm,
        "settings": {key: value for key, value in asdict(settings).items()
                     if key not in ("tool", "engrave_tool", "pocket_tool", "rest_tool")},
        "copies": inputs.copies, "sheets": sheet_records, "operations": operations, "checks": checks,
        "check_limits": limits,
        "findings": findings, "findings_accepted": bool(findings), "run_time_s": run_time,
        **_labels_record(inputs.labels, unlabelled),
    }
    shift = on_sheet.bounds[0] - checked.bounds[0]
    return CamJob("cnc", outputs, record, report, run_time, tuple(planned),
                  tuple(_piece_placements(part, placed, nested) for _, placed, nested in sheets),
                  (float(shift[0]), float(shift[1]), float(shift[2])))


def router_check_limits() -> dict[str, float]:
    """The installed CNC check limits (resources/checks/cnc.toml) and the smallest end mill of the tool
    library (mm), which the router check holds a part to."""
    return {**load_check_limits("cnc"), "smallest_tool_diameter": smallest_tool_diameter()}


def router_settings(inputs: RouterInputs) -> RouterSettings:
    """The planner's settings: the inputs with cutting data worked out for each tool."""
    machine, material = inputs.machine, inputs.material
    pocket, rest = inputs.pocket_tool, inputs.rest_tool
    for role, tool in (("the cutting tool", inputs.tool), ("the pocket tool", pocket), ("the rest tool", rest)):
        if tool is not None and tool.kind == "vbit":
            # Its cut is a groove as wide as it is deep: no upright wall, no flat floor (V-carving is not built).
            raise LocalfabError(f"{tool.name} is a V-bit: it engraves, but cannot be {role}, which cuts upright "
                                "walls and flat floors; choose a flat or ball end mill")
    if rest is not None and rest.diameter_mm >= (pocket or inputs.tool).diameter_mm:
        raise LocalfabError(f"the rest tool ({rest.diameter_mm:g} mm) clears what the pocket tool "
                            f"({(pocket or inputs.tool).diameter_mm:g} mm) leaves: choose a smaller one")
    return RouterSettings(
        tool=inputs.tool, cutting=cutting_data(inputs.tool, material, machine), sheet_mm=inputs.sheet_mm,
        engrave_tool=inputs.engrave_tool, engrave_cutting=cutting_data(inputs.engrave_tool, material, machine),
        pocket_tool=pocket, pocket_cutting=cutting_data(pocket, material, machine) if pocket else None,
        rest_tool=rest, rest_cutting=cutting_data(rest, material, machine) if rest else None,
        direction=inputs.direction, finishing_allowance_mm=inputs.allowance_mm, tab_count=inputs.tabs,
        tab_width_mm=inputs.tab_width_mm, tab_height_mm=inputs.tab_height_mm, corner_relief=inputs.relief,
        lead_mm=inputs.lead_mm, lead_style=inputs.lead_style, relief_clearance_mm=inputs.relief_clearance_mm,
        resolution_mm=inputs.resolution_mm,
    )


def _router_sheets(part: FlatPart, inputs: RouterInputs, settings: RouterSettings,
                   recorded_sheets: Sequence[Mapping] | None, nested: bool) -> tuple[list[SheetLayout], list[str]]:
    """(name, part in place, nesting or None) per sheet: unless `nested` (nests_pieces), one copy sits in the
    corner as drawn, else its pieces (and more copies, a coupon) are nested; and the labels that found no
    room."""
    _refuse_no_copies(inputs.copies)
    label = None
    if inputs.labels:
        depth = part.engrave_depth_mm if part.engravings else LABEL_DEPTH_MM
        label = partial(labelled, height_mm=LABEL_HEIGHT_MM, depth_mm=LABEL_DEPTH_MM,
                        stroke_width_mm=engrave_width_mm(inputs.engrave_tool, depth))
    if not nested:
        return _single_sheet("sheet-01", place_on_sheet(part, settings.sheet_mm, settings.margin_mm), label)
    parts, copies, letters = _parts_to_nest(part, inputs.copies, inputs.coupon)
    if recorded_sheets is not None:
        nested = recorded_nesting(recorded_sheets, copies)
    else:
        # Each part's cut is a tool diameter wide; with tabs the cuts must not overlap, or one part's cut would
        # cut through its neighbour's tabs.
        spacing = settings.tool.diameter_mm * (2 if settings.tab_count else 1) + inputs.spacing_mm
        nested = nest(parts, copies, settings.sheet_mm, spacing_mm=spacing, margin_mm=settings.margin_mm,
                      keep_grain=[inputs.keep_grain] * len(parts), seconds_per_sheet=inputs.nest_seconds)
    return _nested_sheets([f"sheet-{k:02d}" for k in range(1, len(nested) + 1)], parts, nested, label, letters)


# --- the laser -------------------------------------------------------------------------------------------

def laser_settings_for(source: FlatSource, table: LaserSettings, material: str, marks: bool = False
                       ) -> dict[str, LaserSetting | None]:
    """The table's setting for each operation the part has (cut, engrave, fill), None for the others; marks:
    the job engraves marks of its own besides the part's (labels, a fit coupon's ticks)."""
    part = source.part
    chosen = {
        "cut": table.lookup(material, "cut", part.thickness_mm) if part.outline else None,
        "engrave": table.lookup(material, "engrave", 0.0) if part.engravings or marks else None,
        "fill": table.lookup(material, "fill", 0.0) if fill_areas(part) else None,
    }
    if chosen["cut"] is not None and source.parameters.get("kerf"):
        # The design drew its outlines kerf-compensated already; compensating again would double it.
        chosen["cut"] = replace(chosen["cut"], kerf_mm=0.0)
    return chosen


def cut_with_laser(source: FlatSource, inputs: LaserInputs, recorded_sheets: Sequence[Mapping] | None = None,
                   progress: ProgressCallback | None = None, cancel: CancelCallback | None = None) -> CamJob:
    """Check, nest (or take the recorded placements) and plan the laser program and SVG of each sheet;
    progress(fraction, stage) hears of each sheet, cancel() returning True stops it with SliceCancelled."""
    part = source.part
    thickness = part.thickness_mm
    limits = (dict(inputs.check_limits) if inputs.check_limits is not None
              else laser_limits(inputs.machine.id, inputs.material, thickness))
    report = check_laser(source.mesh, limits, thickness)
    checks = _checked(report, "laser", inputs.override_checks)
    chosen = {"cut": inputs.cut, "engrave": inputs.engrave, "fill": inputs.fill}
    outputs: dict[str, bytes] = {}
    sheets, planned = [], []
    layouts, unlabelled = _laser_sheets(part, inputs, recorded_sheets)
    for index, (folder, placed, nested) in enumerate(layouts):
        if progress is not None:
            progress(index / len(layouts), "planning the layers")
        if cancel is not None and cancel():
            raise SliceCancelled("the laser job was cancelled")
        layers = plan_laser(placed, overscan_mm=inputs.overscan_mm, **chosen)
        planned.append(LaserSheet(placed, tuple(layers)))
        program = laser_program(layers, inputs.machine, placed.name, inputs.material, thickness)
        outputs[folder + program.name] = program.text.encode("ascii")
        outputs[folder + "layers.svg"] = laser_svg(layers, placed).encode("utf-8")
        sheets.append(_sheet_record(folder.rstrip("/") or "sheet-01", program.run_time_s, nested))
    run_time = round(sum(sheet["run_time_s"] for sheet in sheets), 1)
    record = {
        "kind": "laser", "source": source.record, "machine": asdict(inputs.machine), "material": inputs.material,
        "thickness_mm": thickness, "overscan_mm": inputs.overscan_mm, "copies": inputs.copies, "sheets": sheets,
        "checks": checks, "check_limits": limits, "run_time_s": run_time,
        "settings": {op: asdict(setting) for op, setting in chosen.items() if setting is not None},
        **_labels_record(inputs.labels, unlabelled),
    }
    return CamJob("laser", outputs, record, report, run_time, tuple(planned),
                  tuple(_piece_placements(part, placed, nested) for _, placed, nested in layouts))


def _laser_sheets(part: FlatPart, inputs: LaserInputs, recorded_sheets: Sequence[Mapping] | None
                  ) -> tuple[list[SheetLayout], list[str]]:
    """(folder prefix, part in place, nesting or None) per sheet: one copy sits in the sheet's corner (as far
    in as nested parts keep from the edges), more are nested; and the labels that found no room."""
    _refuse_no_copies(inputs.copies)
    sheet = laser_sheet_mm(inputs)
    label = None
    if inputs.labels:
        if inputs.engrave is None:
            raise LocalfabError("labels are engraved: give the laser an engrave setting for the material")
        label = partial(labelled, height_mm=LABEL_HEIGHT_MM, depth_mm=LABEL_DEPTH_MM,  # a laser burns no depth
                        stroke_width_mm=max(inputs.engrave.kerf_mm, LASER_LINE_MM))
    if not nests_pieces(part, inputs.copies, inputs.coupon, sheet, inputs.spacing_mm):
        placed = place_on_sheet(part, sheet, inputs.spacing_mm)
        refuse_off_sheet(placed, sheet, inputs.spacing_mm)
        return _single_sheet("", placed, label)
    parts, copies, letters = _parts_to_nest(part, inputs.copies, inputs.coupon)
    if recorded_sheets is not None:
        nested = recorded_nesting(recorded_sheets, copies)
    else:
        nested = nest(parts, copies, sheet, spacing_mm=inputs.spacing_mm, margin_mm=inputs.spacing_mm,
                      seconds_per_sheet=inputs.nest_seconds)
    names = [f"sheet-{k:02d}/" for k in range(1, len(nested) + 1)]
    layouts, missing = _nested_sheets(names, parts, nested, label, letters)
    return [(folder, replace(placed, name=f"{part.name} {folder.rstrip('/')}"), layout)
            for folder, placed, layout in layouts], missing


def laser_sheet_mm(inputs: LaserInputs) -> tuple[float, float]:
    """The sheet a laser job cuts: the one asked for (it must fit the bed), or the whole bed."""
    if inputs.sheet_mm is None:
        return inputs.machine.travel_mm[0], inputs.machine.travel_mm[1]
    refuse_sheet_off_machine(inputs.sheet_mm, inputs.machine)
    return inputs.sheet_mm


# --- shared by both --------------------------------------------------------------------------------------

# (name, the sheet's parts in place as one part, its nesting or None for one copy in the corner)
SheetLayout = tuple[str, FlatPart, NestedSheet | None]
Labeller = Callable[..., tuple[FlatPart, tuple[str, ...]]]


def nests_pieces(part: FlatPart, copies: int, coupon: bool, sheet_mm: tuple[float, float], margin_mm: float
                 ) -> bool:
    """Whether a job nests its pieces rather than cutting the drawing as laid out in the sheet's corner: for
    more than one copy, a fit coupon beside it, or a drawing of several pieces (a stool's seat, legs and rail)
    that does not fit the sheet as drawn."""
    if copies > 1 or coupon:
        return True
    return len(pieces(part)) > 1 and not lies_on_sheet(place_on_sheet(part, sheet_mm, margin_mm), sheet_mm,
                                                       margin_mm)


def _parts_to_nest(part: FlatPart, copies: int, coupon: bool
                   ) -> tuple[list[FlatPart], list[int], list[str | None]]:
    """What is nested: each piece of the part (copies of each) and a fit coupon when asked for (one), with the
    letter each is labelled with (None: the coupon, which says what it is by its ticks)."""
    parts = pieces(part)
    letters = _piece_letters(len(parts))
    counts = [copies] * len(parts)
    if coupon:
        parts.append(fit_coupon(part.thickness_mm))
        counts.append(1)
        letters.append(None)
    return parts, counts, letters


def _piece_letters(count: int) -> list[str | None]:
    """The letter each piece of a part is labelled with after its copy's number, as slicing.cnc.labels letters
    the pieces of one copy: none for a one-piece part."""
    return [""] if count == 1 else [piece_letter(index) for index in range(count)]


def _piece_placements(part: FlatPart, placed: FlatPart, nested: NestedSheet | None) -> tuple[Placement, ...]:
    """Where each copy of each piece of `part` went on one sheet: its nesting's placements, or (one copy in
    the corner) every piece moved as the whole part was."""
    if nested is not None:
        return nested.placements
    shift = np.subtract(placed.bounds_mm()[:2], part.bounds_mm()[:2])
    return tuple(Placement(index, 0, (float(shift[0]), float(shift[1]))) for index in range(len(pieces(part))))


def _single_sheet(name: str, placed: FlatPart, label: Labeller | None) -> tuple[list[SheetLayout], list[str]]:
    """One copy alone on its sheet, labelled "1" when labels are asked for."""
    if label is None:
        return [(name, placed, None)], []
    placed, missing = label(placed, "1")
    return [(name, placed, None)], list(missing)


def _nested_sheets(names: Sequence[str], parts: Sequence[FlatPart], nested: Sequence[NestedSheet],
                   label: Labeller | None, letters: Sequence[str | None]) -> tuple[list[SheetLayout], list[str]]:
    """Each nested sheet's copies in place, as one part; with labels, each copy of a piece labelled with its
    number (from 1 across the sheets) and the piece's letter (letters[i]: "" for a one-piece part, None for
    what is not labelled, the coupon). Also the labels that found no room."""
    numbers, missing, layouts = [0] * len(parts), [], []
    for name, sheet in zip(names, nested, strict=True):
        copies = placed_parts(parts, sheet)
        for index, placement in enumerate(sheet.placements):
            letter = letters[placement.part]
            if label is not None and letter is not None:
                numbers[placement.part] += 1
                copies[index], not_fitted = label(copies[index], f"{numbers[placement.part]}{letter}")
                missing += not_fitted
        layouts.append((name, merge_parts(name.rstrip("/"), copies), sheet))
    return layouts, missing


def _refuse_no_copies(copies: int) -> None:
    if copies < 1:
        raise LocalfabError(f"--copies {copies}: give 1 or more")


def _sheet_record(name: str, run_time_s: float, nested: NestedSheet | None) -> dict[str, Any]:
    return {"name": name, "run_time_s": round(run_time_s, 1),
            "utilisation": round(nested.utilisation, 4) if nested else None,
            "placements": [asdict(p) for p in nested.placements] if nested else None}


def _labels_record(asked: bool, unlabelled: Sequence[str]) -> dict[str, Any]:
    """What a job record says of its part labels: only when they were asked for, the ones with no room."""
    return {"labels": {"not_fitted": list(unlabelled)}} if asked else {}


def _checked(report: CheckReport, process: str, override: bool) -> dict[str, Any]:
    """The check report as the job record keeps it; errors stop the job unless overridden (recorded)."""
    if report.errors and not override:
        first = report.errors[0]
        more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
        raise CheckFailed(f"the {process} check found errors: {first.message}{more}; nothing written. Fix the "
                          "part, or pass --override-checks to write it anyway (recorded in the job's record)")
    return {**report.as_dict(), "overridden": bool(report.errors) and override}


def cam_files(source: FlatSource, inputs: RouterInputs | LaserInputs, job: CamJob) -> dict[str, bytes]:
    """Every file a job writes into its output folder, by name: the programs and SVGs, the job record
    (cam.json or laser.json) with their hashes, and the recipe `<part>.localfab`."""
    record = {**job.record, "outputs": {name: hashlib.sha256(data).hexdigest()
                                        for name, data in sorted(job.outputs.items())}}
    recipe, files = cam_recipe(source, inputs, job)
    return {**job.outputs, RECORD_FILES[job.process]: plain_json(record),
            f"{source.name}.localfab": pack_recipe(recipe, files)}


def plain_json(value: Any) -> bytes:
    """Sorted, indented JSON text of a record, numpy numbers and arrays as JSON numbers and lists."""
    return (json.dumps(value, indent=2, sort_keys=True, default=_plain) + "\n").encode("utf-8")


def _plain(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else str(value)


# --- the recipe ------------------------------------------------------------------------------------------

def cam_recipe(source: FlatSource, inputs: RouterInputs | LaserInputs, job: CamJob) -> tuple[Recipe, dict[str, bytes]]:
    """The recipe of a CAM job and the files stored with it: the part, the design or drawing, the check
    report and every program and SVG under programs/; every input by value, the placements included."""
    files = {
        **source.files,
        CHECK_FILE: plain_json(job.report.as_dict()),
        THUMBNAIL_FILE: render_thumbnail(source.mesh),
        **{PROGRAMS_FOLDER + name: data for name, data in sorted(job.outputs.items())},
    }
    hashed = [PART_FILE, CHECK_FILE, *(PROGRAMS_FOLDER + name for name in job.outputs)]
    summary = job.report.as_dict()
    settings = json.loads(plain_json({
        **asdict(inputs), "thickness_mm": source.part.thickness_mm, "check_limits": job.record["check_limits"],
        "sheets": [{"name": s["name"], "utilisation": s["utilisation"], "placements": s["placements"]}
                   for s in job.record["sheets"]],
    }))
    material = inputs.material
    recipe = Recipe(
        app_version=app_version(),
        design=source.design,
        parameters=dict(source.parameters),
        process=job.process,
        printer={"id": inputs.machine.id, "name": inputs.machine.name},
        material={"id": material.id, "name": material.name} if isinstance(material, CuttingMaterial)
        else {"id": material, "name": material},
        settings=settings,
        check={"ok": summary["ok"], "counts": summary["counts"], "override": bool(job.report.errors)},
        estimate={"run_time_s": job.run_time_s,
                  "sheets": {s["name"]: s["run_time_s"] for s in job.record["sheets"]}},
        outputs={name: sha256_of(files[name]) for name in sorted(hashed)},
    )
    return recipe, files


def rebuild_cam(loaded: RecipeFile) -> RebuildReport:
    """Rebuild a CNC or laser recipe from its recorded inputs and placements; compare every output's hash."""
    recorded = loaded.recipe
    settings = recorded.settings
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="localfab-recipe-cam-") as scratch:
        source = _recorded_source(recorded, loaded.files, Path(scratch), notes)
        try:
            inputs = _recorded_inputs(recorded.process, settings)
        except (KeyError, TypeError, ValueError, SlicingError) as exc:
            raise RecipeError(f"recipe.json is damaged: its {recorded.process} settings do not make a job ({exc})"
                              ) from None
        sheets = [s for s in settings.get("sheets", []) if isinstance(s, dict)]
        recorded_sheets = sheets if any(s.get("placements") for s in sheets) else None
        cut = cut_with_router if recorded.process == "cnc" else cut_with_laser
        job = cut(source, inputs, recorded_sheets)
        rebuilt, _ = cam_recipe(source, inputs, job)
    names = sorted(set(recorded.outputs) | set(rebuilt.outputs))
    outputs = tuple(OutputComparison(name=name, recorded=recorded.outputs.get(name, "(none)"),
                                     rebuilt=rebuilt.outputs.get(name, "(none)")) for name in names)
    if recorded.app_version != rebuilt.app_version:
        notes.append(f"recorded with localfab {recorded.app_version}, rebuilt with {rebuilt.app_version}")
    return RebuildReport(outputs=outputs, notes=tuple(notes))


def _recorded_source(recorded: Recipe, files: Mapping[str, bytes], scratch: Path, notes: list[str]) -> FlatSource:
    """The part a recipe was cut from: its carried drawing (checked against the recorded hash), or its design
    built with the recorded parameters."""
    design = recorded.design
    if "drawing" not in design:
        template, found = recorded_template(design, files.get(DESIGN_FILE), scratch)
        notes += found
        return design_source(template, recorded.parameters)
    suffix = Path(str(design["drawing"])).suffix.lower()
    carried = files.get(f"drawing{suffix}") if f"drawing{suffix}" in DRAWING_FILES else None
    if carried is None:
        raise RecipeError(f"the recipe does not carry its drawing {design['drawing']}: it cannot be rebuilt")
    if sha256_of(carried) != design["content_hash"]:
        raise RecipeError("the drawing carried in the recipe does not match the hash recorded in recipe.json: "
                          "it was edited")
    # The drawing keeps its own name: a DXF's layers and an SVG's title do not depend on it, the part's does.
    path = scratch / Path(str(design["drawing"])).name
    path.write_bytes(carried)
    thickness = recorded.settings.get("thickness_mm")
    return drawing_source(path, float(thickness) if thickness is not None else None, design.get("units"))


def _recorded_inputs(process: str, settings: Mapping[str, Any]) -> RouterInputs | LaserInputs:
    """The inputs as a recipe recorded them by value: profiles rebuilt from their recorded values."""
    if process == "cnc":
        values = _known(RouterInputs, settings)
        values.update(machine=_from_record(CncMachine, values["machine"]),
                      material=_from_record(CuttingMaterial, values["material"]),
                      tool=_from_record(Tool, values["tool"]), engrave_tool=_from_record(Tool, values["engrave_tool"]),
                      pocket_tool=_from_record(Tool, values["pocket_tool"]) if values.get("pocket_tool") else None,
                      rest_tool=_from_record(Tool, values["rest_tool"]) if values.get("rest_tool") else None,
                      sheet_mm=_pair(values["sheet_mm"]),
                      tab_points=tuple(_pair(point) for point in values.get("tab_points", ())),
                      check_limits=_limits(values.get("check_limits"), ROUTER_LIMIT_NAMES))
        return RouterInputs(**values)
    values = _known(LaserInputs, settings)
    values["machine"] = _from_record(CncMachine, values["machine"])
    values["check_limits"] = _limits(values.get("check_limits"), LASER_LIMIT_NAMES)
    for operation in ("cut", "engrave", "fill"):
        values[operation] = _from_record(LaserSetting, values[operation]) if values.get(operation) else None
    values["sheet_mm"] = _pair(values["sheet_mm"]) if values.get("sheet_mm") else None
    return LaserInputs(**values)


def _known(cls: type, record: Mapping[str, Any]) -> dict[str, Any]:
    """The record's values of the dataclass's fields; a plain setting (one with a number, flag or text as
    default) must have its default's type, as a recipe's JSON is untrusted."""
    values = {f.name: record[f.name] for f in fields(cls) if f.name in record}
    for field in fields(cls):
        kind = type(field.default)
        if field.name not in values or kind not in (bool, int, float, str):
            continue
        value = values[field.name]
        if kind is float and type(value) is int:
            values[field.name] = float(value)
        elif type(value) is not kind:
            raise TypeError(f"{field.name} should be of type {kind.__name__}, not {value!r}")
    return values


def _from_record(cls: type, record: Mapping[str, Any]) -> Any:
    """A profile dataclass from its recorded values; JSON lists back to the tuples the dataclass holds."""
    values = {name: tuple(tuple(v) if isinstance(v, list) else v for v in value) if isinstance(value, list) else value
              for name, value in _known(cls, record).items()}
    return cls(**values)


def _limits(value: Any, names: Iterable[str]) -> dict[str, float] | None:
    """Recorded check limits, which must give every one of `names` a number (None in a recipe made before
    they were recorded: the installed ones)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                              for v in value.values()) or not set(names) <= set(value):
        raise ValueError(f"check_limits should give a number for each of {', '.join(sorted(names))}")
    return {str(name): float(number) for name, number in value.items()}


def _pair(value: Sequence[float]) -> tuple[float, float]:
    width, height = (float(v) for v in value)
    return width, height
