"""The FDM slicer on real and broken meshes, and what PrusaSlicer/Cura would print: infill patterns, bridges,
supports, brim, travel, seams, cooling, thin walls, G-code flavours, header and thumbnail, preview arrays."""

from __future__ import annotations

import base64
import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
import trimesh

from slicing.errors import MeshError, SlicingError
from slicing.fdm import slice_mesh
from slicing.fdm.features import FEATURES
from slicing.fdm.machine_limits_gcode import machine_limits_gcode
from slicing.fdm.plan import IslandToolpaths, feature_speeds, plan_layer
from slicing.fdm.polygons import islands, to_mm
from slicing.fdm.section import make_sectioner
from slicing.fdm.settings import FdmSettings
from slicing.fdm.travel import Routing
from slicing.gcode.commands import read_machine_commands
from slicing.gcode.limits import MachineLimits
from slicing.gcode.parse import parse_gcode
from slicing.mesh import load_mesh, place_on_bed
from tests.test_fdm_slicer import extrusions, make_settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "meshes"
def section_geometry(mesh: trimesh.Trimesh, z: float) -> shapely.Geometry:
    sectioner, _ = make_sectioner(mesh)
    polygons = [shapely.Polygon(rings[0], rings[1:]) for rings in (to_mm(p) for p in islands(sectioner(z)))]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


def assert_inside_sections(
    program, mesh, settings, *, skip=("Skirt/Brim", "Support material", "Support material interface")
) -> int:
    """Every extrusion of every layer lies in that layer's section grown by half a line; returns how many."""
    sectioner, _ = make_sectioner(mesh)
    checked = 0
    for layer in program.layers:
        rows = ~np.isin(np.asarray(FEATURES)[layer.feature], skip)
        if not rows.any():
            continue
        z = layer.z - layer.height / 2.0
        polygons = [shapely.Polygon(r[0], r[1:]) for r in (to_mm(p) for p in islands(sectioner(z)))]
        allowed = shapely.union_all(polygons).buffer(settings.line_width / 2.0 + 2e-3)
        lines = shapely.linestrings(layer.segments[rows].astype(np.float64))
        outside = ~shapely.covers(allowed, lines)
        assert not outside.any(), f"layer at z={layer.z}: {outside.sum()} extrusions leave the part"
        checked += int(rows.sum())
    return checked


def placed(mesh: trimesh.Trimesh, settings: FdmSettings) -> trimesh.Trimesh:
    size = mesh.bounds[1] - mesh.bounds[0]
    limit = min(settings.bed_size_x, settings.bed_size_y, settings.max_print_height) * 0.9
    if size.max() > limit:
        mesh = mesh.copy()
        mesh.apply_scale(limit / size.max())
    return place_on_bed(mesh, settings.bed_size_x, settings.bed_size_y)


def box(size, centre) -> trimesh.Trimesh:
    return trimesh.creation.box(extents=size).apply_translation(centre)


# --- real and broken meshes ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*")) if CORPUS.is_dir() else [])
def test_every_corpus_mesh_prints_every_layer_that_has_a_section_or_is_refused_clearly(name):
    settings = make_settings()
    if name == "soup.stl":
        with pytest.raises(MeshError, match="triangle soup"):
            slice_mesh(placed(load_mesh(CORPUS / name), settings), settings)
        return
    mesh = placed(load_mesh(CORPUS / name), settings)
    program = slice_mesh(mesh, settings)
    moves = parse_gcode(program.gcode)
    assert not moves.unknown_commands
    sectioner, _ = make_sectioner(mesh)
    for layer in program.layers:
        if sectioner(layer.z - layer.height / 2.0):
            assert len(layer.segments), f"{name}: nothing printed at z = {layer.z} where the part has a section"
    assert assert_inside_sections(program, mesh, settings) > 0
    if name == "3DBenchy.3mf":
        assert len(program.layer_z) == 240  # as PrusaSlicer with 0.2 mm layers


def test_two_intersecting_cubes_print_their_overlap_once_and_no_wall_inside():
    settings = make_settings(infill_density=100.0)
    a, b = box([20, 20, 10], [100, 100, 5]), box([20, 20, 10], [110, 110, 5])
    for second in (b, b.copy().invert() or b):  # also with the second body turned inside out
        mesh = trimesh.util.concatenate([a, second])
        program = slice_mesh(mesh, settings)
        moves = parse_gcode(program.gcode)
        rows = extrusions(moves)
        volume = moves.e[rows].sum() * math.pi * (settings.filament_diameter / 2) ** 2
        assert volume == pytest.approx(700.0 * 10.0, rel=0.02)  # the union: 20² + 20² - 10² mm² by 10 mm
        external = rows & (moves.layer == 20) & (moves.feature == "External perimeter")
        assert set(moves.feature[rows & (moves.layer == 20)].tolist()) <= {"External perimeter", "Perimeter",
                                                                              "Solid infill", "Internal infill"}
        # One outline around both: every external perimeter point lies on the union's boundary.
        outline = shapely.union(shapely.box(90, 90, 110, 110), shapely.box(100, 100, 120, 120))
        gap = shapely.distance(outline.boundary, shapely.points(moves.end[external, :2]))
        # (at the two inner corners the mitred loop keeps √2 half-widths from the corner itself)
        assert gap.min() >= settings.line_width / 2 - 0.01 and gap.max() <= settings.line_width / 2 * 1.5


def test_open_sphere_flipped_facets_and_open_bodies_still_print_every_layer():
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=10.0).apply_translation([110, 110, 10])
    open_sphere = trimesh.Trimesh(sphere.vertices, sphere.faces[sphere.triangles_center[:, 0] < 117], process=False)
    faces = sphere.faces.copy()
    faces[::5] = faces[::5, ::-1]
    flipped = trimesh.Trimesh(sphere.vertices, faces, process=False)
    settings = make_settings()
    for mesh in (open_sphere, flipped):
        program = slice_mesh(mesh, settings)
        assert len(program.layer_z) == 100
        assert all(len(layer.segments) for layer in program.layers)
        assert not parse_gcode(program.gcode).unknown_commands
        assert assert_inside_sections(program, mesh, settings) > 1000


def test_a_triangle_soup_is_refused_with_a_clear_message():
    rng = np.random.default_rng(1)
    triangles = rng.uniform(80, 120, size=(200, 3, 3))
    triangles[:, :, 2] = rng.uniform(0, 10, size=(200, 3))
    triangles[0, :, 2] = 0.0
    soup = trimesh.Trimesh(triangles.reshape(-1, 3), np.arange(600).reshape(-1, 3), process=False)
    with pytest.raises(MeshError, match="loose triangle soup"):
        slice_mesh(soup, make_settings())


# --- infill -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["rectilinear", "grid", "triangles", "gyroid", "honeycomb"])
@pytest.mark.parametrize("density", [5.0, 20.0, 60.0])
def test_infill_patterns_lay_the_density_asked_for_inside_the_part(pattern, density):
    cube = box([30, 30, 6], [110, 110, 3])
    settings = make_settings(infill_pattern=pattern, infill_density=density, top_solid_layers=0,
                             bottom_solid_layers=0, perimeters=1)
    program = slice_mesh(cube, settings)
    assert_inside_sections(program, cube, settings)
    moves = parse_gcode(program.gcode)
    rows = extrusions(moves) & (moves.feature == "Internal infill")
    volume = moves.e[rows].sum() * math.pi * (settings.filament_diameter / 2) ** 2
    inner = (30 - 2 * (1 - 0.1) * settings.line_width) ** 2 * 6.0
    assert volume / inner == pytest.approx(density / 100.0, rel=0.3)


def test_gyroid_and_rectilinear_differ_and_every_pattern_is_deterministic():
    cube = box([20, 20, 4], [110, 110, 2])
    programs = {p: slice_mesh(cube, make_settings(infill_pattern=p)).gcode for p in ("gyroid", "rectilinear")}
    assert programs["gyroid"] != programs["rectilinear"]
    assert slice_mesh(cube, make_settings(infill_pattern="gyroid")).gcode == programs["gyroid"]


def test_a_bridge_spans_the_short_way_across_the_gap_at_bridge_speed():
    # Two pillars 10 mm apart along X, 30 mm long in Y, with a slab on top: the bridge must run along X.
    pillars = [box([6, 30, 8], [97, 110, 4]), box([6, 30, 8], [113, 110, 4])]
    slab = box([22, 30, 2], [105, 110, 9])
    mesh = trimesh.util.concatenate([*pillars, slab])
    settings = make_settings(bridge_speed=17.0)
    moves = parse_gcode(slice_mesh(mesh, settings).gcode)
    rows = extrusions(moves) & (moves.feature == "Bridge infill")
    assert rows.any() and set(moves.layer[rows].tolist()) == {40}  # the first layer of the slab only
    step = moves.end[rows, :2] - moves.start[rows, :2]
    assert np.all(np.abs(step[:, 1]) < 1e-6) and np.abs(step[:, 0]).max() > 9.0
    assert set(moves.feed[rows].tolist()) == {17.0}


# --- supports and adhesion ----------------------------------------------------------------------------------


def mushroom() -> trimesh.Trimesh:
    """A 6 mm stem 10 mm tall with a 24 mm cap 3 mm thick on top: the cap overhangs by 9 mm all round."""
    return trimesh.util.concatenate([box([6, 6, 10], [110, 110, 5]), box([24, 24, 3], [110, 110, 11.5])])


def test_supports_hold_up_overhangs_and_keep_their_gaps_from_the_part():
    settings = make_settings(support_material=True, support_material_xy_spacing=0.8,
                             support_material_contact_distance=0.2)
    mesh = mushroom()
    program = slice_mesh(mesh, settings)
    moves = parse_gcode(program.gcode)
    assert not moves.unknown_commands
    support = extrusions(moves) & np.isin(moves.feature, ["Support material", "Support material interface"])
    layers = sorted(set(moves.layer[support].tolist()))
    # The cap starts at z = 10 (layer 50); one layer is left free under it.
    assert layers == list(range(0, 49))
    # The top three layers of the column are its interface (support_material_interface_layers = 3).
    interface = support & (moves.feature == "Support material interface")
    assert sorted(set(moves.layer[interface].tolist())) == [46, 47, 48]
    for layer in layers:
        rows = support & (moves.layer == layer)
        z = program.layer_z[layer] - 0.1
        lines = shapely.linestrings(np.stack([moves.start[rows, :2], moves.end[rows, :2]], axis=1))
        gap = shapely.distance(section_geometry(mesh, z), lines)
        assert gap.min() >= 0.8 + settings.line_width / 2 - 1e-3
    assert assert_inside_sections(program, mesh, settings) > 1000
    # The cap's first layer hangs 9 mm out over air: its outline prints as overhang perimeter.
    cap = extrusions(moves) & (moves.layer == 50)
    assert "Overhang perimeter" in set(moves.feature[cap].tolist())
    assert "Overhang perimeter" not in set(moves.feature[extrusions(moves) & (moves.layer == 52)].tolist())
    without = parse_gcode(slice_mesh(mesh, make_settings()).gcode)
    assert "Support material" not in set(without.feature.tolist())


def test_buildplate_only_support_does_not_stand_on_the_part():
    # A wide base, a stem, and a cap overhanging the base: all the cap's support would stand on the base.
    mesh = trimesh.util.concatenate([box([40, 40, 2], [110, 110, 1]), box([6, 6, 8], [110, 110, 6]),
                                     box([24, 24, 3], [110, 110, 11.5])])
    everywhere = parse_gcode(slice_mesh(mesh, make_settings(support_material=True)).gcode)
    assert "Support material" in set(everywhere.feature.tolist())
    plate = parse_gcode(slice_mesh(mesh, make_settings(support_material=True,
                                                       support_material_buildplate_only=True)).gcode)
    assert "Support material" not in set(plate.feature.tolist())


def test_brim_surrounds_the_first_layer_and_the_skirt_keeps_its_distance_from_it():
    cube = box([20, 20, 5], [110, 110, 2.5])
    settings = make_settings(brim_width=3.0)
    moves = parse_gcode(slice_mesh(cube, settings).gcode)
    rows = extrusions(moves, skirt=True)
    assert set(moves.layer[rows].tolist()) == {0}
    gap = shapely.distance(shapely.box(100, 100, 120, 120), shapely.points(moves.end[rows, :2]))
    brim_loops = round(3.0 / settings.line_width)
    assert np.isclose(gap, settings.line_width / 2, atol=0.02).any()  # the brim touches the part
    # The skirt keeps skirt_distance from the brim's outer edge.
    outer_edge = brim_loops * settings.line_width
    assert gap.max() == pytest.approx(outer_edge + settings.skirt_distance + settings.line_width / 2, abs=0.02)
    assert np.sum(gap < outer_edge) > 4 * brim_loops


# --- motion -----------------------------------------------------------------------------------------------


def test_z_hop_lifts_the_nozzle_on_every_retracted_travel():
    settings = make_settings(retract_lift=0.4)
    program = slice_mesh(box([20, 20, 2], [110, 110, 1]), settings)
    moves = parse_gcode(program.gcode)
    first = np.flatnonzero(moves.layer >= 0)[0]
    last = np.flatnonzero(extrusions(moves))[-1]  # the end G-code is the printer profile's own
    retractions = [row for row in range(first, last) if moves.e[row] < 0
                   and np.all(moves.start[row] == moves.end[row]) and row + 1 < len(moves)]
    hops = 0
    for row in retractions:
        following = moves.end[row + 1]
        if following[2] > moves.end[row][2] and moves.layer[row + 1] == moves.layer[row]:
            assert following[2] == pytest.approx(program.layer_z[moves.layer[row + 1]] + 0.4)
            hops += 1
    extruding = extrusions(moves)
    assert hops > 5
    assert np.allclose(moves.end[extruding, 2], np.asarray(program.layer_z)[moves.layer[extruding]])


@pytest.mark.parametrize("seam", ["rear", "aligned"])
def test_seams_go_to_the_back_or_line_up(seam):
    cylinder = trimesh.creation.cylinder(radius=8, height=4, sections=48).apply_translation([110, 110, 2])
    program = slice_mesh(cylinder, make_settings(seam_position=seam))
    moves = parse_gcode(program.gcode)
    starts = []
    for layer in range(2, 20):
        rows = np.flatnonzero(extrusions(moves) & (moves.layer == layer) & (moves.feature == "External perimeter"))
        starts.append(moves.start[rows[0], :2])
    starts = np.array(starts)
    assert np.ptp(starts[:, 0]) < 0.5 and np.ptp(starts[:, 1]) < 0.5  # one seam line
    if seam == "rear":
        assert starts[:, 1].min() > 110 + 8 - 1.0


def test_small_layers_slow_down_to_the_minimum_layer_time_and_get_full_fan():
    tower = box([5, 5, 4], [110, 110, 2])
    settings = make_settings(slowdown_below_layer_time=8.0, min_print_speed=5.0, fan_speed=35.0,
                             max_fan_speed=90.0)
    program = slice_mesh(tower, settings)
    moves = parse_gcode(program.gcode)
    rows = extrusions(moves) & (moves.layer == 10)
    time_s = float(np.sum(np.linalg.norm(moves.end[rows] - moves.start[rows], axis=1) / moves.feed[rows]))
    assert 6.0 < time_s < 8.1
    assert moves.feed[rows].max() < settings.external_perimeter_speed
    assert "M106 S230" in program.gcode  # 90 % of 255
    big = slice_mesh(box([60, 60, 1], [110, 110, 0.5]), settings)
    assert "M106 S89" in big.gcode or "M106 S" in big.gcode


def test_a_wall_a_little_wider_than_one_line_gets_one_line_not_a_doubled_loop():
    blade = box([0.55, 20, 3], [110, 110, 1.5])
    settings = make_settings()
    program = slice_mesh(blade, settings)
    moves = parse_gcode(program.gcode)
    rows = extrusions(moves) & (moves.layer == 5)
    assert set(moves.feature[rows].tolist()) == {"Gap fill"}
    volume = moves.e[rows].sum() * math.pi * (settings.filament_diameter / 2) ** 2
    assert volume == pytest.approx(0.55 * 20 * settings.layer_height, rel=0.1)


# --- G-code ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", ["marlin2", "klipper", "reprapfirmware"])
def test_each_flavour_writes_its_own_dialect_and_parses_back(flavor):
    program = slice_mesh(box([20, 20, 2], [110, 110, 1]), make_settings(gcode_flavor=flavor))
    moves = parse_gcode(program.gcode)
    assert not moves.unknown_commands
    text = program.gcode
    assert re.search(r"^M73 P0 R\d+$", text, re.M) and re.search(r"^M73 P100 R0$", text, re.M)
    if flavor == "klipper":
        assert "SET_PRINT_STATS_INFO TOTAL_LAYER=10" in text and "SET_PRINT_STATS_INFO CURRENT_LAYER=10" in text
    else:
        assert "SET_PRINT_STATS_INFO" not in text
    after_first = text.split(";LAYER_CHANGE")[2]
    if flavor == "reprapfirmware":
        assert "G10 P0 S210" in after_first and "M104" not in after_first
    else:
        assert "M104 S210" in after_first
    # RepRapFirmware deprecates M107: the fan goes off with M106 S0 there.
    fan_off = "M106 S0" if flavor == "reprapfirmware" else "M107"
    assert f"\n{fan_off} ; the first layer prints without fan\n" in text


def test_header_has_the_estimate_in_prusaslicer_wording_and_a_thumbnail():
    program = slice_mesh(box([20, 20, 2], [110, 110, 1]), make_settings(thumbnail_size=32))
    lines = program.gcode.splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith("; thumbnail begin "))
    end = lines.index("; thumbnail end")
    width, height, length = re.match(r"; thumbnail begin (\d+)x(\d+) (\d+)", lines[begin]).groups()
    data = "".join(line[2:] for line in lines[begin + 1 : end])
    assert (width, height) == ("32", "32") and len(data) == int(length)
    assert all(len(line) - 2 <= 78 for line in lines[begin + 1 : end])
    assert base64.b64decode(data).startswith(b"\x89PNG")
    header = "\n".join(lines[:end + 12])
    assert "; estimated printing time (normal mode) = " in header
    assert f"; filament used [mm] = {program.estimate.filament_mm:.2f}" in header
    assert f"; filament used [g] = {program.estimate.filament_g:.2f}" in header
    assert "; total filament cost = " in header and "; total filament used [g] = " in header
    assert "; filament used [cm3] = " in header


def test_settings_the_engine_cannot_use_are_refused_with_their_name():
    from slicing.errors import SlicingError

    for values, words in (({"infill_pattern": "stars"}, "infill_pattern is 'stars'"),
                          ({"seam_position": "front"}, "seam_position is 'front'"),
                          ({"brim_width": -1.0}, "brim_width is -1.0"),
                          ({"support_material_spacing": 0.0}, "support_material_spacing is 0.0"),
                          ({"gcode_flavor": "smoothie"}, "flavour 'smoothie' is not supported")):
        with pytest.raises(SlicingError, match=re.escape(words)):
            slice_mesh(box([10, 10, 2], [110, 110, 1]), make_settings(**values))


def test_type_names_are_prusaslicers():
    mesh = trimesh.util.concatenate([box([6, 30, 8], [97, 110, 4]), box([6, 30, 8], [113, 110, 4]),
                                     box([22, 30, 2], [105, 110, 9])])
    program = slice_mesh(mesh, make_settings(support_material=True))
    names = set(re.findall(r"^;TYPE:(.*)$", program.gcode, re.M))
    assert {"Bridge infill", "Support material", "External perimeter", "Perimeter", "Internal infill",
            "Solid infill", "Top solid infill", "Skirt/Brim"} <= names
    assert names <= set(FEATURES)


# --- for the GUI ---------------------------------------------------------------------------------------------


def test_preview_layers_hold_every_extrusion_by_feature_and_width():
    settings = make_settings()
    cube = box([20, 20, 4], [110, 110, 2])
    program = slice_mesh(cube, settings)
    moves = parse_gcode(program.gcode)
    assert len(program.layers) == len(program.layer_z) == 20
    for index, layer in enumerate(program.layers):
        rows = (moves.e > 0) & (moves.layer == index) & np.any(moves.end[:, :2] != moves.start[:, :2], axis=1)
        assert len(layer.segments) == rows.sum()
        assert layer.segments.shape[1:] == (2, 2) and layer.feature.dtype == np.uint8
        names = set(np.asarray(FEATURES)[layer.feature].tolist())
        assert names == set(moves.feature[rows].tolist())
        assert np.allclose(layer.width, settings.line_width)
        assert layer.z == pytest.approx(program.layer_z[index])


@pytest.mark.parametrize("avoid", [False, True])
def test_preview_layers_hold_the_travels_between_their_paths(avoid):
    outline = c_shape()
    mesh = trimesh.util.concatenate([trimesh.creation.extrude_polygon(outline, 2.0), box([8, 8, 2], [160, 160, 1])])
    program = slice_mesh(mesh, make_settings(avoid_crossing_perimeters=avoid, infill_density=40.0))
    moves = parse_gcode(program.gcode)
    travel = (moves.e == 0.0) & np.any(moves.end[:, :2] != moves.start[:, :2], axis=1)
    for index, layer in enumerate(program.layers):
        last_extrusion = np.flatnonzero((moves.e > 0) & (moves.layer == index))[-1]
        within = travel & (moves.layer == index) & (np.arange(len(moves)) < last_extrusion)
        written = np.stack([moves.start[:, :2], moves.end[:, :2]], axis=1)[within]
        # The G-code also travels into the layer from where the one below ended (and on to the end G-code's
        # park position after the last); the preview starts at the layer's first path.
        assert len(written) - len(layer.travels) in (0, 1) and len(layer.travels) > 3
        assert np.allclose(layer.travels, written[len(written) - len(layer.travels):], atol=1e-3)


@pytest.mark.parametrize("options", [{}, {"retract_lift": 0.3, "gcode_flavor": "klipper"}])
def test_the_moves_recorded_while_writing_are_what_the_gcode_parses_back_to(options, monkeypatch):
    import slicing.fdm.pipeline as pipeline

    bodies = []
    original = pipeline.write_gcode
    monkeypatch.setattr(pipeline, "write_gcode", lambda *a, **k: bodies.append(original(*a, **k)) or bodies[-1])
    mesh = trimesh.util.concatenate([box([20, 20, 4], [100, 110, 2]), box([8, 8, 6], [125, 110, 3])])
    slice_mesh(mesh, make_settings(**options))
    recorded, parsed = bodies[0].moves, parse_gcode(bodies[0].text)
    for name in ("start", "end", "e", "feed", "layer", "feature"):
        assert np.array_equal(getattr(recorded, name), getattr(parsed, name)), name
    assert recorded.layer_z == parsed.layer_z and recorded.dwell_s == parsed.dwell_s


# --- perimeter order, extrusion widths, travel routing ------------------------------------------------------


def first_loop_feature_of_each_layer(moves) -> list[str]:
    """The perimeter feature each layer of the part extrudes first."""
    rows = extrusions(moves) & np.isin(moves.feature, ["External perimeter", "Perimeter"])
    firsts = {}
    for layer, feature in zip(moves.layer[rows].tolist(), moves.feature[rows].tolist(), strict=True):
        firsts.setdefault(layer, feature)
    return [firsts[layer] for layer in sorted(firsts)]


@pytest.mark.parametrize("external_first", [False, True])
def test_external_perimeters_first_turns_the_order_of_the_loops_round(external_first):
    settings = make_settings(perimeters=3, external_perimeters_first=external_first)
    moves = parse_gcode(slice_mesh(box([20, 20, 2], [110, 110, 1]), settings).gcode)
    expected = "External perimeter" if external_first else "Perimeter"
    assert first_loop_feature_of_each_layer(moves) == [expected] * 10


WIDTHS = {
    "External perimeter": 0.5,
    "Perimeter": 0.42,
    "Internal infill": 0.6,
    "Solid infill": 0.4,
    "Top solid infill": 0.38,
}


def e_per_mm(moves, rows) -> np.ndarray:
    return moves.e[rows] / np.linalg.norm(moves.end[rows, :2] - moves.start[rows, :2], axis=1)


def test_each_feature_extrudes_at_its_own_width_and_the_loops_sit_where_their_widths_put_them():
    settings = make_settings(
        external_perimeter_extrusion_width=0.5, perimeter_extrusion_width=0.42, infill_extrusion_width=0.6,
        solid_infill_extrusion_width=0.4, top_infill_extrusion_width=0.38, first_layer_extrusion_width=0.55,
    )
    gcode = slice_mesh(box([20, 20, 6], [110, 110, 3]), settings).gcode
    moves = parse_gcode(gcode)
    area = math.pi * (settings.filament_diameter / 2.0) ** 2
    part = extrusions(moves)
    for feature, width in WIDTHS.items():
        rows = part & (moves.feature == feature) & (moves.layer > 0)
        assert rows.any(), feature
        assert np.allclose(e_per_mm(moves, rows), width * settings.layer_height / area, rtol=2e-3), feature
    first = extrusions(moves) & (moves.layer == 0) & (moves.feature != "Gap fill")
    first |= extrusions(moves, skirt=True)
    assert np.allclose(e_per_mm(moves, first), 0.55 * settings.first_layer_height / area, rtol=2e-3)
    assert ";WIDTH:0.500" in gcode and ";WIDTH:0.420" in gcode
    # The external loop's centre-line half its width in from the side at x = 100, the next loop against it.
    layer = moves.layer == 2  # a solid layer
    for feature, inset in (("External perimeter", 0.25), ("Perimeter", 0.5 + 0.21)):
        x = moves.end[part & layer & (moves.feature == feature), 0]
        assert x.min() == pytest.approx(100.0 + inset, abs=2e-3), feature
    # Infill reaches infill_overlap of the inner perimeter's width into it.
    solid = moves.end[part & layer & (moves.feature == "Solid infill"), 0]
    assert solid.min() == pytest.approx(100.0 + 0.5 + 0.42 - 0.1 * 0.42, abs=5e-3)


def test_widths_left_at_zero_keep_the_line_width_and_write_no_width_comments():
    settings = make_settings()
    gcode = slice_mesh(box([20, 20, 2], [110, 110, 1]), settings).gcode
    assert ";WIDTH:" not in gcode


def c_shape() -> shapely.Polygon:
    """30 x 30 mm with a notch 20 mm deep and 10 mm wide cut in from the right: two arms joined on the left."""
    return shapely.box(100, 100, 130, 130).difference(shapely.box(110, 110, 130, 120))


def plan_two_arms(routing):
    """The plan of one C-shaped island with an infill line in each arm, printed one after the other."""
    walls = c_shape()
    lines = [np.array([[112.0, 105.0], [128.0, 105.0]]), np.array([[128.0, 125.0], [112.0, 125.0]])]
    island = IslandToolpaths(
        loops=(),
        infill=(("Solid infill", lines),),
        inside=walls.buffer(-1.125, join_style="mitre"),
        walls=walls,
    )
    speeds = feature_speeds(make_settings(), first_layer=False)
    plan, _ = plan_layer([island], [], top_z=0.4, height=0.2, speeds=speeds, start=np.array([112.0, 105.0]),
                         routing=routing)
    return plan, walls


def test_avoid_crossing_perimeters_routes_a_travel_round_the_notch_inside_the_island_without_retraction():
    plan, walls = plan_two_arms(Routing(margin=0.45))
    first, second = plan.paths
    assert second.travel is not None and len(second.travel) >= 2 and not second.retract
    route = shapely.LineString(np.vstack([first.points[-1], second.travel, second.points[0]]))
    assert walls.buffer(1e-3).covers(route)
    assert not route.intersects(shapely.box(110.5, 110.5, 130, 119.5))  # the notch
    # The shortest way: round the two inner corners of the notch, turning the margin (one external
    # perimeter's width) inside them.
    assert route.length == pytest.approx(2 * math.hypot(128 - 109.55, 109.55 - 105) + 120.45 - 109.55, abs=0.01)


def test_without_avoid_crossing_or_past_the_detour_limit_the_travel_goes_straight_and_retracts():
    for routing in (None, Routing(margin=0.45, max_detour=5.0)):
        plan, _ = plan_two_arms(routing)
        assert plan.paths[1].travel is None and plan.paths[1].retract


@pytest.mark.parametrize(("travel_speed_z", "feed"), [(0.0, 150.0), (8.0, 8.0)])
def test_layer_changes_and_z_hops_go_at_travel_speed_z_or_at_travel_speed_when_it_is_zero(travel_speed_z, feed):
    settings = make_settings(travel_speed=150.0, travel_speed_z=travel_speed_z, retract_lift=0.4)
    moves = parse_gcode(slice_mesh(box([10, 10, 1], [110, 110, 0.5]), settings).gcode)
    z_only = (moves.end[:, 2] != moves.start[:, 2]) & np.all(moves.end[:, :2] == moves.start[:, :2], axis=1)
    last_extrusion = np.flatnonzero(extrusions(moves))[-1]
    z_only &= (moves.layer >= 0) & (np.arange(len(moves)) < last_extrusion)  # the end G-code has its own
    assert z_only.sum() >= 8  # up and down around each hop, up at each layer change
    assert set(moves.feed[z_only].tolist()) == {feed}


@pytest.mark.parametrize("avoid", [False, True])
def test_with_avoid_crossing_perimeters_no_travel_inside_a_layer_leaves_the_part(avoid):
    outline = c_shape()
    mesh = trimesh.creation.extrude_polygon(outline, 2.0)
    settings = make_settings(avoid_crossing_perimeters=avoid, infill_density=40.0, skirt_loops=0)
    moves = parse_gcode(slice_mesh(mesh, settings).gcode)
    travel = (moves.e == 0.0) & np.any(moves.end[:, :2] != moves.start[:, :2], axis=1) & (moves.layer > 0)
    travel &= moves.start[:, 2] == moves.end[:, 2]
    part = outline.buffer(1e-2)
    # Moves from one point of the part to another (leaving out the park move of the end G-code).
    for ends in (moves.start, moves.end):
        travel &= shapely.covers(part, shapely.points(ends[:, :2]))
    segments = shapely.linestrings(np.stack([moves.start[travel, :2], moves.end[travel, :2]], axis=1))
    assert travel.sum() > 20
    # Without the setting, some travel cuts across the notch, so the check below does look at something.
    assert shapely.covers(part, segments).all() == avoid


@pytest.mark.parametrize(("layers", "gap"), [(3, 0.0), (2, 0.5)])
def test_support_interface_is_dense_under_the_part_and_sparse_below(layers, gap):
    settings = make_settings(support_material=True, support_material_interface_layers=layers,
                             support_material_interface_spacing=gap, support_material_extrusion_width=0.4)
    moves = parse_gcode(slice_mesh(mushroom(), settings).gcode)
    interface = extrusions(moves) & (moves.feature == "Support material interface")
    assert sorted(set(moves.layer[interface].tolist())) == list(range(49 - layers, 49))
    # Lines along Y, across the sparse support lines (along X), each 0.4 mm + the gap from the next.
    step = moves.end[interface, :2] - moves.start[interface, :2]
    assert np.all(np.abs(step[:, 0]) < 1e-6)
    xs = np.unique(np.round(moves.start[interface & (moves.layer == 47), 0], 3))
    assert np.allclose(np.diff(xs), 0.4 + gap, atol=2e-3)
    area = math.pi * (settings.filament_diameter / 2.0) ** 2
    assert np.allclose(e_per_mm(moves, interface), 0.4 * settings.layer_height / area, rtol=2e-3)
    sparse = extrusions(moves) & (moves.feature == "Support material") & (moves.layer == 30)
    assert np.allclose(np.diff(np.unique(np.round(moves.start[sparse, 1], 3))), 2.0, atol=2e-3)
    assert np.allclose(e_per_mm(moves, sparse), 0.4 * settings.layer_height / area, rtol=2e-3)


@pytest.mark.parametrize(
    ("ranges", "supported"), [("", True), ("0-5", True), ("9.5-11", False), ("1-2, 10-10.4", False)]
)
def test_support_blockers_leave_the_overhangs_in_their_height_ranges_unsupported(ranges, supported):
    settings = make_settings(support_material=True, support_material_blocker_z=ranges)
    moves = parse_gcode(slice_mesh(mushroom(), settings).gcode)
    support = extrusions(moves) & (moves.feature == "Support material")
    assert support.any() == supported
    if supported:  # a blocker below the overhang does not cut the column standing through it
        assert set(range(0, 46)) <= set(moves.layer[support].tolist())


def test_a_support_blocker_range_that_cannot_be_read_is_refused_saying_how_to_write_it():
    with pytest.raises(SlicingError, match="'5-2' is not a height range"):
        slice_mesh(mushroom(), make_settings(support_material=True, support_material_blocker_z="0-1,5-2"))


def test_no_interface_layers_leave_the_whole_column_sparse():
    moves = parse_gcode(slice_mesh(mushroom(), make_settings(support_material=True,
                                                             support_material_interface_layers=0)).gcode)
    assert "Support material interface" not in set(moves.feature.tolist())


def test_machine_limits_are_written_for_marlin_2_when_asked_and_read_back_as_the_limits_set():
    settings = make_settings(emit_machine_limits=True, gcode_flavor="marlin2", machine_max_acceleration_x=1250.0,
                             machine_max_feedrate_z=12.5, machine_max_jerk_x=8.0)
    lines = machine_limits_gcode(settings)
    assert [line.split()[0] for line in lines] == ["M201", "M203", "M204", "M205"]
    read = {name: value for _, name, value in read_machine_commands("\n".join(lines) + "\nG1 X1\n").changes}
    limits = MachineLimits.from_settings(settings.as_dict())
    assert len(read) == 15
    assert all(getattr(limits, name) == pytest.approx(value) for name, value in read.items())
    assert read["max_acceleration_x"] == 1250.0 and read["max_feedrate_z"] == 12.5 and read["max_jerk_x"] == 8.0
    assert machine_limits_gcode(dataclasses.replace(settings, emit_machine_limits=False)) == []
    assert machine_limits_gcode(dataclasses.replace(settings, gcode_flavor="klipper")) == []
