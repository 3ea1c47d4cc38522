"""The FDM slicer: layers, what each layer extrudes and where, how much plastic, and the G-code around it."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import manifold3d
import numpy as np
import pytest
import shapely
import trimesh

from slicing.errors import MeshError, SliceCancelled, SlicingError
from slicing.fdm import FdmProgram, slice_mesh
from slicing.fdm.perimeters import INFILL_OVERLAP
from slicing.fdm.polygons import Paths, to_mm
from slicing.fdm.section import FaceSectioner, make_sectioner
from slicing.fdm.settings import FdmSettings
from slicing.gcode.format import format_duration
from slicing.gcode.parse import GcodeMoves, parse_gcode

REPO = Path(__file__).resolve().parents[1]
CUBE_STL = REPO.parent / "shared" / "corpus" / "meshes" / "20mm-xyz-cube.stl"
BOX_ORIGIN = (80.0, 90.0)  # where the hollow box's corner sits on the 220 x 220 mm bed


def make_settings(**overrides: object) -> FdmSettings:
    """The generic 220 mm printer with generic PLA and the schema's default print settings."""
    resources = REPO / "resources"
    schema = tomllib.loads((resources / "settings" / "fdm.toml").read_text())
    # Every default the schema has (print settings all have one), then the profiles' values over them.
    values = {name: spec["default"] for name, spec in schema.items() if "default" in spec}
    for profile in ("printers/generic-220.toml", "materials/generic-pla.toml"):
        values |= tomllib.loads((resources / "profiles" / profile).read_text())["settings"]
    return FdmSettings.from_mapping(values | overrides)


def trimesh_of(solid: manifold3d.Manifold) -> trimesh.Trimesh:
    mesh = solid.to_mesh()
    return trimesh.Trimesh(np.asarray(mesh.vert_properties)[:, :3], np.asarray(mesh.tri_verts))


def hollow_box() -> trimesh.Trimesh:
    """An open-top box, 60 x 40 x 30 mm outside, with 2 mm walls and floor."""
    outer = manifold3d.Manifold.cube([60.0, 40.0, 30.0])
    inner = manifold3d.Manifold.cube([56.0, 36.0, 30.0]).translate([2.0, 2.0, 2.0])
    return trimesh_of(outer - inner).apply_translation([*BOX_ORIGIN, 0.0])


def hollow_box_section(z: float) -> shapely.Polygon:
    x, y = BOX_ORIGIN
    outline = shapely.box(x, y, x + 60.0, y + 40.0)
    return outline if z < 2.0 else outline.difference(shapely.box(x + 2.0, y + 2.0, x + 58.0, y + 38.0))


def solid_cube(size: float = 20.0) -> trimesh.Trimesh:
    cube = trimesh.creation.box(extents=[size, size, size])
    return cube.apply_translation([110.0, 110.0, size / 2.0])


def area_mm2(paths: Paths) -> float:
    """Area of a polygon set by the shoelace formula: outer rings count positive, holes negative."""
    return sum(float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)) / 2.0 for x, y in (r.T for r in to_mm(paths)))


def extrusions(moves: GcodeMoves, *, skirt: bool = False) -> np.ndarray:
    """Rows of the moves that lay plastic down in the part's layers (and on the skirt if asked)."""
    moved = np.any(moves.end[:, :2] != moves.start[:, :2], axis=1)
    part = (moves.feature == "Skirt/Brim") if skirt else (moves.feature != "Skirt/Brim")
    return (moves.e > 0.0) & moved & (moves.layer >= 0) & part


def extruded_volume(moves: GcodeMoves, settings: FdmSettings) -> float:
    """mm³ of plastic laid down in the part (skirt, priming and retraction left out)."""
    return float(moves.e[extrusions(moves)].sum()) * math.pi * (settings.filament_diameter / 2.0) ** 2


def layer_heights(program: FdmProgram, settings: FdmSettings) -> list[float]:
    return [settings.first_layer_height] + [settings.layer_height] * (len(program.layer_z) - 1)


def layer_mid_z(program: FdmProgram, settings: FdmSettings) -> list[float]:
    heights = layer_heights(program, settings)
    return [top - height / 2.0 for top, height in zip(program.layer_z, heights, strict=True)]


def features_by_layer(moves: GcodeMoves) -> list[set[str]]:
    rows = extrusions(moves)
    return [set(moves.feature[rows & (moves.layer == layer)].tolist()) for layer in range(len(moves.layer_z))]


@pytest.fixture(scope="module")
def box_default():
    settings = make_settings()
    program = slice_mesh(hollow_box(), settings)
    return program, parse_gcode(program.gcode), settings


@pytest.fixture(scope="module")
def cube_default():
    settings = make_settings()
    program = slice_mesh(solid_cube(), settings)
    return program, parse_gcode(program.gcode), settings


# --- the corpus cube -------------------------------------------------------------------------------------


def test_corpus_cube_prints_100_layers_parses_cleanly_and_repeats_byte_for_byte():
    if not CUBE_STL.is_file():
        pytest.skip(f"the shared corpus cube is not at {CUBE_STL}")
    mesh = trimesh.load(CUBE_STL, force="mesh")
    low, high = mesh.bounds
    mesh.apply_translation([110.0 - (low[0] + high[0]) / 2.0, 110.0 - (low[1] + high[1]) / 2.0, -low[2]])
    settings = make_settings()

    program = slice_mesh(mesh, settings)
    moves = parse_gcode(program.gcode)

    assert len(program.layer_z) == 100
    assert program.layer_z[0] == pytest.approx(0.2) and program.layer_z[-1] == pytest.approx(20.0)
    assert not moves.unknown_commands
    assert program.estimate.layer_count == 100 and len(moves.layer_z) == 100
    assert slice_mesh(mesh, settings).gcode == program.gcode


# --- where the plastic goes -------------------------------------------------------------------------------


def test_every_extrusion_of_the_hollow_box_lies_in_its_layer_section_grown_by_half_a_line(box_default):
    program, moves, settings = box_default
    rows = extrusions(moves)
    checked = 0
    for layer, z in enumerate(layer_mid_z(program, settings)):
        allowed = hollow_box_section(z).buffer(settings.line_width / 2.0 + 1e-3)
        mine = np.flatnonzero(rows & (moves.layer == layer))
        lines = shapely.linestrings(np.stack([moves.start[mine, :2], moves.end[mine, :2]], axis=1))
        outside = ~shapely.covers(allowed, lines)
        assert not outside.any(), f"layer {layer}: {outside.sum()} extrusions leave the part"
        checked += len(mine)
    assert len(program.layer_z) == 150 and checked > 3000


def test_hollow_box_layers_print_at_their_own_height(box_default):
    program, moves, _ = box_default
    rows = extrusions(moves) | extrusions(moves, skirt=True)
    assert np.allclose(moves.end[rows, 2], np.asarray(program.layer_z)[moves.layer[rows]])
    assert moves.layer_z == pytest.approx(program.layer_z)


def test_extruded_plastic_lies_between_the_perimeter_shells_and_the_solid_volume(box_default):
    program, moves, settings = box_default
    width = settings.line_width
    shells = solid = 0.0
    for z, height in zip(layer_mid_z(program, settings), layer_heights(program, settings), strict=True):
        section = hollow_box_section(z)
        solid += section.area * height
        for k in range(settings.perimeters):
            loop = section.buffer(-(k + 0.5) * width, join_style="mitre")
            shells += loop.boundary.length * width * height
    extruded = extruded_volume(moves, settings)
    assert solid == pytest.approx(hollow_box().volume)
    assert shells < extruded < solid


def test_full_infill_and_gap_fill_fill_the_whole_section():
    # Between the 2 x 2 perimeters of a 2 mm wall a 0.2 mm strip is left that no full line fits in: gap
    # fill prints it with a 0.2 mm line, so with full infill the whole section is filled.
    settings = make_settings(infill_density=100.0)
    program = slice_mesh(hollow_box(), settings)
    expected = sum(
        hollow_box_section(z).area * height
        for z, height in zip(layer_mid_z(program, settings), layer_heights(program, settings), strict=True)
    )
    moves = parse_gcode(program.gcode)
    assert "Gap fill" in set(moves.feature[extrusions(moves)].tolist())
    assert extruded_volume(moves, settings) == pytest.approx(expected, rel=0.015)


def test_full_infill_of_a_solid_cube_extrudes_its_volume():
    settings = make_settings(infill_density=100.0)
    moves = parse_gcode(slice_mesh(solid_cube(), settings).gcode)
    assert extruded_volume(moves, settings) == pytest.approx(20.0**3, rel=0.01)


def test_extrusion_per_millimetre_is_line_width_times_layer_height_over_filament_area(box_default):
    _, moves, settings = box_default
    rows = (extrusions(moves) | extrusions(moves, skirt=True)) & (moves.feature != "Gap fill")
    length = np.linalg.norm(moves.end[rows, :2] - moves.start[rows, :2], axis=1)
    heights = np.where(moves.layer[rows] == 0, settings.first_layer_height, settings.layer_height)
    expected = settings.line_width * heights * length / (math.pi * (settings.filament_diameter / 2.0) ** 2)
    assert np.allclose(moves.e[rows], expected, rtol=1e-3, atol=1e-5)


def test_skirt_surrounds_the_first_layer_at_the_skirt_distance(box_default):
    _, moves, settings = box_default
    rows = extrusions(moves, skirt=True)
    assert set(moves.layer[rows].tolist()) == {0}
    points = shapely.points(moves.end[rows, :2])
    gap = shapely.distance(hollow_box_section(0.1), points)
    innermost = settings.skirt_distance + settings.line_width / 2.0
    outermost = innermost + (settings.skirt_loops - 1) * settings.line_width
    assert gap.min() >= innermost - 0.01 and gap.max() <= outermost + 0.01


# --- what each layer holds -----------------------------------------------------------------------------------


def test_solid_cube_has_solid_bottom_and_top_layers_and_sparse_infill_between(cube_default):
    _, moves, settings = cube_default
    layers = features_by_layer(moves)
    assert len(layers) == 100 and settings.bottom_solid_layers == 4 and settings.top_solid_layers == 4
    walls = {"External perimeter", "Perimeter"}
    for index in range(4):
        assert layers[index] == walls | {"Solid infill"}, index
    for index in range(4, 96):
        assert layers[index] == walls | {"Internal infill"}, index
    for index in range(96, 99):
        assert layers[index] == walls | {"Solid infill"}, index
    assert layers[99] == walls | {"Top solid infill"}


def test_solid_layers_fill_the_whole_area_inside_the_perimeters(cube_default):
    _, moves, settings = cube_default
    width = settings.line_width
    # Infill reaches a little into the innermost perimeter, so that it welds to it.
    inside = (20.0 - 2 * (settings.perimeters - INFILL_OVERLAP) * width) ** 2
    filament_area = math.pi * (settings.filament_diameter / 2.0) ** 2
    rows = extrusions(moves)
    for layer in (0, 3, 97, 99):
        solid = rows & (moves.layer == layer) & np.isin(moves.feature, ["Solid infill", "Top solid infill"])
        covered = moves.e[solid].sum() * filament_area / settings.layer_height
        assert covered == pytest.approx(inside, rel=0.01), layer


def test_solid_infill_turns_90_degrees_every_layer(cube_default):
    _, moves, _ = cube_default
    rows = extrusions(moves) & (moves.feature == "Solid infill")
    for layer, direction in ((0, 1.0), (1, -1.0)):
        step = moves.end[rows & (moves.layer == layer)] - moves.start[rows & (moves.layer == layer)]
        assert np.allclose(step[:, 0] * step[:, 1] * direction, np.abs(step[:, 0] * step[:, 1]))


def test_zero_infill_density_prints_no_internal_infill_but_keeps_the_skins():
    moves = parse_gcode(slice_mesh(solid_cube(), make_settings(infill_density=0.0)).gcode)
    layers = features_by_layer(moves)
    assert all("Internal infill" not in features for features in layers)
    assert "Solid infill" in layers[0] and "Top solid infill" in layers[-1]
    assert layers[50] == {"External perimeter", "Perimeter"}


def test_zero_perimeters_prints_infill_that_stays_inside_the_part():
    settings = make_settings(perimeters=0)
    program = slice_mesh(hollow_box(), settings)
    moves = parse_gcode(program.gcode)
    layers = features_by_layer(moves)
    assert all(not features & {"External perimeter", "Perimeter"} for features in layers)
    assert "Solid infill" in layers[0] and "Internal infill" in layers[40]
    rows = extrusions(moves)
    for layer, z in enumerate(layer_mid_z(program, settings)):
        allowed = hollow_box_section(z).buffer(settings.line_width / 2.0 + 1e-3)
        mine = np.flatnonzero(rows & (moves.layer == layer))
        lines = shapely.linestrings(np.stack([moves.start[mine, :2], moves.end[mine, :2]], axis=1))
        assert shapely.covers(allowed, lines).all(), layer


def test_a_wall_thinner_than_all_perimeters_gets_the_loops_that_fit_and_gap_fill_between():
    # A 1.2 mm fin has room for the external loop only: a second loop's centre-lines, 0.675 mm in from
    # either side, would cross. The 0.3 mm left between the external loop's sides is gap fill.
    fin = trimesh.creation.box(extents=[1.2, 20.0, 4.0]).apply_translation([110.0, 110.0, 2.0])
    moves = parse_gcode(slice_mesh(fin, make_settings(perimeters=3)).gcode)
    layers = features_by_layer(moves)
    assert layers[5] == {"External perimeter", "Gap fill"}
    # A 0.3 mm blade is too thin for a loop but not lost: one gap-fill line as wide as the blade prints it.
    blade = trimesh.creation.box(extents=[0.3, 20.0, 4.0]).apply_translation([110.0, 110.0, 2.0])
    program = slice_mesh(blade, make_settings())
    moves = parse_gcode(program.gcode)
    assert features_by_layer(moves)[5] == {"Gap fill"} and not program.warnings
    assert ";WIDTH:0.300" in program.gcode
    needle = trimesh.creation.box(extents=[0.05, 20.0, 4.0]).apply_translation([110.0, 110.0, 2.0])
    program = slice_mesh(needle, make_settings())
    assert "too thin" in " ".join(program.warnings)


# --- the G-code around the layers -------------------------------------------------------------------------


def test_temperatures_fan_and_first_layer_speed(cube_default):
    program, moves, settings = cube_default
    layer_blocks = program.gcode.split(";LAYER_CHANGE")
    start, first, second = layer_blocks[0], layer_blocks[1], layer_blocks[2]
    assert "M104 S215" in start and "M190 S60" in start  # start G-code placeholders filled in
    assert "M107" in start.splitlines()[-1] and "M106" not in first
    assert "M104 S210" in second and "M140 S60" in second and "M106 S255" in second
    rows = extrusions(moves) | extrusions(moves, skirt=True)
    assert moves.feed[rows & (moves.layer == 0)].max() == pytest.approx(settings.first_layer_speed)
    external = rows & (moves.layer == 5) & (moves.feature == "External perimeter")
    assert set(moves.feed[external].tolist()) == {settings.external_perimeter_speed}


def test_no_extrusion_is_retracted_and_long_travels_retract_only_when_they_cross_a_wall(box_default):
    _, moves, settings = box_default
    retracted = False
    retracted_travels = dry_travels = 0
    # From the first layer to the last extrusion: the start and end G-code are the printer profile's own.
    first, last = np.flatnonzero(moves.layer >= 0)[0], np.flatnonzero(extrusions(moves))[-1]
    previous_feature = ""
    for row in range(first, last + 1):
        start, end, e = moves.start[row], moves.end[row], moves.e[row]
        distance = float(np.linalg.norm(end[:2] - start[:2]))
        if distance == 0.0 and end[2] == start[2]:
            if e == pytest.approx(-settings.retract_length):
                retracted = True
            elif e == pytest.approx(settings.retract_length):
                retracted = False
        elif e > 0.0:
            assert not retracted
            previous_feature = moves.feature[row]
        elif distance > settings.retract_min_travel and end[2] == start[2]:
            if retracted:
                retracted_travels += 1
            else:
                # Only travels from infill to infill stay unretracted: they run inside the innermost wall.
                assert previous_feature in ("Internal infill", "Solid infill", "Top solid infill", "Gap fill")
                assert moves.feature[row] == previous_feature or moves.feature[row + 1 : row + 3].size
                dry_travels += 1
    assert retracted_travels > 100 and dry_travels > 20
def test_numbers_have_fixed_decimals_and_the_footer_reports_the_estimate():
    settings = make_settings(start_gcode="G28", end_gcode="M84")
    program = slice_mesh(hollow_box(), settings)
    words = re.findall(r"\b([XYZEF])(-?\d+(?:\.\d+)?)", "\n".join(
        line for line in program.gcode.splitlines() if line.startswith("G1")
    ))  # fmt: skip
    decimals = {"X": 3, "Y": 3, "Z": 3, "E": 5, "F": 0}
    for letter, number in words:
        assert len(number.partition(".")[2]) == decimals[letter], letter + number
    footer = program.gcode.splitlines()[-4:]
    assert footer[0] == f"; filament used [mm] = {program.estimate.filament_mm:.2f}"
    assert footer[-1] == f"; estimated printing time (normal mode) = {format_duration(program.estimate.time_s)}"
    assert program.gcode.startswith("; generated by localfab\n")
    assert program.estimate.filament_g == pytest.approx(
        program.estimate.filament_mm * math.pi * (settings.filament_diameter / 2) ** 2 / 1000 * 1.24
    )


def test_the_same_part_gives_byte_identical_gcode(box_default):
    program, _, settings = box_default
    assert slice_mesh(hollow_box(), settings).gcode == program.gcode


def test_an_unknown_placeholder_in_the_start_gcode_is_named():
    settings = make_settings(start_gcode="M104 S{nozzle_temperature}\nG28")
    with pytest.raises(SlicingError, match=r"\{nozzle_temperature\}.*did you mean"):
        slice_mesh(solid_cube(), settings)


def test_end_gcode_knows_the_height_of_the_last_layer():
    program = slice_mesh(solid_cube(), make_settings(end_gcode="G1 Z{max_layer_z}"))
    assert "G1 Z20\n" in program.gcode


# --- stopping early ---------------------------------------------------------------------------------------


def test_cancel_stops_slicing_and_progress_runs_from_zero_to_one():
    reports: list[tuple[float, str]] = []
    slice_mesh(solid_cube(), make_settings(), progress=lambda f, stage: reports.append((f, stage)))
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert {"slice", "perimeters", "infill", "plan", "gcode"} <= {stage for _, stage in reports}

    polls = iter(range(1000))
    with pytest.raises(SliceCancelled):
        slice_mesh(solid_cube(), make_settings(), cancel=lambda: next(polls) >= 150)


@pytest.mark.parametrize(
    ("shift", "words"),
    [
        ((-105.0, 0.0, 0.0), "sticks out 5.00 mm past the bed at X = 0: move it 5.00 mm towards +X"),
        ((0.0, 105.0, 0.0), "sticks out 5.00 mm past the bed at Y = 220: move it 5.00 mm towards -Y"),
        ((0.0, 0.0, 3.0), "3.00 mm above the bed"),
    ],
)
def test_a_part_off_the_bed_is_refused_with_how_far_and_what_to_do(shift, words):
    with pytest.raises(SlicingError, match=re.escape(words)):
        slice_mesh(solid_cube().apply_translation(shift), make_settings())


def test_a_part_taller_than_the_printer_is_refused():
    tower = trimesh.creation.box(extents=[10.0, 10.0, 260.0]).apply_translation([110.0, 110.0, 130.0])
    with pytest.raises(SlicingError, match="260.00 mm tall and the printer reaches 250.00 mm"):
        slice_mesh(tower, make_settings())


# --- meshes manifold3d refuses ------------------------------------------------------------------------------


def test_an_open_mesh_is_sectioned_face_by_face_with_its_cracks_closed():
    box = hollow_box()
    side = int(np.flatnonzero(np.isclose(box.face_normals[:, 0], -1.0) & (box.triangles_center[:, 0] < 81))[0])
    cracked = trimesh.Trimesh(box.vertices, np.delete(box.faces, side, axis=0), process=False)
    sectioner, warning = make_sectioner(cracked)
    assert isinstance(sectioner, FaceSectioner) and "not a closed solid" in warning
    for z in (1.0, 10.1, 29.9):
        assert area_mm2(sectioner(z)) == pytest.approx(hollow_box_section(z).area, rel=1e-6), z

    program = slice_mesh(cracked, make_settings())
    assert len(program.layer_z) == 150 and any("not a closed solid" in w for w in program.warnings)


def test_face_sectioning_ignores_flipped_faces():
    box = hollow_box()
    faces = box.faces.copy()
    faces[::3] = faces[::3, ::-1]
    sectioner = FaceSectioner(np.asarray(box.vertices), np.asarray(faces))
    assert area_mm2(sectioner(15.0)) == pytest.approx(hollow_box_section(15.0).area, rel=1e-6)


def test_an_empty_mesh_is_refused():
    with pytest.raises(MeshError, match="no triangles"):
        slice_mesh(trimesh.Trimesh(), make_settings())
