"""The FDM check on real meshes: clean corpus parts pass, broken ones are refused or repaired with a report of
what changed, and every finding says where it is and what to do."""

import numpy as np
import pytest
import trimesh

from app.checks import check_fdm, repair_mesh, stored_normal_findings, turned_to_fit
from app.checks.mass import volume_and_centre
from app.profiles import resolve_fdm_setup
from slicing.mesh import load_mesh, place_on_bed
from slicing.placement import unit_hint


@pytest.fixture(scope="module")
def settings():
    return resolve_fdm_setup().settings


@pytest.fixture
def corpus_file(corpus):
    """The path of a corpus file; the test is skipped when the shared corpus lacks it."""
    def path(relative):
        found = corpus / relative
        if not found.is_file():
            pytest.skip(f"corpus file {relative} is missing from {corpus}")
        return found
    return path


def _rules(report, severity=None):
    return [f.rule for f in report.findings if severity is None or f.severity == severity]


def _at_intended_size(mesh):
    """fandisk.obj is 1.7 mm across: drawn in inches, as the unit hint says; check it at the size meant."""
    hint = unit_hint(mesh)
    if hint is not None:
        mesh.apply_scale(hint.scale)
    return mesh


@pytest.mark.parametrize("name", ["20mm-xyz-cube.stl", "3DBenchy.3mf", "busted.STL", "fandisk.obj",
                                  "cube_and_sphere_same_name.3mf"])
def test_clean_corpus_meshes_have_no_errors(name, settings, corpus_file):
    mesh = _at_intended_size(load_mesh(corpus_file(f"meshes/{name}")))
    report = check_fdm(place_on_bed(mesh, 220, 220), settings)
    assert report.ok, [f.message for f in report.errors]


@pytest.mark.parametrize("name", ["featuretype.STL", "1002_tray_bottom.STL", "pyramids.3mf"])
def test_corpus_meshes_are_sound_solids_even_where_the_printer_cannot_make_them(name, settings, corpus_file):
    # featuretype is a 5 mm part with 0.1 mm features, the tray and the pyramids are larger than the bed:
    # the part errors are real, but none is about the mesh itself.
    report = check_fdm(place_on_bed(load_mesh(corpus_file(f"meshes/{name}")), 220, 220), settings)
    assert not [r for r in _rules(report, "error") if r.startswith("mesh.")]
    assert all(r.startswith("fdm.") for r in _rules(report, "error"))


def test_featuretype_thin_features_are_found_and_located(settings, corpus_file):
    mesh = place_on_bed(load_mesh(corpus_file("meshes/featuretype.STL")), 220, 220)
    report = check_fdm(mesh, settings)
    walls = [f for f in report.findings if f.rule == "fdm.thin_wall"]
    assert {f.severity for f in walls} == {"error", "warning"}
    for finding in walls:
        assert finding.faces and finding.points and finding.measured < finding.limit == 0.8
        assert "thicken this wall to at least 0.80 mm" in finding.message


def test_triangle_soup_is_refused_with_a_clear_message(settings, corpus_file):
    report = check_fdm(load_mesh(corpus_file("meshes/soup.stl")), settings)
    assert _rules(report) == ["mesh.triangle_soup"]
    assert "not a solid" in report.errors[0].message and not report.ok


def test_the_wrong_stored_normals_of_busted_stl_are_reported_as_fixed(settings, corpus_file):
    path = corpus_file("meshes/busted.STL")
    (finding,) = stored_normal_findings(path)
    assert finding.rule == "mesh.repair.stored_normals" and finding.measured == 3878
    report = check_fdm(place_on_bed(load_mesh(path), 220, 220), settings)
    assert report.ok and not [r for r in _rules(report) if r.startswith("mesh.") and r != "mesh.repair.stored_normals"]
    assert stored_normal_findings(corpus_file("meshes/20mm-xyz-cube.stl")) == []


def test_facets_facing_inwards_are_turned_and_the_repair_is_reported():
    box = trimesh.creation.box((10, 10, 10))
    faces = box.faces.copy()
    faces[:4] = faces[:4, ::-1]
    broken = trimesh.Trimesh(box.vertices, faces, process=False)
    assert not broken.is_winding_consistent
    repaired, changes = repair_mesh(broken)
    assert repaired.is_winding_consistent and volume_and_centre(repaired)[0] == pytest.approx(1000.0)
    (change,) = changes
    assert change.rule == "mesh.repair.winding" and change.severity == "info" and change.measured == 4
    inside_out = trimesh.Trimesh(box.vertices, box.faces[:, ::-1], process=False)
    repaired, changes = repair_mesh(inside_out)
    assert volume_and_centre(repaired)[0] == pytest.approx(1000.0) and changes[0].measured == 12


def test_a_missing_facet_is_filled_and_a_large_hole_is_an_error_with_where_it_is(settings):
    box = trimesh.creation.box((10, 10, 10))
    box.update_faces(np.arange(1, 12))
    repaired, changes = repair_mesh(box)
    assert repaired.is_watertight and [c.rule for c in changes] == ["mesh.repair.filled_holes"]
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=10)
    sphere.update_faces(sphere.triangles_center[:, 2] <= 9.5)
    report = check_fdm(place_on_bed(sphere, 220, 220), settings)
    (finding,) = report.errors
    assert finding.rule == "mesh.watertight" and finding.measured > 0 and finding.faces
    points = np.array(finding.points)
    assert len(points) and (points[:, 2] > 19.0).all()  # the hole is at the top of the placed sphere
    assert "close the holes" in finding.message


def test_degenerate_facets_are_dropped_unless_they_close_the_surface(corpus_file):
    box = trimesh.creation.box((10, 10, 10))
    line = [[5, 5, 5], [6, 5, 5], [7, 5, 5]]  # three distinct corners on one line: a facet without area
    collinear = trimesh.Trimesh(np.vstack([box.vertices, line]), np.vstack([box.faces, [[8, 9, 10]]]),
                                process=False)
    repaired, changes = repair_mesh(collinear)
    assert len(repaired.faces) == 12 and repaired.is_watertight
    assert "mesh.repair.degenerate_dropped" in [c.rule for c in changes]
    report = check_fdm(place_on_bed(load_mesh(corpus_file("meshes/3DBenchy.3mf")), 220, 220),
                       resolve_fdm_setup().settings)
    kept = [f for f in report.findings if f.rule == "mesh.repair.degenerate_kept"]
    assert kept and kept[0].faces  # 3DBenchy's zero-area facets close T-junctions: kept, and said so


def test_overlapping_bodies_are_located_and_not_taken_for_a_folded_surface(settings):
    first = trimesh.creation.box((10, 10, 10))
    second = trimesh.creation.box((10, 10, 10))
    second.apply_translation((5, 0, 0))
    report = check_fdm(place_on_bed(trimesh.util.concatenate([first, second]), 220, 220), settings)
    (finding,) = [f for f in report.findings if f.rule == "mesh.overlapping_bodies"]
    assert finding.measured == 1 and finding.severity == "warning"
    assert "mesh.self_intersection" not in _rules(report)
    x, y, _ = finding.points[0]
    assert (x, y) == pytest.approx((110.0, 110.0))  # the overlap is the middle 5 mm of the 15 mm pair
    apart = second.copy()
    apart.apply_translation((20, 0, 0))
    report = check_fdm(place_on_bed(trimesh.util.concatenate([first, apart]), 220, 220), settings)
    assert "mesh.overlapping_bodies" not in _rules(report) and "mesh.bodies" in _rules(report)


def test_a_surface_folded_through_itself_is_located(settings):
    sphere = trimesh.creation.icosphere(subdivisions=2, radius=10)
    folded = sphere.vertices.copy()
    folded[np.argmax(folded[:, 2])] = (3.3, 2.1, -15.0)  # the top pulled down through the bottom
    report = check_fdm(trimesh.Trimesh(folded, sphere.faces, process=False), settings)
    (finding,) = [f for f in report.findings if f.rule == "mesh.self_intersection"]
    assert finding.severity == "warning" and finding.measured >= 4 and finding.faces
    points = np.array(finding.points)
    assert (np.abs(points[:, 2] + 9.5) < 0.5).all()  # where the pulled-down facets pierce the bottom
    assert "mesh.self_intersection" not in _rules(check_fdm(sphere, settings))


def test_a_part_drawn_in_other_units_is_flagged(settings):
    tiny = trimesh.creation.box((0.5, 0.4, 0.3))
    report = check_fdm(place_on_bed(tiny, 220, 220), settings)
    (finding,) = [f for f in report.findings if f.rule == "mesh.units"]
    assert "--scale 25.4" in finding.message


def test_a_part_larger_than_the_bed_is_flagged_with_what_to_do(settings):
    long_bar = trimesh.creation.box((400, 100, 10))
    (finding,) = check_fdm(long_bar, settings).errors
    assert finding.rule == "fdm.fits_bed" and finding.measured == 400 and finding.limit == 220
    assert "scale it down" in finding.message
    shorter = trimesh.creation.box((300, 100, 10))  # on edge it is 300 x 10 mm: fits the 311 mm diagonal
    (finding,) = check_fdm(shorter, settings).errors
    assert finding.message.endswith("lay it on its Y side and turn it by 45 degrees")
    tall = trimesh.creation.box((10, 10, 260))
    (finding,) = check_fdm(place_on_bed(tall, 220, 220), settings).errors
    assert finding.rule == "fdm.fits_height" and "lay it on its X side" in finding.message


def test_a_part_that_fits_when_turned_says_by_how_much_and_make_turns_it():
    settings = resolve_fdm_setup(overrides={"bed_size_x": 250, "bed_size_y": 150}).settings
    bar = trimesh.creation.box((140, 240, 10))
    (finding,) = [f for f in check_fdm(bar, settings).findings if f.rule == "fdm.fits_bed"]
    assert finding.severity == "warning" and "turn it by 90 degrees" in finding.message
    diagonal = trimesh.creation.box((230, 20, 10))  # longer than the 220 mm bed, shorter than its diagonal
    settings = resolve_fdm_setup().settings
    turned = turned_to_fit(diagonal, 220, 220)
    assert max(turned.extents[:2]) <= 220 and "fdm.fits_bed" not in _rules(check_fdm(turned, settings))


def test_the_report_is_deterministic_and_serialisable(settings, corpus_file):
    mesh = place_on_bed(load_mesh(corpus_file("meshes/featuretype.STL")), 220, 220)
    first, second = check_fdm(mesh, settings).as_dict(), check_fdm(mesh, settings).as_dict()
    assert first == second and first["counts"]["error"] > 0 and not first["ok"]
    for finding in first["findings"]:
        assert finding["rule"] and finding["severity"] in ("error", "warning", "info") and finding["message"]
