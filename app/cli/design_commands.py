"""Sub-commands about designs: designs list|show|install, template new|validate|pack|thumbnail, presets."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.arguments import add_json, add_machine, add_set, key_values
from app.cli.output import EXIT_OK, EXIT_PROBLEM, emit, number, table, write_file


def register(commands: argparse._SubParsersAction) -> None:
    designs = commands.add_parser("designs", help="list, describe and install designs")
    designs_commands = designs.add_subparsers(title="designs commands", metavar="COMMAND", required=True)
    listing = designs_commands.add_parser("list", help="list the designs")
    add_json(listing)
    listing.set_defaults(run=_designs_list)
    show = designs_commands.add_parser("show", help="show a design's description and parameters")
    show.add_argument("design", help="design id (see `localfab designs list`), template folder or CadQuery script")
    add_json(show)
    show.set_defaults(run=_designs_show)
    install = designs_commands.add_parser("install", help="install a template package (.zip) without running it")
    install.add_argument("package", type=Path)
    add_json(install)
    install.set_defaults(run=_designs_install)

    template = commands.add_parser("template", help="designer tools: new, validate, pack, thumbnail")
    template_commands = template.add_subparsers(title="template commands", metavar="COMMAND", required=True)
    new = template_commands.add_parser("new", help="write a working template scaffold to start from")
    new.add_argument("name", help="the design's name, e.g. 'Drawer divider'")
    new.add_argument("--dir", type=Path, default=Path("."), help="folder to create it in (default: here)")
    new.add_argument("--author", default="you", help="author named in the manifest")
    new.set_defaults(run=_template_new)
    validate = template_commands.add_parser(
        "validate", help="build over the parameter space and check every part; exit 1 on any failure")
    validate.add_argument("template", help="template folder or id")
    validate.add_argument("--samples", type=int, default=50, help="random samples besides defaults and corners")
    validate.add_argument("--seed", type=int, default=20261122, help="seed of the random samples")
    add_machine(validate)
    add_json(validate)
    validate.set_defaults(run=_template_validate)
    pack = template_commands.add_parser("pack", help="zip a template with its manifest, thumbnail and hash")
    pack.add_argument("template", help="template folder or id")
    pack.add_argument("-o", "--output", type=Path, help="zip to write (default: <id>-<version>.zip here)")
    pack.set_defaults(run=_template_pack)
    thumbnail = template_commands.add_parser("thumbnail", help="render thumbnail.png from the defaults")
    thumbnail.add_argument("templates", nargs="+", help="template folders or ids")
    thumbnail.set_defaults(run=_template_thumbnail)

    presets = commands.add_parser("presets", help="save, list and show named parameter sets of a design")
    presets_commands = presets.add_subparsers(title="presets commands", metavar="COMMAND", required=True)
    listing = presets_commands.add_parser("list", help="list a design's saved presets")
    listing.add_argument("design")
    add_json(listing)
    listing.set_defaults(run=_presets_list)
    save = presets_commands.add_parser("save", help="save parameter values as a named preset")
    save.add_argument("design")
    save.add_argument("name")
    add_set(save, "parameter value, e.g. --set width=60 (the rest keep their defaults)")
    save.add_argument("-o", "--output", type=Path, help="write the preset to this file to share it")
    save.set_defaults(run=_presets_save)
    show_preset = presets_commands.add_parser("show", help="show a preset's values")
    show_preset.add_argument("design")
    show_preset.add_argument("preset", help="preset name or file")
    add_json(show_preset)
    show_preset.set_defaults(run=_presets_show)


def _designs_list(args: argparse.Namespace) -> int:
    from parametric_designs.templates import discover

    templates = discover()
    rows = [t.summary() for t in templates.values()]
    emit(args, rows, lambda: table(
        ["id", "name", "processes", "licence"],
        [[r["id"], r["name"], ",".join(r["processes"]), r["licence"]] for r in rows]))
    return EXIT_OK


def _designs_show(args: argparse.Namespace) -> int:
    from parametric_designs.templates import find_template

    template = find_template(args.design)
    parameters = [
        {"name": p.name, "type": p.type, "default": p.default, "unit": p.unit, "allowed": p.describe_allowed(),
         "group": p.group, "help": p.help}
        for p in template.schema.parameters
    ]
    constraints = [{"rule": c.rule, "message": c.message} for c in template.schema.constraints]
    data = {**template.summary(), "parameters": parameters, "constraints": constraints}

    def text() -> str:
        lines = [f"{template.name} ({template.id} {template.version}, {template.licence}, by {template.author})",
                 "", template.description, ""]
        lines.append(table(["parameter", "default", "allowed", "help"],
                            [[p["name"], number(p["default"]), p["allowed"], p["help"]] for p in parameters]))
        if constraints:
            lines += ["", "constraints:"] + [f"  {c['rule']}: {c['message']}" for c in constraints]
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_OK


def _designs_install(args: argparse.Namespace) -> int:
    from parametric_designs.publish import install_package

    template = install_package(args.package)
    emit(args, template.summary(), lambda: f"installed {template.id} {template.version} into {template.folder}")
    return EXIT_OK


def _template_new(args: argparse.Namespace) -> int:
    from parametric_designs.publish import new_template

    folder = new_template(args.name, args.dir, author=args.author)
    print(f"wrote {folder}: edit template.toml and design.py, then `localfab template validate {folder}`")
    return EXIT_OK


def _template_validate(args: argparse.Namespace) -> int:
    from app.checks import check_fdm
    from app.profiles import resolve_fdm_setup
    from parametric_designs.publish import sweep
    from parametric_designs.templates import find_template
    from slicing.mesh import place_on_bed

    template = find_template(args.template)
    settings = resolve_fdm_setup(args.printer, args.material, print_profile=args.print_profile).settings

    def check(mesh) -> str | None:
        placed = place_on_bed(mesh, settings["bed_size_x"], settings["bed_size_y"])
        errors = check_fdm(placed, settings).errors
        return "; ".join(f"{e.rule}: {e.message}" for e in errors) or None

    # A part cut on a router or a laser is checked against a tool, a sheet and a machine: `localfab cam` and
    # `localfab laser` run those checks; here such a template's cases are built only.
    printed = "fdm" in template.processes
    outcomes = sweep(template, samples=args.samples, seed=args.seed, inspect=check if printed else None)
    failures = [o for o in outcomes if o.status == "failed"]
    counts = {status: sum(o.status == status for o in outcomes) for status in ("built", "refused", "failed")}
    data = {"template": template.id, "cases": len(outcomes), "counts": counts,
            "failures": [{"case": o.case.label, "values": o.case.values, "message": o.message} for o in failures]}

    def text() -> str:
        lines = [f"{template.id}: {len(outcomes)} cases, {counts['built']} built, {counts['refused']} refused by "
                 f"a declared range or constraint, {counts['failed']} failed"]
        if not printed:
            lines.append(f"built only: a {'/'.join(template.processes)} part is checked by `localfab cam` or "
                         "`localfab laser` against its tool, sheet and machine")
        if failures:
            lines.append(table(["case", "values", "failure"], [
                [o.case.label, ", ".join(f"{k}={number(v)}" for k, v in o.case.values.items()), o.message]
                for o in failures]))
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_PROBLEM if failures else EXIT_OK


def _template_pack(args: argparse.Namespace) -> int:
    from parametric_designs.publish import pack_template
    from parametric_designs.templates import find_template

    template = find_template(args.template)
    output = args.output or Path(f"{template.id}-{template.version}.zip")
    write_file(output, pack_template(template))
    print(f"wrote {output} ({template.id} {template.version}, {template.content_hash})")
    return EXIT_OK


def _template_thumbnail(args: argparse.Namespace) -> int:
    from parametric_designs.publish import write_thumbnail
    from parametric_designs.templates import find_template

    for name in args.templates:
        template = find_template(name)
        write_thumbnail(template)
        print(f"wrote {template.folder / 'thumbnail.png'}")
    return EXIT_OK


def _presets_list(args: argparse.Namespace) -> int:
    from parametric_designs.presets import list_presets
    from parametric_designs.templates import find_template

    names = list_presets(find_template(args.design))
    emit(args, names, lambda: "\n".join(names) or "no presets saved yet")
    return EXIT_OK


def _presets_save(args: argparse.Namespace) -> int:
    from parametric_designs.presets import save_preset
    from parametric_designs.templates import find_template

    path = save_preset(find_template(args.design), args.name, key_values(args.values), path=args.output)
    print(f"saved preset {args.name!r} to {path}")
    return EXIT_OK


def _presets_show(args: argparse.Namespace) -> int:
    from parametric_designs.presets import load_preset
    from parametric_designs.templates import find_template

    values = load_preset(find_template(args.design), args.preset)
    emit(args, values, lambda: "\n".join(f"{k} = {number(v)}" for k, v in values.items()))
    return EXIT_OK
