"""The whole chain as library calls: build a design, check it, slice it, record it, and rebuild a recipe.

`make` and `rebuild` go through the same `fabricate` step, so a recipe rebuilt from its recorded inputs
takes exactly the path that first made it, and any difference in the outputs is real.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.checks import CheckReport, check_fdm, turned_to_fit
from app.errors import CheckFailed, RecipeError
from app.jobs import (
    CHECK_FILE,
    DESIGN_FILE,
    HASHED_OUTPUTS,
    PART_FILE,
    PROGRAM_FILE,
    THUMBNAIL_FILE,
    Recipe,
    read_recipe,
    sha256_of,
    write_recipe,
)
from app.profiles import FdmSetup, Profile, check_settings, with_newer_settings
from app.version import app_version
from parametric_designs.build import BuiltPart, build_part
from parametric_designs.errors import DesignNotFound
from parametric_designs.publish import design_archive, open_design_archive
from parametric_designs.templates import Template, find_template
from slicing.fdm import FdmProgram, slice_mesh
from slicing.fdm.settings import FdmSettings
from slicing.mesh import place_on_bed
from slicing.mesh_export import export_3mf
from slicing.thumbnail import render_thumbnail

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]


@dataclass(frozen=True)
class Fabrication:
    """What one pass through check and slice made from a built part."""

    recipe: Recipe
    files: dict[str, bytes]
    report: CheckReport
    program: FdmProgram | None


@dataclass(frozen=True)
class MakeResult:
    fabrication: Fabrication
    part: BuiltPart
    gcode_path: Path
    recipe_path: Path


@dataclass(frozen=True)
class OutputComparison:
    name: str
    recorded: str
    rebuilt: str

    @property
    def same(self) -> bool:
        return self.recorded == self.rebuilt


@dataclass(frozen=True)
class RebuildReport:
    outputs: tuple[OutputComparison, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def identical(self) -> bool:
        return all(o.same for o in self.outputs)

    def as_dict(self) -> dict[str, Any]:
        return {
            "identical": self.identical,
            "outputs": {o.name: {"recorded": o.recorded, "rebuilt": o.rebuilt, "same": o.same}
                        for o in self.outputs},
            "notes": list(self.notes),
        }


def part_3mf(part: BuiltPart) -> bytes:
    """The built part as 3MF, carrying its template, licence and parameters as metadata."""
    template = part.template
    metadata = {
        "Title": template.name,
        "Designer": template.author,
        "LicenseTerms": template.licence,
        "localfab:template": f"{template.id}@{template.version}",
        "localfab:template_hash": template.content_hash,
        "localfab:parameters": json.dumps(part.parameters, sort_keys=True),
    }
    return export_3mf(part.mesh, metadata, name=template.id)


def fabricate(part: BuiltPart, setup: FdmSetup, *, force: bool = False, progress: Progress | None = None,
              cancel: Cancel | None = None) -> Fabrication:
    """Place (turned on the bed if only that makes it fit), check and slice a built part, and record everything
    in a recipe.

    A check with errors stops here with CheckFailed unless `force`; the override is then recorded.
    """
    settings = setup.settings
    bed_x, bed_y = settings["bed_size_x"], settings["bed_size_y"]
    placed = place_on_bed(turned_to_fit(part.mesh, bed_x, bed_y), bed_x, bed_y)
    report = check_fdm(placed, settings)
    if not report.ok and not force:
        first = report.errors[0]
        more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
        raise CheckFailed(f"the check found an error{more}: {first.message}. Change the design, or pass "
                          "--force to slice anyway (the override is recorded in the recipe)")
    program = slice_mesh(placed, FdmSettings.from_mapping(settings), progress=progress, cancel=cancel)
    files = {
        PART_FILE: part_3mf(part),
        PROGRAM_FILE: program.gcode.encode("utf-8"),
        CHECK_FILE: (json.dumps(report.as_dict(), indent=2, sort_keys=True) + "\n").encode("utf-8"),
        THUMBNAIL_FILE: render_thumbnail(part.mesh),
        DESIGN_FILE: design_archive(part.template),
    }
    summary = report.as_dict()
    recipe = Recipe(
        app_version=app_version(),
        design=part.template.summary(),
        parameters=dict(part.parameters),
        process="fdm",
        printer={"id": setup.printer.id, "name": setup.printer.name},
        material={"id": setup.material.id, "name": setup.material.name},
        settings=dict(sorted(settings.items())),
        check={"ok": summary["ok"], "counts": summary["counts"], "override": not report.ok},
        estimate=asdict(program.estimate),
        outputs={name: sha256_of(files[name]) for name in HASHED_OUTPUTS},
        print_profile=({"id": setup.print_profile.id, "name": setup.print_profile.name}
                       if setup.print_profile is not None else None),
    )
    return Fabrication(recipe=recipe, files=files, report=report, program=program)


def make(template: Template, parameters: Mapping[str, Any], setup: FdmSetup, out_dir: Path, *,
         force: bool = False, progress: Progress | None = None, cancel: Cancel | None = None) -> MakeResult:
    """Build `template` with `parameters`, check, slice, and write `<id>.gcode` and `<id>.localfab`."""
    part = build_part(template, parameters, cancel=cancel)
    fabrication = fabricate(part, setup, force=force, progress=progress, cancel=cancel)
    out_dir.mkdir(parents=True, exist_ok=True)
    gcode_path = out_dir / f"{template.id}.gcode"
    recipe_path = out_dir / f"{template.id}.localfab"
    gcode_path.write_bytes(fabrication.files[PROGRAM_FILE])
    write_recipe(recipe_path, fabrication.recipe, fabrication.files)
    return MakeResult(fabrication=fabrication, part=part, gcode_path=gcode_path, recipe_path=recipe_path)


def rebuild(recipe_path: Path, *, progress: Progress | None = None, cancel: Cancel | None = None
            ) -> RebuildReport:
    """Rebuild a recipe from its recorded inputs and compare every output hash with the recorded one."""
    loaded = read_recipe(recipe_path)
    recorded = loaded.recipe
    if recorded.process in ("cnc", "laser"):
        # Imported here: app.cam_chain builds on this module (its reports and design lookup).
        from app.cam_chain import rebuild_cam

        return rebuild_cam(loaded)
    with tempfile.TemporaryDirectory(prefix="localfab-recipe-design-") as scratch:
        template, notes = recorded_template(recorded.design, loaded.files.get(DESIGN_FILE), Path(scratch))
        return _rebuild_with(recorded, template, notes, progress, cancel)


def recorded_template(design: Mapping[str, Any], carried: bytes | None, scratch: Path
                       ) -> tuple[Template, list[str]]:
    """The template a recipe was made with: the installed one when it is the recorded one, otherwise the design
    the recipe carries (unpacked into `scratch`, nothing run); and notes on which was taken and why."""
    installed = None
    with contextlib.suppress(DesignNotFound):
        installed = find_template(design["id"])
    if installed is not None and installed.content_hash == design["content_hash"]:
        return installed, []
    if carried is not None:
        notes = ["rebuilt from the design carried in the recipe"]
        if installed is not None:
            notes.append(f"the installed design {installed.id} {installed.version} differs from the recorded one")
        return open_design_archive(carried, scratch, design), notes
    if installed is None:
        raise RecipeError(f"the recipe's design {design['id']!r} is not installed here and the recipe does not "
                          "carry it: install the template to rebuild it")
    return installed, [f"the installed design {installed.id} {installed.version} ({installed.content_hash}) is not "
                       f"the one recorded ({design['version']}, {design['content_hash']})"]


def _rebuild_with(recorded: Recipe, template: Template, notes: list[str], progress: Progress | None,
                  cancel: Cancel | None) -> RebuildReport:
    recorded_settings, added = with_newer_settings(recorded.settings)
    if added:
        notes.append(f"the recipe was made before the setting(s) {', '.join(added)} existed: rebuilt with their "
                     "defaults, which keep the behaviour from before them")
    settings = check_settings(recorded_settings)
    part = build_part(template, recorded.parameters, cancel=cancel)
    setup = FdmSetup(
        printer=_recorded_profile("printer", recorded.printer),
        material=_recorded_profile("material", recorded.material),
        print_settings={}, settings=settings,
        print_profile=_recorded_profile("print", recorded.print_profile) if recorded.print_profile else None,
    )
    fabrication = fabricate(part, setup, force=bool(recorded.check.get("override")), progress=progress,
                            cancel=cancel)
    outputs = tuple(
        OutputComparison(name=name, recorded=recorded.outputs[name], rebuilt=fabrication.recipe.outputs[name])
        for name in HASHED_OUTPUTS
    )
    if recorded.app_version != fabrication.recipe.app_version:
        notes.append(f"recorded with localfab {recorded.app_version}, rebuilt with {fabrication.recipe.app_version}")
    return RebuildReport(outputs=outputs, notes=tuple(notes))


def _recorded_profile(kind: str, record: Mapping[str, str]) -> Profile:
    """A profile as a recipe names it; its values travel in the recipe's flat settings."""
    return Profile(id=str(record.get("id", "")), name=str(record.get("name", "")), kind=kind, settings={})
