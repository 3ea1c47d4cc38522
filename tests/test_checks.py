import numpy as np
import pytest
import trimesh

from app.checks import check_fdm
from app.profiles import resolve_fdm_setup
from slicing.mesh import load_mesh, place_on_bed
from tests.conftest import corpus_file


@pytest.fixture(scope="module")
def settings():
    return resolve_fdm_setup().settings


def _rules(report):
    return [(f.rule, f.severity) for f in report.findings]


@pytest.mark.parametrize("name", ["20mm-xyz-cube.stl", "3DBenchy.3mf", "busted.STL", "featuretype.STL",
                                  "fandisk.obj"])
def test_clean_corpus_meshes_pass(name, settings):
    mesh = load_mesh(corpus_file(f"meshes/{name}"))
    report = check_fdm(place_on_bed(mesh, 220, 220), settings)
    assert report.ok, report.as_dict()


def test_triangle_soup_is_refused_with_a_clear_message(settings):
    report = check_fdm(load_mesh(corpus_file("meshes/soup.stl")), settings)
    assert _rules(report) == [("mesh.triangle_soup", "error")]
    assert "not a solid" in report.errors[0].message


def test_a_hole_is_reported_with_where_it_is(settings):
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=10)
    top = sphere.triangles_center[:, 2] > 9.5
    sphere.update_faces(~top)
    report = check_fdm(place_on_bed(sphere, 220, 220), settings)
    (finding,) = report.errors
    assert finding.rule == "mesh.watertight" and finding.measured > 0
    points = np.array(finding.points)
    assert len(points) and (points[:, 2] > 19.0).all()  # the hole is at the top of the placed sphere
    assert finding.faces


def test_a_part_larger_than_the_bed_is_flagged_with_what_to_do(settings):
    long_bar = trimesh.creation.box((230, 100, 10))
    (finding,) = check_fdm(long_bar, settings).errors
    assert finding.rule == "fdm.fits_bed" and finding.measured == 230 and finding.limit == 220
    assert "scale it down" in finding.message
    tall = trimesh.creation.box((10, 10, 260))
    assert _rules(check_fdm(tall, settings)) == [("fdm.fits_height", "error")]


def test_a_part_that_fits_when_turned_says_so():
    setup = resolve_fdm_setup(overrides={"bed_size_x": 250, "bed_size_y": 150})
    (finding,) = check_fdm(trimesh.creation.box((140, 240, 10)), setup.settings).errors
    assert "turn it by 90 degrees" in finding.message
