"""The FDM pipeline: slice → perimeters (and gap fill) → top/bottom/bridge surfaces → infill → support →
plan (order, retraction, seams, cooling) → G-code → estimate.

Each stage is a pure function of the previous stage's output and the settings it reads, run layer by layer
so progress can be reported and a cancel honoured between layers. Stages that need nothing but their own
layer run back to back in one pass over the cores (sectioning with perimeters; surfaces with infill), so
what passes between them never has to cross between processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from slicing.errors import MeshError, SlicingError
from slicing.fdm.cooling import cool_layer
from slicing.fdm.gapfill import gap_fill_lines
from slicing.fdm.gcode_writer import finish_gcode, write_gcode
from slicing.fdm.infill import island_infill
from slicing.fdm.layers import stack_layers
from slicing.fdm.parallel import map_layers, run_beside
from slicing.fdm.perimeters import IslandShells, make_shells
from slicing.fdm.plan import IslandToolpaths, LayerPlan, feature_speeds, plan_layer
from slicing.fdm.polygons import Paths, difference, islands, offset, to_mm, union
from slicing.fdm.preflight import check_part_fits, check_settings
from slicing.fdm.program import FdmProgram, preview_layers
from slicing.fdm.progress import CancelCallback, ProgressCallback, StageProgress
from slicing.fdm.section import Sectioner, make_sectioner
from slicing.fdm.settings import FdmSettings
from slicing.fdm.skirt import brim_area, brim_loops, skirt_loops
from slicing.fdm.support import blocked_layers, support_areas, support_toolpaths
from slicing.fdm.surfaces import classify_layer
from slicing.fdm.travel import Routing
from slicing.fdm.widths import feature_widths, layer_widths
from slicing.gcode.estimate import estimate_gcode
from slicing.gcode.limits import MachineLimits
from slicing.thumbnail import render_thumbnail
from slicing.triangles import TriangleMesh

if TYPE_CHECKING:
    import trimesh

# Share of a typical run each stage takes, so the progress bar moves evenly.
_STAGE_WEIGHTS = {
    "slice": 0.5,
    "perimeters": 2.5,
    "infill": 3.0,
    "support": 0.5,
    "plan": 2.0,
    "gcode": 2.0,
    "estimate": 1.0,
}
# Facets drawn for the G-code thumbnail: plenty for a picture a few dozen pixels wide.
_THUMBNAIL_FACETS = 6000


def slice_mesh(
    mesh: TriangleMesh | trimesh.Trimesh,
    settings: FdmSettings,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> FdmProgram:
    """Slice a part into a program for the printer's G-code flavour.

    mesh: the part in printer coordinates (mm), standing on the bed (lowest point at z = 0) inside
    0..bed_size_x, 0..bed_size_y; it may be open, hold several overlapping bodies or flipped facets.
    progress(fraction 0..1, stage name) is called as the stages advance; cancel() is polled between layers
    and a True answer raises SliceCancelled. Raises SlicingError when the part does not fit the printer or
    the settings cannot be sliced with, MeshError when the mesh is a loose triangle soup.
    """
    tracker = StageProgress(_STAGE_WEIGHTS, progress, cancel)
    mesh = TriangleMesh(mesh.vertices, mesh.faces)
    if mesh.is_empty:
        raise MeshError("the mesh holds no triangles: there is nothing to slice")
    check_settings(settings)
    check_part_fits(mesh.bounds, settings)
    warnings: list[str] = []
    width = settings.line_width

    # The thumbnail needs the mesh only: it is drawn on the core sectioning leaves idle.
    thumbnail = run_beside(lambda: _thumbnail(mesh, int(settings.thumbnail_size)))
    layers = stack_layers(float(mesh.bounds[1][2]), settings.first_layer_height, settings.layer_height)
    tracker.step("slice", 0, 1)
    sectioner, section_warning = make_sectioner(mesh)
    if section_warning:
        warnings.append(section_warning)
    tracker.step("slice", 1, 1)
    sections, shells = _sections_and_shells(sectioner, layers.slice_z, settings, tracker)
    del sectioner  # the solid behind it is as large as the mesh; the sections are all that is needed now
    printed = [index for index, section in enumerate(sections) if section]
    if not printed:
        raise SlicingError("there is nothing to print: the part has no area at any layer height; is it flat?")
    # Layers above the last one with area would print nothing at all.
    count = printed[-1] + 1
    sections, shells = sections[:count], shells[:count]
    empty = [index for index in range(count) if not sections[index]]
    if empty:
        warnings.append(
            f"{len(empty)} layer(s) have nothing to print, the first at z = {layers.top_z[empty[0]]:.3f} mm, "
            "so what is above them prints in the air: check the part for gaps or add supports"
        )

    toolpaths, overhangs = _toolpaths(shells, sections, layers.top_z, settings, tracker)
    del shells  # what the planner needs is in the toolpaths now
    warnings += _thin_part_warnings(toolpaths, layers.top_z, settings)

    supports: list[np.ndarray] = [np.zeros((0, 2, 2)) for _ in range(count)]
    interfaces: list[np.ndarray] = [np.zeros((0, 2, 2)) for _ in range(count)]
    if settings.support_material:
        tracker.step("support", 0, 1)
        areas = support_areas(
            sections,
            [float(h) for h in layers.height[:count]],
            angle_deg=float(settings.support_material_angle),
            z_gap=float(settings.support_material_contact_distance),
            xy_gap=float(settings.support_material_xy_spacing),
            line_width=width,
            buildplate_only=bool(settings.support_material_buildplate_only),
            blocked=blocked_layers(str(settings.support_material_blocker_z), layers.top_z[:count].tolist()),
            on_layer=lambda done, total: tracker.step("support", done, total),
        )
        supports, interfaces = support_toolpaths(
            areas,
            widths=[layer_widths(settings, first_layer=index == 0).support for index in range(count)],
            spacing=float(settings.support_material_spacing),
            interface_layers=int(settings.support_material_interface_layers),
            interface_spacing=float(settings.support_material_interface_spacing),
        )
    tracker.step("support", 1, 1)

    brim_width = float(settings.brim_width)
    skirt_width = layer_widths(settings, first_layer=True).skirt
    brim = brim_loops(sections[0], width=brim_width, line_width=skirt_width)
    first_layer = union(sections[0] + brim_area(sections[0], width=brim_width, line_width=skirt_width))
    skirt = skirt_loops(
        first_layer, loops=settings.skirt_loops, distance=settings.skirt_distance, line_width=skirt_width
    )
    warnings += _skirt_warnings(skirt + brim, settings)

    plans: list[LayerPlan] = []
    times: list[float] = []
    position = np.zeros(2)  # the start G-code leaves the head somewhere; the bed origin is as good a guess
    seam_mode = str(settings.seam_position)
    seam_hint = None
    routing = None
    if settings.avoid_crossing_perimeters:
        margin = layer_widths(settings, first_layer=False).external_perimeter
        routing = Routing(margin=margin, max_detour=float(settings.avoid_crossing_perimeters_max_detour))
    for index in range(count):
        tracker.step("plan", index, count)
        plan, position = plan_layer(
            toolpaths[index],
            (skirt + brim) if index == 0 else [],
            top_z=float(layers.top_z[index]),
            height=float(layers.height[index]),
            speeds=feature_speeds(settings, first_layer=index == 0),
            start=position,
            support=supports[index],
            support_interface=interfaces[index],
            overhang=overhangs[index],
            seam=seam_mode,
            seam_hint=seam_hint,
            retract_min_travel=settings.retract_min_travel,
            widths=feature_widths(settings, first_layer=index == 0),
            external_first=bool(settings.external_perimeters_first),
            routing=routing,
        )
        seam_hint = plan.seam if plan.seam is not None else seam_hint
        plan, seconds = cool_layer(plan, index, settings)
        times.append(seconds)
        plans.append(plan)

    tracker.step("gcode", 0, 1)
    body = write_gcode(plans, settings, times)
    tracker.step("estimate", 0, 1)
    # The writer recorded its moves as the parser would read them back, so the text is not parsed again;
    # the printer's own firmware commands (M201, M204, M220, G4 ... in its start G-code) still count.
    estimate = estimate_gcode(
        body.moves,
        filament_diameter=settings.filament_diameter,
        filament_density=settings.filament_density,
        filament_cost=settings.filament_cost,
        limits=MachineLimits.from_settings(settings.as_dict()),
        commands=body.machine_commands(),
    )
    tracker.step("estimate", 1, 1)
    return FdmProgram(
        gcode=finish_gcode(body, estimate, thumbnail(), settings.filament_density),
        layer_z=tuple(float(z) for z in layers.top_z[:count]),
        estimate=estimate,
        warnings=tuple(warnings),
        layers=preview_layers(plans, width),
    )


# The per-layer stages. Each layer's result depends on the layers' inputs only, never on another layer's
# result of the same stage, so map_layers may spread the layers over the cores.


def _sections_and_shells(
    sectioner: Sectioner, slice_z: np.ndarray, settings: FdmSettings, tracker: StageProgress
) -> tuple[list[Paths], list[list[IslandShells]]]:
    """Each layer's cross-section at its slicing height, and the perimeter loops inside it."""
    overlap = float(settings.infill_overlap) / 100.0
    widths = [layer_widths(settings, first_layer=True), layer_widths(settings, first_layer=False)]

    def layer(index: int) -> tuple[Paths, list[IslandShells]]:
        section = sectioner(float(slice_z[index]))
        shells = make_shells(
            section,
            line_width=widths[min(index, 1)].perimeter,
            perimeters=settings.perimeters,
            infill_overlap=overlap,
            external_width=widths[min(index, 1)].external_perimeter,
        )
        return section, shells

    per_layer = map_layers(layer, len(slice_z), lambda done: tracker.step("perimeters", done, len(slice_z)))
    return [section for section, _ in per_layer], [shells for _, shells in per_layer]


def _toolpaths(
    shells: list[list[IslandShells]],
    sections: list[Paths],
    top_z: np.ndarray,
    settings: FdmSettings,
    tracker: StageProgress,
) -> tuple[list[list[IslandToolpaths]], list[shapely.Geometry | None]]:
    """Every island's toolpaths, and where each layer's outline overhangs the layer below (for the planner).

    A layer's top and bottom surfaces are found by comparing its infill area with the layers' above and
    below, then filled, in one pass: the surfaces never travel between processes."""
    width = settings.line_width
    layer_areas = [[ring for island in layer for ring in island.infill_area] for layer in shells]

    def layer(index: int) -> tuple[list[IslandToolpaths], shapely.Geometry | None]:
        surfaces = classify_layer(
            index,
            layer_areas,
            [island.infill_area for island in shells[index]],
            top_solid_layers=settings.top_solid_layers,
            bottom_solid_layers=settings.bottom_solid_layers,
            line_width=settings.line_width,
            below=sections[index - 1] if index > 0 else None,
        )
        islands_toolpaths = [
            IslandToolpaths(
                loops=tuple(to_mm(loop) for loop in island.loops),
                infill=island_infill(island_surfaces, layer_index=index, settings=settings, z=float(top_z[index])),
                gap_fill=tuple(gap_fill_lines(island.gap, line_width=width, max_width=2.0 * width)),
                inside=_travel_region(island, settings),
                walls=_walls_region(island) if settings.avoid_crossing_perimeters else None,
            )
            for island, island_surfaces in zip(shells[index], surfaces, strict=True)
        ]
        return islands_toolpaths, _overhang(sections[index], sections[index - 1], width) if index > 0 else None

    per_layer = map_layers(layer, len(shells), lambda done: tracker.step("infill", done, len(shells)))
    return [toolpaths for toolpaths, _ in per_layer], [overhang for _, overhang in per_layer]


def _travel_region(island: IslandShells, settings: FdmSettings) -> shapely.Geometry | None:
    """Where the head may travel in this island without crossing a wall: inside the innermost loop's
    centre-line (the outline itself when there are no perimeters)."""
    if settings.perimeters == 0:
        region = island.outline
    elif island.loops:
        region = island.loops[-1]
    else:
        return None
    return _polygon(region, prepare=False)


def _walls_region(island: IslandShells) -> shapely.Geometry | None:
    """Where routed travels keep to in this island: inside its outline, so they never cross the external
    perimeter to the outside (gap fill in a strip too thin for the loops lies outside their centre-lines)."""
    return _polygon(island.outline, prepare=False)


def _overhang(section: Paths, below: Paths, line_width: float) -> shapely.Geometry | None:
    """Where the layer reaches more than half a line beyond the layer below: an external perimeter running
    there hangs over air. None when nothing does."""
    hanging = difference(section, offset(below, line_width / 2.0))
    return _polygon(hanging, prepare=False) if hanging else None


def _polygon(paths: Paths, *, prepare: bool = True) -> shapely.Geometry | None:
    """Fixed-point Paths as one shapely geometry in mm, prepared for many queries if asked."""
    if not paths:
        return None
    polygons = []
    for piece in islands(paths):
        rings = to_mm(piece)
        polygons.append(shapely.Polygon(rings[0], rings[1:]))
    geometry = polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
    if prepare:
        shapely.prepare(geometry)
    return geometry


def _thumbnail(mesh: TriangleMesh, size: int) -> bytes | None:
    if size <= 0:
        return None
    if len(mesh.faces) > _THUMBNAIL_FACETS:
        keep = np.sort(np.argsort(-mesh.area_faces, kind="stable")[:_THUMBNAIL_FACETS])
        mesh = TriangleMesh(mesh.vertices, mesh.faces[keep])
    return render_thumbnail(mesh, size)


def _thin_part_warnings(
    toolpaths: list[list[IslandToolpaths]], top_z: np.ndarray, settings: FdmSettings
) -> list[str]:
    thin = [
        index
        for index, layer in enumerate(toolpaths)
        if any(not len(island.anchor_points()) for island in layer)
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
