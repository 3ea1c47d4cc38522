"""`localfab cam` and `localfab laser`: a flat part (DXF, SVG, or a template's outline) to a proven machine
program in a folder, with a cam.json / laser.json that records the settings by value and the output hashes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from app.cli.arguments import add_json, add_preset, add_set, design_values, key_values
from app.cli.output import EXIT_OK, duration, emit, write_file
from app.errors import CheckFailed, LocalfabError

# A job record is a few kB per sheet; anything much bigger is not one.
MAX_RECORD_BYTES = 16 << 20


def register(commands: argparse._SubParsersAction) -> None:
    cam = commands.add_parser("cam", help="CNC router program (GRBL or LinuxCNC) for a flat part, proven by "
                                          "a stock-removal simulation")
    _add_input(cam)
    cam.add_argument("--machine", default="generic-grbl-router", help="router profile (resources/cam/machines)")
    cam.add_argument("--tool", default="flat-6-2f", help="cutting tool for profiles, pockets and holes")
    cam.add_argument("--pocket-tool", default=None, help="a smaller tool for pockets (default: --tool)")
    cam.add_argument("--engrave-tool", default="vbit-60-6.35", help="tool for engraved lines")
    cam.add_argument("--sheet", default="600x400", metavar="WxH", help="sheet size in mm (default 600x400)")
    cam.add_argument("--copies", type=int, default=1, metavar="N",
                     help="nest N copies on as many sheets as they need (one program set per sheet)")
    cam.add_argument("--spacing", type=float, default=2.0, metavar="MM",
                     help="gap between nested parts beyond their cuts: one tool diameter, two with tabs (default 2 mm)")
    cam.add_argument("--keep-grain", action="store_true", help="nested parts only turn half turns, keeping grain")
    cam.add_argument("--nest-seconds", type=int, default=1, metavar="S", help="nesting search time per sheet")
    _add_placements(cam, "cam.json")
    cam.add_argument("--coupon", action="store_true",
                     help="add a fit coupon: slots from the sheet thickness +0.0 to +0.5 mm, to pick a fit")
    cam.add_argument("--tabs", type=int, default=4, metavar="N", help="holding tabs per part (default 4)")
    cam.add_argument("--tab-width", type=float, default=8.0, metavar="MM", help="tab width (default 8 mm)")
    cam.add_argument("--tab-height", type=float, default=3.0, metavar="MM", help="tab height (default 3 mm)")
    cam.add_argument("--relief", choices=("dogbone", "tbone"), default="",
                     help="relieve inside corners so mating parts seat (T-bones run along the longer edge)")
    cam.add_argument("--lead", type=float, default=0.0, metavar="MM",
                     help="lead the outside cut in and out this far in the waste (default 0: plunge on the line)")
    cam.add_argument("--direction", choices=("climb", "conventional"), default="climb")
    cam.add_argument("--allowance", type=float, default=0.0, metavar="MM",
                     help="leave this much for one full-depth finishing pass")
    cam.add_argument("--resolution", type=float, default=0.5, metavar="MM",
                     help="cell size of the stock simulation (default 0.5 mm)")
    cam.add_argument("--override-checks", action="store_true",
                     help="write the program although the manufacturability check found errors (recorded)")
    cam.add_argument("--accept-findings", action="store_true",
                     help="write the program although the simulation found pieces not held as asked "
                          "(recorded in cam.json); a gouge is never accepted")
    cam.set_defaults(run=_cam)

    laser = commands.add_parser("laser", help="GRBL laser G-code and a layered SVG for a flat part")
    _add_input(laser)
    laser.add_argument("--machine", default="generic-grbl-diode-laser", help="laser profile (resources/cam/machines)")
    laser.add_argument("--copies", type=int, default=1, metavar="N",
                       help="nest N copies on as many sheets as they need (a program and SVG per sheet)")
    laser.add_argument("--sheet", default=None, metavar="WxH", help="sheet size in mm (default: the laser's bed)")
    laser.add_argument("--spacing", type=float, default=2.0, metavar="MM", help="gap between nested parts")
    laser.add_argument("--nest-seconds", type=int, default=1, metavar="S", help="nesting search time per sheet")
    _add_placements(laser, "laser.json")
    laser.add_argument("--override-checks", action="store_true",
                       help="write the program although the manufacturability check found errors (recorded)")
    laser.add_argument("--overscan", type=float, default=2.0, metavar="MM",
                       help="unlit run-up at each end of a fill line (default 2 mm)")
    laser.set_defaults(run=_laser)


def _add_placements(parser: argparse.ArgumentParser, record_name: str) -> None:
    parser.add_argument("--placements", type=Path, default=None, metavar=record_name.upper().replace(".", "_"),
                        help=f"reuse the nesting recorded in an earlier job's {record_name} (same part, copies and "
                             "coupon): the nesting search is time-bounded, so only this rebuilds the same program")


def _add_input(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("part", help="a .dxf or .svg drawing, or the id of a flat (CNC or laser) design")
    parser.add_argument("--material", default="plywood", help="material (resources/cam/materials)")
    parser.add_argument("--thickness", type=float, default=None, metavar="MM",
                        help="measured sheet thickness (default: the design's thickness parameter)")
    parser.add_argument("--units", choices=("mm", "cm", "m", "inch", "ft"), default=None,
                        help="unit of a DXF that does not say its own")
    add_set(parser, "design parameter, e.g. --set thickness=17.6")
    add_preset(parser)
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder to write the program(s) to")
    add_json(parser)


def _cam(args: argparse.Namespace) -> int:
    from app.profiles.cam import load_cam
    from app.profiles.check_limits import load_check_limits
    from slicing.cnc.flat import extruded_mesh
    from slicing.cnc.job import RouterSettings, plan_router_job, relieved
    from slicing.cnc.tooling import cutting_data

    machine = load_cam("machine", args.machine)
    if machine.kind != "router":
        raise LocalfabError(f"{machine.name} is a {machine.kind}: use `localfab laser`, or a router --machine")
    material = load_cam("material", args.material)
    tool = load_cam("tool", args.tool)
    engrave_tool = load_cam("tool", args.engrave_tool)
    pocket_tool = load_cam("tool", args.pocket_tool) if args.pocket_tool else None
    part, source, mesh = _read_part(args)
    settings = RouterSettings(
        tool=tool, cutting=cutting_data(tool, material, machine), sheet_mm=_sheet(args.sheet),
        engrave_tool=engrave_tool, engrave_cutting=cutting_data(engrave_tool, material, machine),
        pocket_tool=pocket_tool, pocket_cutting=cutting_data(pocket_tool, material, machine) if pocket_tool else None,
        direction=args.direction, finishing_allowance_mm=args.allowance, tab_count=args.tabs,
        tab_width_mm=args.tab_width, tab_height_mm=args.tab_height, corner_relief=args.relief, lead_mm=args.lead,
        relief_clearance_mm=load_check_limits("cnc")["corner_clearance"],
        resolution_mm=args.resolution,
    )
    # With reliefs asked for, the check sees the part as it will be cut: its outline relieved, its pockets.
    checked = extruded_mesh(relieved(part, settings)) if args.relief else mesh
    checks = _checks(args, "cnc", checked, part.thickness_mm, tool=tool, pocket_tool=pocket_tool or tool,
                     sheet=settings.sheet_mm)
    sheets = _sheets(args, part, source, settings)
    outputs: dict[str, bytes] = {}
    sheet_records, findings, operations = [], [], []
    for name, placed, nested in sheets:
        job = plan_router_job(replace(placed, name=f"{part.name} {name}"), settings, machine, material.name)
        findings += [asdict(f) for f in job.findings]
        operations += [{"sheet": name, "name": t.name, "kind": t.kind, "tool": t.tool.id,
                        "cut_length_mm": round(t.cut_length_mm(), 3)} for t in job.toolpaths]
        outputs.update({f"{name}/{file.name}": file.text.encode("ascii") for file in job.files})
        sheet_records.append({"name": name, "run_time_s": round(sum(f.run_time_s for f in job.files), 1),
                              "utilisation": round(nested.utilisation, 4) if nested else None,
                              "placements": [asdict(p) for p in nested.placements] if nested else None})
    if findings and not args.accept_findings:
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        raise CheckFailed(f"{findings[0]['message']}{more}: nothing written; fix the settings, or pass "
                          "--accept-findings to write it anyway")
    record = {
        "kind": "cam", "source": source, "machine": asdict(machine), "material": asdict(material),
        "tool": asdict(tool), "engrave_tool": asdict(engrave_tool),
        "pocket_tool": asdict(pocket_tool) if pocket_tool else None, "thickness_mm": part.thickness_mm,
        "settings": {key: value for key, value in asdict(settings).items()
                     if key not in ("tool", "engrave_tool", "pocket_tool")},
        "copies": args.copies, "sheets": sheet_records, "operations": operations, "checks": checks,
        "findings": findings, "findings_accepted": bool(findings),
        "run_time_s": round(sum(sheet["run_time_s"] for sheet in sheet_records), 1),
    }
    return _write(args, "cam.json", outputs, record)


def _laser(args: argparse.Namespace) -> int:
    from app.profiles.cam import load_cam, load_laser_settings
    from slicing.laser.gcode import laser_program
    from slicing.laser.plan import fill_areas, plan_laser
    from slicing.laser.svg_out import laser_svg

    machine = load_cam("machine", args.machine)
    if machine.kind != "laser" or not machine.laser_settings:
        raise LocalfabError(f"{machine.name} is not a laser with a settings table: choose a laser --machine")
    table = load_laser_settings(machine.laser_settings)
    part, source, mesh = _read_part(args)
    thickness = part.thickness_mm
    checks = _checks(args, "laser", mesh, thickness, machine=machine)
    chosen = {
        "cut": table.lookup(args.material, "cut", thickness) if part.outline else None,
        "engrave": table.lookup(args.material, "engrave", 0.0) if part.engravings else None,
        "fill": table.lookup(args.material, "fill", 0.0) if fill_areas(part) else None,
    }
    if chosen["cut"] is not None and source.get("parameters", {}).get("kerf"):
        # The design drew its outlines kerf-compensated already; compensating again would double it.
        chosen["cut"] = replace(chosen["cut"], kerf_mm=0.0)
    outputs: dict[str, bytes] = {}
    sheets = []
    for folder, placed, nested in _laser_sheets(args, part, source, machine):
        layers = plan_laser(placed, overscan_mm=args.overscan, **chosen)
        program = laser_program(layers, machine, placed.name, args.material, thickness)
        outputs[folder + program.name] = program.text.encode("ascii")
        outputs[folder + "layers.svg"] = laser_svg(layers, placed).encode("utf-8")
        sheets.append({"name": folder.rstrip("/") or "sheet-01", "run_time_s": round(program.run_time_s, 1),
                       "utilisation": round(nested.utilisation, 4) if nested else None,
                       "placements": [asdict(p) for p in nested.placements] if nested else None})
    record = {
        "kind": "laser", "source": source, "machine": asdict(machine), "material": args.material,
        "thickness_mm": thickness, "overscan_mm": args.overscan, "copies": args.copies, "sheets": sheets,
        "checks": checks,
        "settings": {op: asdict(setting) for op, setting in chosen.items() if setting is not None},
        "run_time_s": round(sum(sheet["run_time_s"] for sheet in sheets), 1),
    }
    return _write(args, "laser.json", outputs, record)


def _laser_sheets(args: argparse.Namespace, part: Any, source: dict[str, Any], machine: Any
                  ) -> list[tuple[str, Any, Any]]:
    """(folder prefix, part, nesting or None) per sheet: one copy as drawn, more nested on sheets."""
    from slicing.cnc.nest import nest, sheet_part

    if args.copies < 1:
        raise LocalfabError(f"--copies {args.copies}: give 1 or more")
    if args.copies == 1:
        return [("", part, None)]
    sheet = _sheet(args.sheet) if args.sheet else (machine.travel_mm[0], machine.travel_mm[1])
    nested = _nesting(args, source, [args.copies], lambda: nest(
        [part], [args.copies], sheet, spacing_mm=args.spacing, margin_mm=args.spacing,
        seconds_per_sheet=args.nest_seconds))
    return [(f"sheet-{k:02d}/", sheet_part(f"{part.name} sheet-{k:02d}", [part], layout), layout)
            for k, layout in enumerate(nested, start=1)]


def _sheets(args: argparse.Namespace, part: Any, source: dict[str, Any], settings: Any
            ) -> list[tuple[str, Any, Any]]:
    """(name, part in place, nesting or None) per sheet: one copy sits in the corner, more (or a coupon
    beside it) are nested."""
    from slicing.cnc.coupon import fit_coupon
    from slicing.cnc.job import place_on_sheet
    from slicing.cnc.nest import nest, sheet_part

    if args.copies < 1:
        raise LocalfabError(f"--copies {args.copies}: give 1 or more")
    if args.copies == 1 and not args.coupon:
        return [("sheet-01", place_on_sheet(part, settings.sheet_mm, settings.margin_mm), None)]
    parts, copies = [part], [args.copies]
    if args.coupon:
        parts.append(fit_coupon(part.thickness_mm))
        copies.append(1)
    # Each part's cut is a tool diameter wide; with tabs the cuts must not overlap, or one part's cut would
    # cut through its neighbour's tabs.
    spacing = settings.tool.diameter_mm * (2 if settings.tab_count else 1) + args.spacing
    nested = _nesting(args, source, copies, lambda: nest(
        parts, copies, settings.sheet_mm, spacing_mm=spacing, margin_mm=settings.margin_mm,
        keep_grain=[args.keep_grain] * len(parts), seconds_per_sheet=args.nest_seconds))
    return [(f"sheet-{k:02d}", sheet_part(f"sheet-{k:02d}", parts, sheet), sheet)
            for k, sheet in enumerate(nested, start=1)]


def _nesting(args: argparse.Namespace, source: dict[str, Any], copies: list[int],
             search: Callable[[], list[Any]]) -> list[Any]:
    """The nesting recorded in --placements (refused unless it was made for this very part), else a new
    search."""
    from slicing.cnc.nest import recorded_nesting

    if args.placements is None:
        return search()
    path = args.placements
    if not path.is_file() or path.stat().st_size > MAX_RECORD_BYTES:
        raise LocalfabError(f"--placements {path}: give the cam.json or laser.json of an earlier job")
    try:
        record = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise LocalfabError(f"--placements {path} is not a job record (not JSON)") from None
    if not isinstance(record, dict) or record.get("source") != source:
        raise LocalfabError(f"--placements {path} was made for another part (or other parameters): its placements "
                            "may not fit this one; nest afresh without --placements")
    return recorded_nesting(record.get("sheets") or [], copies)


def _checks(args: argparse.Namespace, process: str, mesh: Any, thickness: float, *, tool: Any = None,
            pocket_tool: Any = None, sheet: tuple[float, float] | None = None, machine: Any = None) -> dict[str, Any]:
    """The manufacturability check of the part (app.checks), each feature against the tool that cuts it:
    errors stop the job unless --override-checks, which the record keeps."""
    from app.checks import check_cnc, check_laser
    from app.profiles.check_limits import laser_limits, load_check_limits, smallest_tool_diameter
    from slicing.mesh import place_on_bed

    if process == "cnc":
        stock = (*sheet, thickness)
        report = check_cnc(place_on_bed(mesh, sheet[0], sheet[1]), tool, load_check_limits("cnc"), stock,
                           smallest_tool_diameter(), pocket_tool=pocket_tool)
    else:
        report = check_laser(mesh, laser_limits(machine.id, args.material, thickness), thickness)
    record = {**report.as_dict(), "overridden": bool(report.errors) and args.override_checks}
    if report.errors and not args.override_checks:
        first = report.errors[0]
        more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
        raise CheckFailed(f"the {process} check found errors: {first.message}{more}; nothing written. Fix the "
                          "part, or pass --override-checks to write it anyway (recorded in the job's record)")
    return record


def _read_part(args: argparse.Namespace) -> tuple[Any, dict[str, Any], Any]:
    """The flat part with its thickness, where it came from (file hash, or design and parameters), and its
    solid for the manufacturability check."""
    from slicing.cnc.dxf_input import read_dxf
    from slicing.cnc.flat import extruded_mesh
    from slicing.cnc.svg_input import read_svg

    path = Path(args.part)
    suffix = path.suffix.lower()
    if suffix in (".dxf", ".svg"):
        if not path.is_file():
            raise LocalfabError(f"there is no file {path}")
        part = read_dxf(path, units=args.units) if suffix == ".dxf" else read_svg(path)
        source: dict[str, Any] = {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        thickness = args.thickness
        mesh = None
    else:
        from parametric_designs.build import build_part
        from parametric_designs.templates import find_template
        from slicing.cnc.mesh_input import flat_part_from_mesh

        template = find_template(args.part)
        given = design_values(template, args.preset, key_values(args.values))
        names = set(template.schema.names)
        if args.thickness is not None and "thickness" in names:
            given["thickness"] = args.thickness
        if "kerf" in names and "kerf" not in given:
            given["kerf"] = 0  # the laser job compensates the kerf from its settings table
        built = build_part(template, given)
        part = flat_part_from_mesh(built.mesh, template.id)
        source = {"design": template.id, "version": template.version, "parameters": built.parameters,
                  "sha256": hashlib.sha256(built.mesh.export(file_type="stl")).hexdigest()}
        thickness = part.thickness_mm
        mesh = built.mesh
    if thickness is None:
        raise LocalfabError("give the sheet thickness with --thickness MM (measure the sheet)")
    part = part.with_thickness(float(thickness))
    return part, source, mesh if mesh is not None else extruded_mesh(part)


def _sheet(text: str) -> tuple[float, float]:
    try:
        width, height = (float(v) for v in text.lower().split("x"))
    except ValueError:
        raise LocalfabError(f"--sheet {text}: give the sheet as WIDTHxHEIGHT in mm, e.g. 2440x1220") from None
    if not (0 < width < 1e5 and 0 < height < 1e5):
        raise LocalfabError(f"--sheet {text}: both sides must be above 0 mm")
    return width, height


def _write(args: argparse.Namespace, record_name: str, outputs: dict[str, bytes], record: dict[str, Any]) -> int:
    for name, data in sorted(outputs.items()):
        write_file(args.output / name, data)
    record["outputs"] = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(outputs.items())}
    write_file(args.output / record_name, (json.dumps(record, indent=2, sort_keys=True, default=_plain) + "\n")
               .encode("utf-8"))
    emit(args, record, lambda: "\n".join([f"wrote {args.output / name}" for name in sorted(outputs)]
                                         + [f"estimated run time {duration(record['run_time_s'])}"]))
    return EXIT_OK


def _plain(value: Any) -> Any:
    """numpy numbers and arrays in records, as JSON numbers and lists."""
    return value.tolist() if hasattr(value, "tolist") else str(value)
