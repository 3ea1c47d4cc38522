"""Sub-commands about printer, material and print-settings profiles: profiles list|show|import."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from app.cli.arguments import add_json
from app.cli.output import EXIT_OK, emit, number, table


def register(commands: argparse._SubParsersAction) -> None:
    profiles = commands.add_parser("profiles",
                                   help="list, show and import printer, material and print-settings profiles")
    profile_commands = profiles.add_subparsers(title="profiles commands", metavar="COMMAND", required=True)
    listing = profile_commands.add_parser("list", help="list the printer, material and print-settings profiles")
    add_json(listing)
    listing.set_defaults(run=_profiles_list)
    show = profile_commands.add_parser("show", help="show one profile's settings")
    show.add_argument("kind", choices=["printer", "material", "print"])
    show.add_argument("profile")
    add_json(show)
    show.set_defaults(run=_profiles_show)
    importing = profile_commands.add_parser(
        "import", help="import a PrusaSlicer config (.ini) or a vendor bundle into your profiles")
    importing.add_argument("file", type=Path, help="a PrusaSlicer config export or vendor bundle (.ini)")
    importing.add_argument("--printer", help="the printer preset to take from a vendor bundle")
    importing.add_argument("--filament", help="the filament preset to take from a vendor bundle")
    importing.add_argument("--print", dest="print_settings",
                           help="the print settings preset to take from a vendor bundle (default: the printer's)")
    importing.add_argument("--overwrite", action="store_true", help="replace your earlier import of the same id")
    add_json(importing)
    importing.set_defaults(run=_profiles_import)


def _profiles_list(args: argparse.Namespace) -> int:
    from app.profiles import list_profiles

    rows = [{"kind": kind, "id": p.id, "name": p.name}
            for kind in ("printer", "material", "print") for p in list_profiles(kind)]
    emit(args, rows, lambda: table(["kind", "id", "name"], [[r["kind"], r["id"], r["name"]] for r in rows]))
    return EXIT_OK


def _profiles_show(args: argparse.Namespace) -> int:
    from app.profiles import load_profile

    profile = load_profile(args.kind, args.profile)
    data = {"id": profile.id, "name": profile.name, "kind": profile.kind, "settings": profile.settings}
    emit(args, data, lambda: f"{profile.name} ({profile.id})\n" + table(
        ["setting", "value"], [[k, number(v).replace("\n", "\\n")[:70]] for k, v in profile.settings.items()]))
    return EXIT_OK


def _profiles_import(args: argparse.Namespace) -> int:
    from app.errors import ProfileError
    from app.profiles import import_prusaslicer_ini, import_vendor_bundle, write_profile
    from app.profiles.loader import PROFILE_FOLDERS, list_profiles, user_profiles_dir

    if args.printer or args.filament or args.print_settings:
        report = import_vendor_bundle(args.file, args.printer, filament=args.filament,
                                      print_settings=args.print_settings)
    else:
        report = import_prusaslicer_ini(args.file)
    built_in = {kind: {p.id for p in list_profiles(kind)} for kind in PROFILE_FOLDERS}
    materials = [p.id for p in report.profiles if p.kind == "material"]
    chosen = []
    for profile in report.profiles:  # check every profile before writing any
        if profile.kind == "printer" and materials and "default_material" not in profile.meta:
            profile = replace(profile, meta={**profile.meta, "default_material": materials[0]})
        if profile.kind not in PROFILE_FOLDERS:
            continue
        missing = report.missing.get(profile.kind, ())
        if missing:
            raise ProfileError(f"the {profile.kind} profile from {args.file.name} lacks {', '.join(missing)}: "
                               "export a complete config from PrusaSlicer (File > Export > Export Config)")
        folder = user_profiles_dir(profile.kind)
        if profile.id in built_in[profile.kind] and not (folder / f"{profile.id}.toml").exists():
            raise ProfileError(f"{profile.id!r} is a built-in {profile.kind} profile; it cannot be replaced")
        chosen.append((profile, folder))
    written = [str(write_profile(profile, folder, overwrite=args.overwrite,
                                 comments=[f"imported from {args.file.name}"])) for profile, folder in chosen]
    data = {"written": written, "warnings": list(report.warnings), "ignored": list(report.ignored)}

    def text() -> str:
        lines = [f"wrote {path}" for path in written] or [
            "nothing to write: the file holds no printer, material or print settings"]
        lines += [f"warning: {w}" for w in report.warnings]
        if report.ignored:
            lines.append(f"ignored {len(report.ignored)} PrusaSlicer settings localfab has no counterpart for")
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_OK
