"""The FDM check: repair what is safe, then hold the part against the printer, material and print settings.

Every limit comes from `settings` (the flat, resolved FDM settings of resources/settings/fdm.toml): the
build volume, nozzle, layer heights, support angle, the material's bridge and bed-contact limits and the
printer's height-to-base limit. Everything is in millimetres and degrees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import manifold3d

from app.checks.build_volume import build_volume_findings
from app.checks.features import small_feature_findings
from app.checks.mesh import check_mesh_integrity, triangle_soup_finding
from app.checks.overhangs import overhang_findings
from app.checks.part import CheckedPart
from app.checks.relief import shallow_relief_findings
from app.checks.repair import repair_mesh
from app.checks.report import CheckReport, Finding
from app.checks.solid import as_solid
from app.checks.stability import stability_findings
from app.checks.thickness import thin_wall_findings, wall_thickness
from app.errors import LocalfabError

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]
Rule = Callable[[CheckedPart, manifold3d.Manifold | None, Mapping[str, Any]], list[Finding]]


class CheckCancelled(LocalfabError):
    """The user cancelled a running check."""


def _walls(part: CheckedPart, _: Any, settings: Mapping[str, Any]) -> list[Finding]:
    return thin_wall_findings(part, wall_thickness(part), float(settings["nozzle_diameter"]))


# (stage shown while it runs, whether it needs the part to be a closed solid, the rule)
STAGES: tuple[tuple[str, bool, Rule], ...] = (
    ("fits the build volume", False, lambda part, _, settings: build_volume_findings(part, settings)),
    ("wall thickness", True, _walls),
    ("overhangs and bridges", True, lambda part, _, settings: overhang_findings(part, settings)),
    ("bed contact and stability", True, lambda part, _, settings: stability_findings(part, settings)),
    ("small features and holes", True, lambda _, solid, settings: small_feature_findings(solid, settings)),
    ("relief lower than a layer", False, lambda part, _, settings: shallow_relief_findings(part, settings)),
)


def check_fdm(mesh: Any, settings: Mapping[str, Any], *, progress: Progress | None = None,
              cancel: Cancel | None = None) -> CheckReport:
    """Check a part (a trimesh, the slicer's TriangleMesh or a CheckedPart), standing as placed (lowest point
    on the bed), for FDM printing with `settings`. Facet indices in the findings are those of the repaired
    part, which keeps the input's facet order (a repair only appends facets, or drops collapsed ones).

    The report lists the repairs made (info findings under `mesh.repair.*`) and what the repaired part
    breaks. A part that is not a closed solid after repair gets only the rules that do not need an inside.
    `progress(fraction, stage)` is called before each stage; `cancel()` returning True stops the check with
    CheckCancelled.
    """
    _report(progress, 0.0, "repairing the mesh")
    given = CheckedPart.of(mesh)
    soup = triangle_soup_finding(given)
    if soup is not None:
        return CheckReport(process="fdm", findings=(soup,))
    part, findings = repair_mesh(given)
    solid = as_solid(part) if part.is_watertight else None
    findings.extend(check_mesh_integrity(part, solid))
    for index, (stage, needs_solid, rule) in enumerate(STAGES):
        if cancel is not None and cancel():
            raise CheckCancelled("the check was cancelled")
        _report(progress, (index + 1) / (len(STAGES) + 1), stage)
        if solid is not None or not needs_solid:
            findings.extend(rule(part, solid, settings))
    _report(progress, 1.0, "done")
    return CheckReport(process="fdm", findings=tuple(findings))


def _report(progress: Progress | None, fraction: float, stage: str) -> None:
    if progress is not None:
        progress(fraction, stage)
