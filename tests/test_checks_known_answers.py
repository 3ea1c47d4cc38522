"""Known answers: generated parts whose wall thickness and overhang angles are known exactly, measured by the
checks to within the stated tolerance."""

import manifold3d
import numpy as np
import pytest
import shapely
import trimesh

from app.checks import CheckCancelled, advise_orientations, check_fdm
from app.checks.overhangs import needs_support
from app.checks.thickness import wall_thickness
from app.profiles import resolve_fdm_setup
from slicing.mesh import place_on_bed

WALL_TOLERANCE_MM = 0.05


@pytest.fixture(scope="module")
def settings():
    return resolve_fdm_setup().settings  # 0.4 mm nozzle, 45 degree support angle


def _trimesh(solid: manifold3d.Manifold) -> trimesh.Trimesh:
    mesh = solid.to_mesh()
    return trimesh.Trimesh(np.asarray(mesh.vert_properties)[:, :3], np.asarray(mesh.tri_verts), process=False)


def cup(wall: float) -> trimesh.Trimesh:
    """A 20 x 20 x 15 mm open box with a 2 mm floor and walls `wall` mm thick."""
    outer = manifold3d.Manifold.cube((20.0, 20.0, 15.0))
    inner = manifold3d.Manifold.cube((20.0 - 2 * wall, 20.0 - 2 * wall, 15.0)).translate((wall, wall, 2.0))
    return place_on_bed(_trimesh(outer - inner), 220, 220)


def tube(wall: float) -> trimesh.Trimesh:
    """A tube 20 mm across and 15 mm tall with a `wall` mm wall, finely faceted."""
    outer = manifold3d.Manifold.cylinder(15.0, 10.0, 10.0, 256)
    inner = manifold3d.Manifold.cylinder(17.0, 10.0 - wall, 10.0 - wall, 256).translate((0, 0, -1.0))
    return place_on_bed(_trimesh(outer - inner), 220, 220)


def _side_wall_thickness(mesh: trimesh.Trimesh) -> np.ndarray:
    """The measured thickness of every vertical facet below the rim."""
    vertical = np.abs(mesh.face_normals[:, 2]) < 1e-6
    below_rim = mesh.triangles_center[:, 2] < mesh.bounds[1, 2] - 0.5
    above_floor = mesh.triangles_center[:, 2] > 2.5
    return wall_thickness(mesh)[vertical & below_rim & above_floor]


@pytest.mark.parametrize("make", [cup, tube], ids=["cup", "tube"])
@pytest.mark.parametrize("wall", [0.4, 0.6, 0.8, 1.2])
def test_walls_measure_within_five_hundredths_of_a_millimetre(make, wall):
    measured = _side_wall_thickness(make(wall))
    assert len(measured) >= 8
    assert np.abs(np.median(measured) - wall) <= WALL_TOLERANCE_MM, np.median(measured)
    assert np.abs(measured - wall).max() <= WALL_TOLERANCE_MM, measured.max()


@pytest.mark.parametrize("wall", [0.4, 0.6, 0.8, 1.2])
def test_walls_under_two_nozzle_widths_are_flagged_with_their_thickness(wall, settings):
    report = check_fdm(cup(wall), settings)
    walls = [f for f in report.findings if f.rule == "fdm.thin_wall"]
    if wall < 2 * settings["nozzle_diameter"]:
        (finding,) = walls
        assert finding.severity == "warning" and abs(finding.measured - wall) <= WALL_TOLERANCE_MM
        assert finding.limit == 0.8 and "thicken this wall to at least 0.80 mm" in finding.message
        assert len(finding.faces) > 0 and len(finding.points) > 0
        # A nozzle that is sold and makes this wall two lines wide: 0.15 mm for 0.4, 0.3 mm for 0.6.
        assert finding.message.endswith({0.4: "or use a 0.15 mm nozzle", 0.6: "or use a 0.3 mm nozzle"}[wall])
    else:
        assert walls == []


def test_a_wall_thinner_than_a_quarter_nozzle_is_an_error(settings):
    (finding,) = [f for f in check_fdm(cup(0.08), settings).findings if f.rule == "fdm.thin_wall"]
    assert finding.severity == "error" and abs(finding.measured - 0.08) <= WALL_TOLERANCE_MM
    assert "nozzle" not in finding.message.split(":")[-1]  # no nozzle is fine enough to name


def ramp(angle_from_vertical: float) -> trimesh.Trimesh:
    """A slab leaning over air: its underside makes `angle_from_vertical` degrees with the vertical.

    A parallelogram in XZ (10 mm wide at the base, 20 mm tall, leaning by the angle) extruded 20 mm along Y.
    """
    lean = 20.0 * np.tan(np.radians(angle_from_vertical))
    outline = shapely.Polygon([(0, 0), (10, 0), (10 + lean, 20), (lean, 20)])
    slab = trimesh.creation.extrude_polygon(outline, 20.0)
    slab.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, (1, 0, 0)))
    return place_on_bed(slab, 220, 220)


@pytest.mark.parametrize(("angle", "supported"), [(30.0, False), (45.0, False), (60.0, True)])
def test_overhang_ramps_are_classified_against_the_profile_angle(angle, supported, settings):
    mesh = ramp(angle)
    underside = np.flatnonzero((mesh.face_normals[:, 2] < -1e-6) & (mesh.triangles_center[:, 2] > 1.0))
    assert len(underside) == 2  # the two triangles of the leaning face (the other two are on the bed)
    flagged = needs_support(mesh, angle - 1.0, settings["first_layer_height"])
    assert flagged[underside].all()  # just steeper than a profile angle set a degree below it
    steep = needs_support(mesh, settings["support_material_angle"], settings["first_layer_height"])
    assert bool(steep[underside].all()) is supported and steep.sum() == (2 if supported else 0)
    overhangs = [f for f in check_fdm(mesh, settings).findings if f.rule == "fdm.overhang"]
    assert bool(overhangs) is supported
    if supported:
        assert overhangs[0].measured == pytest.approx(angle) and overhangs[0].limit == 45.0
        assert sorted(overhangs[0].faces) == sorted(underside.tolist())


def _rules_of(report, rule):
    return [f for f in report.findings if f.rule == rule]


@pytest.mark.parametrize(("span", "flagged"), [(8.0, False), (15.0, True)])
def test_a_flat_ceiling_is_a_bridge_flagged_only_beyond_the_materials_limit(span, flagged, settings):
    pillars = manifold3d.Manifold.cube((5.0, 10.0, 10.0)) + \
        manifold3d.Manifold.cube((5.0, 10.0, 10.0)).translate((5.0 + span, 0.0, 0.0))
    arch = pillars + manifold3d.Manifold.cube((10.0 + span, 10.0, 3.0)).translate((0.0, 0.0, 10.0))
    report = check_fdm(place_on_bed(_trimesh(arch), 220, 220), settings)
    bridges = _rules_of(report, "fdm.bridge")
    assert bool(bridges) is flagged and not _rules_of(report, "fdm.overhang")
    if flagged:
        assert bridges[0].measured == pytest.approx(span, abs=0.01) and bridges[0].limit == 10.0


def test_holes_narrower_than_two_nozzle_widths_are_measured(settings):
    plate = manifold3d.Manifold.cube((30.0, 20.0, 3.0))
    plate = plate - manifold3d.Manifold.cylinder(5.0, 0.3, 0.3, 64).translate((10.0, 10.0, -1.0))  # 0.6 mm
    plate = plate - manifold3d.Manifold.cylinder(5.0, 1.0, 1.0, 64).translate((20.0, 10.0, -1.0))  # 2 mm
    (holes,) = _rules_of(check_fdm(place_on_bed(_trimesh(plate), 220, 220), settings), "fdm.small_hole")
    assert holes.measured == pytest.approx(0.6, abs=WALL_TOLERANCE_MM) and holes.limit == 0.8
    assert {(round(x), round(y)) for x, y, _ in holes.points} == {(105, 110)}  # the 0.6 mm hole only


def test_a_tall_pillar_and_a_leaning_part_are_stability_warnings(settings):
    pillar = place_on_bed(trimesh.creation.box((5.0, 5.0, 40.0)), 220, 220)
    (tall,) = _rules_of(check_fdm(pillar, settings), "fdm.tall_and_narrow")
    assert tall.measured == pytest.approx(8.0) and tall.limit == settings["tip_max_height_ratio"]
    foot = manifold3d.Manifold.cube((4.0, 4.0, 2.0))
    arm = manifold3d.Manifold.cube((40.0, 4.0, 4.0)).translate((0.0, 0.0, 2.0))
    report = check_fdm(place_on_bed(_trimesh(foot + arm), 220, 220), settings)
    (tipping,) = _rules_of(report, "fdm.tipping")
    assert tipping.measured > 10.0 and tipping.severity == "warning"
    (contact,) = _rules_of(report, "fdm.bed_contact")
    assert contact.measured == pytest.approx(16.0) and contact.limit == settings["bed_contact_min_area"]


def test_orientation_advice_puts_a_mushroom_on_its_cap_first(settings):
    stem = manifold3d.Manifold.cube((10.0, 10.0, 20.0)).translate((10.0, 10.0, 0.0))
    cap = manifold3d.Manifold.cube((30.0, 30.0, 5.0)).translate((0.0, 0.0, 20.0))
    mushroom = place_on_bed(_trimesh(stem + cap), 220, 220)
    best, second, third = advise_orientations(mushroom, settings)
    assert best.down == (0.0, 0.0, 1.0) and best.support_area == 0.0  # upside down: the cap on the bed
    assert best.contact_area == pytest.approx(900.0) and best.height == pytest.approx(25.0)
    assert second.support_area > 0.0 and second.support_area <= third.support_area
    # Upright, the cap's flat underside reaches 10 * sqrt(2) mm from the stem: twice that is its span.
    (ledge,) = _rules_of(check_fdm(mushroom, settings), "fdm.bridge")
    assert ledge.measured == pytest.approx(20 * np.sqrt(2), abs=settings["nozzle_diameter"])


def test_the_check_reports_progress_and_can_be_cancelled(settings):
    seen = []
    check_fdm(cup(1.2), settings, progress=lambda fraction, stage: seen.append((fraction, stage)))
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert "wall thickness" in [stage for _, stage in seen]
    with pytest.raises(CheckCancelled):
        check_fdm(cup(1.2), settings, cancel=lambda: True)


@pytest.mark.parametrize(("relief", "flagged"), [(0.1, True), (0.6, False)])
def test_embossed_text_lower_than_a_layer_is_flagged(relief, flagged, settings):
    plate = manifold3d.Manifold.cube((40.0, 20.0, 3.0))
    letters = [manifold3d.Manifold.cube((2.0, 8.0, relief)).translate((5.0 + 4.0 * i, 6.0, 3.0)) for i in range(5)]
    for letter in letters:
        plate = plate + letter
    report = check_fdm(place_on_bed(_trimesh(plate), 220, 220), settings)
    shallow = _rules_of(report, "fdm.shallow_relief")
    assert bool(shallow) is flagged
    if flagged:
        assert shallow[0].measured == pytest.approx(relief) and shallow[0].limit == settings["layer_height"]
        assert all(z == pytest.approx(3.1) for _, _, z in shallow[0].points)  # the tops of the letters


@pytest.mark.parametrize("offset_mm", [0.0, 1220.0, 5000.0])
def test_wall_thickness_is_the_same_wherever_the_part_lies(offset_mm):
    # Embree casts in float32: a part far from the origin (a sheet of a 2440 x 1220 router) must not have its
    # rays meet the very face they start inside.
    plate = trimesh.creation.box(extents=(40.0, 30.0, 12.0))
    plate.apply_translation((offset_mm + 20.0, offset_mm / 2 + 15.0, 6.0))
    thickness = wall_thickness(plate)
    expected = np.select([np.abs(plate.face_normals[:, 0]) > 0.5, np.abs(plate.face_normals[:, 1]) > 0.5],
                         [40.0, 30.0], 12.0)
    assert thickness == pytest.approx(expected, abs=1e-3)
