"""`localfab cam` and `localfab laser`: a flat part (DXF, SVG, or a template's outline) to a proven machine
program in a folder, with a cam.json / laser.json that records the settings by value and the output hashes,
and the job's recipe (`<part>.localfab`, see app.cam_chain) that `localfab recipe rebuild` makes again.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from app.cli.arguments import add_json, add_preset, add_set, design_values, key_values
from app.cli.output import EXIT_OK, duration, emit, write_file
from app.errors import LocalfabError

# A job record is a few kB per sheet; anything much bigger is not one.
MAX_RECORD_BYTES = 16 << 20


def register(commands: argparse._SubParsersAction) -> None:
    cam = commands.add_parser("cam", help="CNC router program (GRBL or LinuxCNC) for a flat part, proven by "
                                          "a stock-removal simulation")
    _add_input(cam)
    cam.add_argument("--machine", default="generic-grbl-router", help="router profile (resources/cam/machines)")
    cam.add_argument("--tool", default="flat-6-2f", help="cutting tool for profiles, pockets and holes")
    cam.add_argument("--pocket-tool", default=None, help="a smaller tool for pockets (default: --tool)")
    cam.add_argument("--rest-tool", default=None,
                     help="a still smaller tool that clears what the pocket tool leaves in the pockets' corners")
    cam.add_argument("--engrave-tool", default="vbit-60-6.35", help="tool for engraved lines")
    cam.add_argument("--sheet", default="600x400", metavar="WxH", help="sheet size in mm (default 600x400)")
    cam.add_argument("--copies", type=int, default=1, metavar="N",
                     help="nest N copies on as many sheets as they need (one program set per sheet)")
    cam.add_argument("--spacing", type=float, default=2.0, metavar="MM",
                     help="gap between nested parts beyond their cuts: one tool diameter, two with tabs (default 2 mm)")
    cam.add_argument("--keep-grain", action="store_true", help="nested parts only turn half turns, keeping grain")
    cam.add_argument("--nest-seconds", type=int, default=1, metavar="S", help="nesting search time per sheet")
    _add_placements(cam, "cam.json")
    _add_labels(cam)
    _add_coupon(cam)
    cam.add_argument("--tabs", type=int, default=4, metavar="N", help="holding tabs per part (default 4)")
    cam.add_argument("--tab-width", type=float, default=8.0, metavar="MM", help="tab width (default 8 mm)")
    cam.add_argument("--tab-height", type=float, default=3.0, metavar="MM", help="tab height (default 3 mm)")
    cam.add_argument("--tab-at", action="append", default=[], metavar="X,Y", type=_point,
                     help="put a tab on the outline nearest this point of the part's drawing (mm); repeat for "
                          "each tab; a piece with none gets --tabs placed automatically; nested copies keep them")
    cam.add_argument("--relief", choices=("dogbone", "tbone"), default="",
                     help="relieve inside corners so mating parts seat (T-bones run along the longer edge)")
    cam.add_argument("--lead", type=float, default=0.0, metavar="MM",
                     help="lead the outside cut in and out this far in the waste (default 0: plunge on the line)")
    # The styles are slicing.cnc.profile's LEAD_STYLES, which checks them; importing it here would slow every
    # command's start by a sixth of a second.
    cam.add_argument("--lead-style", default="line", metavar="line|arc",
                     help="straight lead square to the cut, or a quarter-circle arc tangent to it (no dwell mark)")
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
    _add_coupon(laser)
    _add_labels(laser)
    laser.add_argument("--override-checks", action="store_true",
                       help="write the program although the manufacturability check found errors (recorded)")
    laser.add_argument("--overscan", type=float, default=2.0, metavar="MM",
                       help="unlit run-up at each end of a fill line (default 2 mm)")
    laser.set_defaults(run=_laser)


def _add_placements(parser: argparse.ArgumentParser, record_name: str) -> None:
    parser.add_argument("--placements", type=Path, default=None, metavar=record_name.upper().replace(".", "_"),
                        help=f"reuse the nesting recorded in an earlier job's {record_name} (same part, copies and "
                             "coupon): the nesting search is time-bounded, so only this rebuilds the same program")


def _add_coupon(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--coupon", action="store_true",
                        help="add a fit coupon: slots from the sheet thickness +0.0 to +0.5 mm, to pick a fit")


def _add_labels(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--labels", action="store_true",
                        help="engrave each copy's number (and a letter per piece) on it, to sort the parts after "
                             "cutting; pieces too small for a label are listed")


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
    from app.cam_chain import RouterInputs, cut_with_router
    from app.profiles.cam import load_cam
    from app.profiles.check_limits import load_check_limits

    machine = load_cam("machine", args.machine)
    if machine.kind != "router":
        raise LocalfabError(f"{machine.name} is a {machine.kind}: use `localfab laser`, or a router --machine")
    source = _read_source(args)
    inputs = RouterInputs(
        machine=machine, material=load_cam("material", args.material), tool=load_cam("tool", args.tool),
        engrave_tool=load_cam("tool", args.engrave_tool),
        pocket_tool=load_cam("tool", args.pocket_tool) if args.pocket_tool else None, sheet_mm=_sheet(args.sheet),
        rest_tool=load_cam("tool", args.rest_tool) if args.rest_tool else None,
        copies=args.copies, spacing_mm=args.spacing, keep_grain=args.keep_grain, nest_seconds=args.nest_seconds,
        coupon=args.coupon, tabs=args.tabs, tab_width_mm=args.tab_width, tab_height_mm=args.tab_height,
        tab_points=tuple(args.tab_at),
        relief=args.relief, relief_clearance_mm=load_check_limits("cnc")["corner_clearance"], lead_mm=args.lead,
        lead_style=args.lead_style,
        direction=args.direction, allowance_mm=args.allowance, resolution_mm=args.resolution, labels=args.labels,
        override_checks=args.override_checks, accept_findings=args.accept_findings,
    )
    job = cut_with_router(source, inputs, _recorded_sheets(args, source.record))
    return _write(args, source, inputs, job)


def _laser(args: argparse.Namespace) -> int:
    from app.cam_chain import LaserInputs, cut_with_laser, laser_settings_for
    from app.profiles.cam import load_cam, load_laser_settings

    machine = load_cam("machine", args.machine)
    if machine.kind != "laser" or not machine.laser_settings:
        raise LocalfabError(f"{machine.name} is not a laser with a settings table: choose a laser --machine")
    source = _read_source(args)
    chosen = laser_settings_for(source, load_laser_settings(machine.laser_settings), args.material,
                                args.labels or args.coupon)
    inputs = LaserInputs(
        machine=machine, material=args.material, **chosen, sheet_mm=_sheet(args.sheet) if args.sheet else None,
        copies=args.copies, spacing_mm=args.spacing, nest_seconds=args.nest_seconds, overscan_mm=args.overscan,
        coupon=args.coupon, labels=args.labels, override_checks=args.override_checks,
    )
    job = cut_with_laser(source, inputs, _recorded_sheets(args, source.record))
    return _write(args, source, inputs, job)


def _recorded_sheets(args: argparse.Namespace, source: dict[str, Any]) -> list[Any] | None:
    """The sheets (with their placements) recorded in --placements, refused unless the record was made for
    this very part; None without --placements (nest afresh)."""
    if args.placements is None:
        return None
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
    return record.get("sheets") or []


def _read_source(args: argparse.Namespace) -> Any:
    """The flat part: a drawing, or a design built with the given parameters (--thickness sets its thickness
    parameter; a design that draws its own kerf draws none, as the laser compensates from its table)."""
    from app.cam_chain import DRAWING_SUFFIXES, cut_design_values, design_source, drawing_source
    from parametric_designs.templates import find_template

    path = Path(args.part)
    if path.suffix.lower() in DRAWING_SUFFIXES:
        return drawing_source(path, args.thickness, args.units)
    template = find_template(args.part)
    given = design_values(template, args.preset, key_values(args.values))
    return design_source(template, cut_design_values(template, given, args.thickness))


def _point(text: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give a point as X,Y in mm, e.g. 120,0") from None
    return x, y


def _sheet(text: str) -> tuple[float, float]:
    try:
        width, height = (float(v) for v in text.lower().split("x"))
    except ValueError:
        raise LocalfabError(f"--sheet {text}: give the sheet as WIDTHxHEIGHT in mm, e.g. 2440x1220") from None
    if not (0 < width < 1e5 and 0 < height < 1e5):
        raise LocalfabError(f"--sheet {text}: both sides must be above 0 mm")
    return width, height


def _write(args: argparse.Namespace, source: Any, inputs: Any, job: Any) -> int:
    """The programs and SVGs, the job record with their hashes, and the job's recipe `<name>.localfab`."""
    from app.cam_chain import RECORD_FILES, cam_files

    files = cam_files(source, inputs, job)
    for name, data in sorted(files.items()):
        write_file(args.output / name, data)
    record = json.loads(files[RECORD_FILES[job.process]])
    recipe_path = args.output / f"{source.name}.localfab"
    record["recipe"] = str(recipe_path)
    unlabelled = record.get("labels", {}).get("not_fitted", [])
    emit(args, record, lambda: "\n".join([f"wrote {args.output / name}" for name in sorted(job.outputs)]
                                         + [f"wrote {recipe_path}",
                                            f"estimated run time {duration(record['run_time_s'])}"]
                                         + ([f"no room for the labels {', '.join(unlabelled)}"] if unlabelled
                                            else [])))
    return EXIT_OK
