"""The chain's sub-commands: build, check, slice, make, recipe show|rebuild, settings."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from app.cli.arguments import (
    add_json,
    add_machine,
    add_placement,
    add_preset,
    add_set,
    design_values,
    key_values,
)
from app.cli.output import EXIT_OK, EXIT_PROBLEM, duration, emit, number, table, write_file
from app.errors import LocalfabError


def register(commands: argparse._SubParsersAction) -> None:
    build = commands.add_parser(
        "build", help="build a design into a part (STL, 3MF, STEP) or a flat part's outline (DXF, SVG)")
    build.add_argument("design", help="design id, template folder or CadQuery script")
    add_set(build, "design parameter, e.g. --set width=60 (repeatable)")
    add_preset(build)
    build.add_argument("-o", "--output", type=Path, required=True,
                       help="file to write: .stl, .3mf, .step, .dxf or .svg")
    add_json(build)
    build.set_defaults(run=_build)

    check = commands.add_parser(
        "check", help="check that a part can be made; exit code 0 ok, 1 errors found, 2 could not run")
    check.add_argument("part", type=Path, help="mesh file (.stl, .3mf, .obj)")
    check.add_argument("--process", choices=("fdm", "cnc", "laser"), default="fdm",
                       help="how the part is made (default fdm)")
    check.add_argument("--orient", action="store_true",
                       help="fdm: also advise the three orientations that need the least support")
    check.add_argument("--tool", default="flat-6-2f", help="cnc: tool of the CNC library (default flat-6-2f)")
    check.add_argument("--stock", metavar="X,Y,Z", help="cnc: stock size in mm (default: the part's size)")
    check.add_argument("--laser", default="generic-grbl-diode-laser",
                       help="laser: laser machine of the CNC library (default generic-grbl-diode-laser)")
    check.add_argument("--sheet", default="plywood", help="laser: sheet material (default plywood)")
    check.add_argument("--thickness", type=float, metavar="MM",
                       help="laser: sheet thickness in mm (default: the part's height)")
    add_machine(check)
    add_placement(check)
    add_json(check)
    check.set_defaults(run=_check)

    slicing = commands.add_parser("slice", help="slice a part into G-code")
    slicing.add_argument("parts", type=Path, nargs="+", metavar="PART",
                         help="mesh file (.stl, .3mf, .obj); several are arranged on the bed together")
    add_machine(slicing)
    add_placement(slicing)
    add_set(slicing, "slicer setting, e.g. --set infill_density=20 (see `localfab settings`)")
    slicing.add_argument("-o", "--output", type=Path, required=True, help="G-code file to write")
    add_json(slicing)
    slicing.set_defaults(run=_slice)

    make = commands.add_parser("make", help="the whole chain: build, check, slice, write G-code and recipe")
    make.add_argument("design", help="design id, template folder or CadQuery script")
    add_set(make, "design parameter or slicer setting, e.g. --set width=60 --set infill_density=20")
    add_preset(make)
    add_machine(make)
    make.add_argument("-o", "--output", type=Path, required=True, help="folder for the G-code and the recipe")
    make.add_argument("--force", action="store_true",
                      help="slice even if the check finds errors (recorded in the recipe)")
    add_json(make)
    make.set_defaults(run=_make)

    recipe = commands.add_parser("recipe", help="show or rebuild a .localfab recipe")
    recipe_commands = recipe.add_subparsers(title="recipe commands", metavar="COMMAND", required=True)
    recipe_show = recipe_commands.add_parser("show", help="show what a recipe records")
    recipe_show.add_argument("file", type=Path)
    add_json(recipe_show)
    recipe_show.set_defaults(run=_recipe_show)
    recipe_rebuild = recipe_commands.add_parser(
        "rebuild", help="rebuild from the recorded inputs; prints `identical` or what differs")
    recipe_rebuild.add_argument("file", type=Path)
    add_json(recipe_rebuild)
    recipe_rebuild.set_defaults(run=_recipe_rebuild)

    settings = commands.add_parser("settings", help="list every slicer setting with unit, default and range")
    add_json(settings)
    settings.set_defaults(run=_settings)


def _build(args: argparse.Namespace) -> int:
    from app.chain import part_3mf
    from parametric_designs.build import EXPORT_FORMATS, build_part, export_part
    from parametric_designs.templates import find_template
    from slicing.mesh_export import export_stl

    suffix = args.output.suffix.lower().lstrip(".")
    if suffix not in ("stl", "3mf", *EXPORT_FORMATS):
        raise LocalfabError(f"cannot write {args.output.name}: a part is written as .stl, .3mf or .step, "
                            "and a flat part's outline as .dxf or .svg")
    template = find_template(args.design)
    values = design_values(template, args.preset, key_values(args.values))
    part = build_part(template, values)
    if suffix in EXPORT_FORMATS:
        data = export_part(template, values, suffix)
    else:
        data = part_3mf(part) if suffix == "3mf" else export_stl(part.mesh)
    write_file(args.output, data)
    size = [round(float(v), 3) for v in part.mesh.extents]
    result = {"output": str(args.output), "design": part.template.id, "parameters": part.parameters,
              "facets": len(part.mesh.faces), "size_mm": size, "volume_mm3": round(float(part.mesh.volume), 3),
              "from_cache": part.from_cache}
    emit(args, result, lambda: f"wrote {args.output} ({len(part.mesh.faces)} facets, "
                                f"{size[0]} x {size[1]} x {size[2]} mm)")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    checkers = {"fdm": _check_fdm, "cnc": _check_cnc, "laser": _check_laser}
    report, machine, extra = checkers[args.process](args)
    data = {**report.as_dict(), "part": str(args.part), **extra}

    def text() -> str:
        if not data["findings"]:
            return f"{args.part.name}: no problems found for {machine}"
        rows = [[f["severity"], f["rule"], _measure(f), f["message"]] for f in data["findings"]]
        counts = data["counts"]
        return (table(["severity", "rule", "measured / limit", "finding"], rows) +
                f"\n{args.part.name} on {machine}: {counts['error']} errors, {counts['warning']} warnings")

    emit(args, data, text)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def _check_fdm(args: argparse.Namespace) -> tuple[Any, str, dict]:
    from dataclasses import replace

    from app.checks import check_fdm, orientation_findings, stored_normal_findings
    from app.profiles import resolve_fdm_setup

    setup = resolve_fdm_setup(args.printer, args.material, print_profile=args.print_profile)
    mesh, placement = _placed(args, [args.part], setup.settings)
    report = check_fdm(mesh, setup.settings)
    extra = stored_normal_findings(args.part)
    if args.orient:
        extra += orientation_findings(mesh, setup.settings)
    report = replace(report, findings=report.findings + tuple(extra))
    return report, setup.printer.name, {"printer": setup.printer.id, "placement": placement}


def _check_cnc(args: argparse.Namespace) -> tuple[Any, str, dict]:
    from app.checks import check_cnc
    from app.profiles import load_cam
    from app.profiles.check_limits import load_check_limits, smallest_tool_diameter
    from slicing.mesh import place_on_bed, read_mesh

    tool = load_cam("tool", args.tool)
    mesh = _laid_flat(args, read_mesh(args.part))
    stock = _stock_size(args.stock) if args.stock else tuple(float(v) for v in mesh.extents)
    report = check_cnc(place_on_bed(mesh, stock[0], stock[1]), tool, load_check_limits("cnc"), stock,
                       smallest_tool_diameter())
    return report, f"{tool.name} from {' x '.join(number(v) for v in stock)} mm stock", \
        {"tool": tool.id, "stock_mm": list(stock)}


def _check_laser(args: argparse.Namespace) -> tuple[Any, str, dict]:
    from app.checks import check_laser
    from app.profiles.check_limits import laser_limits
    from slicing.mesh import place_on_bed, read_mesh

    if args.thickness is not None and not args.thickness > 0:
        raise LocalfabError(f"--thickness {args.thickness}: give the sheet's thickness in mm, more than 0")
    mesh = _laid_flat(args, read_mesh(args.part))
    thickness = args.thickness if args.thickness is not None else float(mesh.extents[2])
    limits = laser_limits(args.laser, args.sheet, thickness)
    report = check_laser(place_on_bed(mesh, limits["bed_size_x"], limits["bed_size_y"]), limits, thickness)
    return report, f"{args.laser} cutting {thickness:g} mm {args.sheet}", \
        {"laser": args.laser, "sheet": args.sheet, "thickness_mm": thickness, "kerf_mm": limits["kerf"]}


def _laid_flat(args: argparse.Namespace, mesh: Any) -> Any:
    """The mesh on the largest flat side of its convex hull when --lay-flat asks for it."""
    from slicing.placement import face_down, largest_flat_face

    return face_down(mesh, largest_flat_face(mesh)) if args.lay_flat else mesh


def _stock_size(text: str) -> tuple[float, float, float]:
    """'100,60,20' as (100.0, 60.0, 20.0) mm; a clear error for anything else."""
    try:
        size = tuple(float(part) for part in text.split(","))
    except ValueError:
        size = ()
    if len(size) != 3 or not all(0 < value < 1e5 for value in size):
        raise LocalfabError(f"--stock {text}: give the stock's size in mm as X,Y,Z, e.g. --stock 100,60,20")
    x, y, z = size
    return x, y, z


def _measure(finding: Mapping[str, Any]) -> str:
    """'0.35 / 0.8 mm' for a finding's measured value and limit, as far as it has them."""
    values = [number(finding[key]) for key in ("measured", "limit") if finding[key] is not None]
    return f"{' / '.join(values)} {finding['unit']}".strip() if values else ""


def _slice(args: argparse.Namespace) -> int:
    from app.profiles import resolve_fdm_setup
    from slicing.fdm import slice_mesh
    from slicing.fdm.settings import FdmSettings

    setup = resolve_fdm_setup(args.printer, args.material, key_values(args.values), args.print_profile)
    settings = setup.settings
    mesh, placement = _placed(args, args.parts, settings)
    program = slice_mesh(mesh, FdmSettings.from_mapping(settings))
    write_file(args.output, program.gcode.encode("utf-8"))
    return _report_program(args, program, args.output, extra={"placement": placement})


def _placed(args: argparse.Namespace, paths: Sequence[Path], settings: Mapping[str, Any]) -> tuple[Any, dict]:
    """The parts of `paths` scaled, turned, copied and arranged on the bed as the placement flags ask, as one
    mesh, and what a person should know about the placement. A part of an unlikely size (drawn in other units)
    is reported on stderr, one line each, and in the returned record."""
    from slicing.mesh import read_mesh
    from slicing.placement import (
        arrange,
        combined,
        copies,
        face_down,
        largest_flat_face,
        parse_scale,
        rotated_z,
        scaled,
        unit_hint,
    )

    factors = parse_scale(args.scale)
    meshes, warnings = [], []
    for path in paths:
        mesh = read_mesh(path)
        if args.lay_flat:
            mesh = face_down(mesh, largest_flat_face(mesh))
        mesh = rotated_z(scaled(mesh, factors), args.rotate)
        hint = unit_hint(mesh)
        if hint is not None:
            warnings.append(hint.message(path.name))
        meshes.append(mesh)
    for warning in warnings:
        print(f"localfab: warning: {warning}", file=sys.stderr)
    skirt = settings["skirt_distance"] + settings["skirt_loops"] * settings["line_width"] \
        if settings["skirt_loops"] else 0.0
    placed = arrange(copies(meshes, args.copies), settings["bed_size_x"], settings["bed_size_y"],
                     spacing=args.spacing, margin=max(skirt, settings["brim_width"]))
    mesh = combined(placed)
    low, high = mesh.bounds
    record = {"parts": len(placed), "scale": list(factors), "rotate_deg": args.rotate,
              "bounds_mm": [[round(float(v), 3) for v in low], [round(float(v), 3) for v in high]],
              "unit_warnings": warnings}
    return mesh, record


def _make(args: argparse.Namespace) -> int:
    from app.chain import make
    from app.profiles import resolve_fdm_setup
    from app.profiles.loader import fdm_schema
    from parametric_designs.templates import find_template

    template = find_template(args.design)
    values = key_values(args.values)
    slicer_names = set(fdm_schema())
    design_names = set(template.schema.names)
    both = sorted(set(values) & design_names & slicer_names)
    if both:
        raise LocalfabError(f"{', '.join(both)} is both a design parameter and a slicer setting")
    unknown = sorted(set(values) - design_names - slicer_names)
    if unknown:
        raise LocalfabError(f"{', '.join(unknown)}: not a parameter of {template.id} "
                            f"({', '.join(template.schema.names)}) nor a slicer setting (`localfab settings`)")
    parameters = design_values(template, args.preset, {k: v for k, v in values.items() if k in design_names})
    overrides = {k: v for k, v in values.items() if k in slicer_names}
    setup = resolve_fdm_setup(args.printer, args.material, overrides, args.print_profile)
    result = make(template, parameters, setup, args.output, force=args.force)
    fabrication = result.fabrication
    counts = fabrication.report.as_dict()["counts"]
    if not args.json:
        print(f"built {template.id}: {len(result.part.mesh.faces)} facets"
              f"{' (from cache)' if result.part.from_cache else ''}")
        print(f"check: {counts['error']} errors, {counts['warning']} warnings"
              f"{' (overridden with --force)' if fabrication.recipe.check['override'] else ''}")
    _report_program(args, fabrication.program, result.gcode_path,
                    extra={"recipe": str(result.recipe_path), "check": counts,
                           "parameters": result.part.parameters})
    if not args.json:
        print(f"wrote {result.recipe_path}")
    return EXIT_OK


def _report_program(args: argparse.Namespace, program: Any, path: Path, extra: dict | None = None) -> int:
    estimate = program.estimate
    data = {"gcode": str(path), "layers": len(program.layer_z), "time_s": round(estimate.time_s, 1),
            "filament_mm": round(estimate.filament_mm, 1), "filament_g": round(estimate.filament_g, 2),
            "filament_cost": round(estimate.filament_cost, 2), "warnings": list(program.warnings), **(extra or {})}

    def text() -> str:
        lines = [f"sliced: {data['layers']} layers, {duration(estimate.time_s)}, {data['filament_g']} g "
                 f"({data['filament_mm'] / 1000:.2f} m of filament, cost {data['filament_cost']:.2f})"]
        lines += [f"warning: {w}" for w in program.warnings]
        lines.append(f"wrote {path}")
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_OK


def _recipe_show(args: argparse.Namespace) -> int:
    from app.jobs import read_recipe

    recipe = read_recipe(args.file).recipe
    data = recipe.as_json()

    def text() -> str:
        design = recipe.design
        estimate = recipe.estimate
        if "drawing" in design:
            made_from = f"drawing:    {design['drawing']} ({design['content_hash']})"
        else:
            made_from = (f"design:     {design.get('name', design['id'])} ({design['id']} {design['version']}, "
                         f"{design.get('licence', '?')})")
        if recipe.process == "fdm":
            machine = "printer: "
            expected = f"{duration(float(estimate.get('time_s', 0)))}, {estimate.get('filament_g', 0):.2f} g"
        else:
            machine = "machine: "
            sheets = recipe.settings.get("sheets") or []
            expected = f"{duration(float(estimate.get('run_time_s', 0)))} on {len(sheets)} sheet(s)"
        lines = [
            made_from,
            f"process:    {recipe.process}",
            f"parameters: {', '.join(f'{k}={number(v)}' for k, v in recipe.parameters.items())}",
            f"{machine}   {recipe.printer.get('name')}   material: {recipe.material.get('name')}",
            f"check:      {recipe.check.get('counts')}{'  OVERRIDDEN' if recipe.check.get('override') else ''}",
            f"estimate:   {expected}",
            f"made with:  localfab {recipe.app_version}",
        ]
        lines += [f"output:     {name} {digest}" for name, digest in sorted(recipe.outputs.items())]
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_OK


def _recipe_rebuild(args: argparse.Namespace) -> int:
    from app.chain import rebuild

    report = rebuild(args.file)

    def text() -> str:
        lines = list(f"note: {n}" for n in report.notes)
        if report.identical:
            lines.append("identical")
        else:
            lines += [f"differs: {o.name} (recorded {o.recorded}, rebuilt {o.rebuilt})"
                      for o in report.outputs if not o.same]
        return "\n".join(lines)

    emit(args, report.as_dict(), text)
    return EXIT_OK if report.identical else EXIT_PROBLEM


def _settings(args: argparse.Namespace) -> int:
    from app.profiles.loader import fdm_schema

    specs = fdm_schema()
    data = [{"name": s.name, "section": s.section, "type": s.type, "unit": s.unit, "default": s.default,
             "min": s.min, "max": s.max, "help": s.help} for s in specs.values()]
    rows = [[d["name"], d["section"], d["unit"], "" if d["default"] is None else number(d["default"]),
             "" if d["min"] is None else f"{number(d['min'])}-{number(d['max'])}", d["help"]]
            for d in data]
    emit(args, data, lambda: table(["setting", "from", "unit", "default", "range", "help"], rows))
    return EXIT_OK
