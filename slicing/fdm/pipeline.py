"""The FDM pipeline: slice → perimeters → top/bottom surfaces → infill → plan → G-code → estimate.

Each stage is a pure function of the previous stage's output and the settings it reads, run layer by layer
so progress can be reported and a cancel honoured between layers.
"""

from __future__ import annotations

import numpy as np
import trimesh

from slicing.errors import MeshError, SlicingError
from slicing.fdm.gcode_writer import estimate_footer, write_gcode
from slicing.fdm.infill import island_infill
from slicing.fdm.layers import stack_layers
from slicing.fdm.perimeters import IslandShells, make_shells
from slicing.fdm.plan import IslandToolpaths, LayerPlan, feature_speeds, plan_layer
from slicing.fdm.polygons import Paths, to_mm
from slicing.fdm.preflight import check_part_fits, check_settings
from slicing.fdm.program import FdmProgram
from slicing.fdm.progress import CancelCallback, ProgressCallback, StageProgress
from slicing.fdm.section import make_sectioner
from slicing.fdm.settings import FdmSettings
from slicing.fdm.skirt import skirt_loops
from slicing.fdm.surfaces import IslandSurfaces, classify_layer
from slicing.gcode.estimate import estimate_gcode
from slicing.gcode.parse import parse_gcode

# Share of a typical run each stage takes, so the progress bar moves evenly.
_STAGE_WEIGHTS = {
    "slice": 1.0,
    "perimeters": 2.0,
    "surfaces": 2.0,
    "infill": 1.0,
    "plan": 2.0,
    "gcode": 2.0,
    "estimate": 1.0,
}


def slice_mesh(
    mesh: trimesh.Trimesh,
    settings: FdmSettings,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> FdmProgram:
    """Slice a part into a Marlin 2 program.

    mesh: the part in printer coordinates (mm), standing on the bed (lowest point at z = 0) inside
    0..bed_size_x, 0..bed_size_y. progress(fraction 0..1, stage name) is called as the stages advance;
    cancel() is polled between layers and a True answer raises SliceCancelled. Raises SlicingError when the
    part does not fit the printer or the settings cannot be sliced with.
    """
    tracker = StageProgress(_STAGE_WEIGHTS, progress, cancel)
    if mesh.is_empty:
        raise MeshError("the mesh holds no triangles: there is nothing to slice")
    check_settings(settings)
    check_part_fits(mesh.bounds, settings)
    warnings: list[str] = []

    layers = stack_layers(float(mesh.bounds[1][2]), settings.first_layer_height, settings.layer_height)
    sectioner, section_warning = make_sectioner(mesh)
    if section_warning:
        warnings.append(section_warning)
    sections: list[Paths] = []
    for index, z in enumerate(layers.slice_z):
        tracker.step("slice", index, len(layers))
        sections.append(sectioner(float(z)))
    printed = [index for index, section in enumerate(sections) if section]
    if not printed:
        raise SlicingError("there is nothing to print: the part has no area at any layer height; is it flat?")
    # Layers above the last one with area would print nothing at all.
    count = printed[-1] + 1
    sections = sections[:count]
    empty = [index for index in range(count) if not sections[index]]
    if empty:
        warnings.append(
            f"{len(empty)} layer(s) have nothing to print, the first at z = {layers.top_z[empty[0]]:.3f} mm, "
            "so what is above them prints in the air: check the part for gaps or add supports"
        )

    shells: list[list[IslandShells]] = []
    for index, section in enumerate(sections):
        tracker.step("perimeters", index, count)
        shells.append(make_shells(section, line_width=settings.line_width, perimeters=settings.perimeters))

    layer_areas = [[ring for island in layer for ring in island.infill_area] for layer in shells]
    surfaces: list[list[IslandSurfaces]] = []
    for index, layer_shells in enumerate(shells):
        tracker.step("surfaces", index, count)
        surfaces.append(
            classify_layer(
                index,
                layer_areas,
                [island.infill_area for island in layer_shells],
                top_solid_layers=settings.top_solid_layers,
                bottom_solid_layers=settings.bottom_solid_layers,
                line_width=settings.line_width,
            )
        )

    toolpaths: list[list[IslandToolpaths]] = []
    for index, (layer_shells, layer_surfaces) in enumerate(zip(shells, surfaces, strict=True)):
        tracker.step("infill", index, count)
        toolpaths.append(
            [
                IslandToolpaths(
                    loops=tuple(to_mm(loop) for loop in island.loops),
                    infill=island_infill(island_surfaces, layer_index=index, settings=settings),
                )
                for island, island_surfaces in zip(layer_shells, layer_surfaces, strict=True)
            ]
        )
    warnings += _thin_part_warnings(shells, layers.top_z, settings)

    skirt = skirt_loops(
        sections[0], loops=settings.skirt_loops, distance=settings.skirt_distance, line_width=settings.line_width
    )
    warnings += _skirt_warnings(skirt, settings)

    plans: list[LayerPlan] = []
    position = np.zeros(2)  # the start G-code leaves the head somewhere; the bed origin is as good a guess
    for index in range(count):
        tracker.step("plan", index, count)
        plan, position = plan_layer(
            toolpaths[index],
            skirt if index == 0 else [],
            top_z=float(layers.top_z[index]),
            height=float(layers.height[index]),
            speeds=feature_speeds(settings, first_layer=index == 0),
            start=position,
        )
        plans.append(plan)

    tracker.step("gcode", 0, 1)
    gcode = write_gcode(plans, settings)
    tracker.step("estimate", 0, 1)
    estimate = estimate_gcode(
        parse_gcode(gcode),
        filament_diameter=settings.filament_diameter,
        filament_density=settings.filament_density,
        filament_cost=settings.filament_cost,
    )
    tracker.step("estimate", 1, 1)
    return FdmProgram(
        gcode=gcode + estimate_footer(estimate),
        layer_z=tuple(float(z) for z in layers.top_z[:count]),
        estimate=estimate,
        warnings=tuple(warnings),
    )


def _thin_part_warnings(shells: list[list[IslandShells]], top_z: np.ndarray, settings: FdmSettings) -> list[str]:
    thin = [
        index
        for index, layer in enumerate(shells)
        if any(not island.loops and not island.infill_area for island in layer)
    ]
    if not thin:
        return []
    return [
        f"on {len(thin)} layer(s), the first at z = {top_z[thin[0]]:.3f} mm, parts are too thin for one "
        f"{settings.line_width:g} mm line and are not printed: thicken them or use a finer nozzle"
    ]


def _skirt_warnings(skirt: list[np.ndarray], settings: FdmSettings) -> list[str]:
    if not skirt:
        return []
    points = np.concatenate(skirt)
    low, high = points.min(axis=0), points.max(axis=0)
    beyond = max(-low[0], -low[1], high[0] - settings.bed_size_x, high[1] - settings.bed_size_y)
    if beyond <= 0.0:
        return []
    return [
        f"the skirt runs {beyond:.2f} mm past the edge of the bed: move the part inwards, reduce "
        "skirt_distance or set skirt_loops to 0"
    ]
