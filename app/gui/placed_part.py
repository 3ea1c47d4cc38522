"""The part on the bed: a design built with given values, or a mesh file, placed on the printer's bed and
checked. Made on a worker thread, so the UI thread only swaps the actor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyvista as pv

from parametric_designs.templates import Template

if TYPE_CHECKING:
    import trimesh

    from app.checks import CheckReport
    from parametric_designs.build import BuiltPart

# Edges sharper than this keep separate normals on each side: flat faces stay flat, fillets shade round.
SHARP_EDGE_DEG = 30.0


@dataclass(frozen=True)
class PlacedPart:
    """A part standing on the printer's bed, checked for that printer.

    `mesh` is in millimetres with the bed's front-left corner at the origin; `surface` is the same geometry
    with shading normals; `report` is the FDM check of `mesh`. `built` is the design build a recipe records
    (None for a mesh opened from a file, which has no design behind it).
    """

    name: str
    mesh: trimesh.Trimesh
    surface: pv.PolyData
    report: CheckReport
    template: Template | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    built: BuiltPart | None = None
    source_file: Path | None = None

    @property
    def problems(self) -> tuple[str, ...]:
        """What keeps this part from printing here (the check's errors), in words."""
        return tuple(finding.message for finding in self.report.errors)


def build_on_bed(template: Template, values: Mapping[str, Any], settings: Mapping[str, Any],
                 cancel: Callable[[], bool] | None = None) -> PlacedPart:
    """Build `template` with `values`, centre it on the bed of `settings` and check it there."""
    # Imported here, on the worker thread, not at the top: trimesh with scipy and networkx takes half a second
    # to import, and the window should be on screen before that is paid.
    from parametric_designs.build import build_part

    built = build_part(template, values, cancel=cancel)
    placed = _placed_and_checked(built.mesh, settings, cancel)
    return PlacedPart(name=template.name, template=template, parameters=built.parameters, built=built,
                      **placed)


def mesh_file_on_bed(path: Path, settings: Mapping[str, Any], cancel: Callable[[], bool] | None = None
                     ) -> PlacedPart:
    """Read an STL, 3MF or OBJ file, centre it on the bed of `settings` and check it there."""
    from slicing.mesh import load_mesh

    return PlacedPart(name=path.name, source_file=path, **_placed_and_checked(load_mesh(path), settings, cancel))


def _placed_and_checked(mesh: trimesh.Trimesh, settings: Mapping[str, Any], cancel: Callable[[], bool] | None
                        ) -> dict[str, Any]:
    from app.checks import check_fdm, turned_to_fit
    from slicing.mesh import place_on_bed

    bed_x, bed_y = float(settings["bed_size_x"]), float(settings["bed_size_y"])
    # Turned the way the slicer will turn it (app.chain.fabricate), so the preview matches the program.
    placed = place_on_bed(turned_to_fit(mesh, bed_x, bed_y), bed_x, bed_y)
    report = check_fdm(placed, settings, cancel=cancel)
    return {"mesh": placed, "surface": shaded_surface(placed), "report": report}


def shaded_surface(mesh: trimesh.Trimesh) -> pv.PolyData:
    """The mesh as VTK polydata with point normals split at sharp edges, ready for smooth shading.

    Each cell keeps the index of the facet it came from (`facet`), so check findings can be drawn on it.
    """
    surface = pv.PolyData.from_regular_faces(np.asarray(mesh.vertices), np.asarray(mesh.faces))
    surface.cell_data["facet"] = np.arange(len(mesh.faces))
    # The mesh is already consistently wound and outward-facing (build.py checks it), so VTK need not reorient.
    return surface.compute_normals(
        cell_normals=False, point_normals=True, split_vertices=True, feature_angle=SHARP_EDGE_DEG,
        consistent_normals=False, auto_orient_normals=False,
    )
