import textwrap

import pytest

from parametric_designs.build import build_part
from parametric_designs.errors import BuildError, ParameterError
from parametric_designs.templates import find_template, load_template

BOX_GAP_MM = 8.0  # the design lays the lid this far beside the box


@pytest.fixture(scope="module")
def box():
    return find_template("box")


def test_box_builds_a_watertight_solid_with_the_requested_size(box):
    part = build_part(box, {"width": 60, "depth": 50, "height": 30})
    mesh = part.mesh
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    assert mesh.body_count == 2  # box and lid
    size = mesh.extents
    assert size[0] == pytest.approx(60 + BOX_GAP_MM + 60, abs=1e-6)
    assert size[1] == pytest.approx(50, abs=1e-6)
    assert size[2] == pytest.approx(30, abs=1e-6)


def test_second_build_with_the_same_values_comes_from_the_cache_with_the_same_mesh(box):
    first = build_part(box, {"width": 70})
    second = build_part(box, {"width": "70"})  # text from a command line means the same value
    assert second.from_cache
    assert (first.mesh.vertices == second.mesh.vertices).all() and (first.mesh.faces == second.mesh.faces).all()


def test_square_corners_and_thinnest_wall_still_build(box):
    part = build_part(box, {"corner_radius": 0, "wall": 0.8, "lid_clearance": 0})
    assert part.mesh.is_watertight


def test_values_outside_the_range_are_refused_before_any_build(box, monkeypatch):
    monkeypatch.setattr("parametric_designs.build._run_worker",
                        lambda *a, **k: pytest.fail("the worker must not start"))
    with pytest.raises(ParameterError, match="width = -5 mm is below the minimum 20 mm"):
        build_part(box, {"width": -5})
    with pytest.raises(ParameterError, match="lid clearance must be smaller than the wall"):
        build_part(box, {"lid_clearance": 0.9, "wall": 0.8})


def _template(tmp_path, body: str):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "template.toml").write_text(textwrap.dedent("""
        [template]
        id = "t"
        name = "test"
        version = "0"
        author = "tests"
        licence = "CC0-1.0"
        description = "a design made by a test"
        [parameters.size]
        type = "number"
        default = 10.0
        min = 1.0
        max = 100.0
    """))
    (folder / "design.py").write_text(textwrap.dedent(body))
    return load_template(folder)


def test_round_edges_are_meshed_within_the_chordal_deviation_whatever_their_size(tmp_path):
    import numpy as np

    from parametric_designs.worker import LINEAR_TOLERANCE_MM

    template = _template(tmp_path, """
        import cadquery as cq
        def build(*, size):
            return cq.Workplane("XY").circle(size * 1.5).extrude(5)  # from a 1.5 to a 150 mm radius
    """)
    for radius_mm in (1.5, 15.0, 150.0):
        mesh = build_part(template, {"size": radius_mm / 1.5}, cache_dir=tmp_path / "cache").mesh
        rim = mesh.vertices[np.isclose(mesh.vertices[:, 2], 5.0)]
        angles = np.sort(np.arctan2(rim[:, 1], rim[:, 0]))
        widest_step = np.diff(np.r_[angles, angles[0] + 2 * np.pi]).max()
        sagitta_mm = radius_mm * (1 - np.cos(widest_step / 2))  # how far the widest chord strays from the circle
        assert sagitta_mm <= LINEAR_TOLERANCE_MM, f"{radius_mm} mm circle: chords {sagitta_mm:.3f} mm inside it"


def test_an_exception_in_the_design_is_reported_with_its_line(tmp_path):
    template = _template(tmp_path, """
        def build(*, size):
            raise ValueError("the design does not like this size")
    """)
    with pytest.raises(BuildError, match=r"ValueError: the design does not like this size \(design.py line 3\)"):
        build_part(template, {}, cache_dir=tmp_path / "cache")


def test_a_design_that_produces_nothing_is_an_error(tmp_path):
    template = _template(tmp_path, """
        import cadquery as cq
        def build(*, size):
            return cq.Workplane("XY")
    """)
    with pytest.raises(BuildError, match="produced no solid"):
        build_part(template, {}, cache_dir=tmp_path / "cache")


def test_a_design_that_runs_too_long_is_stopped_and_the_next_build_works(tmp_path, box):
    template = _template(tmp_path, """
        def build(*, size):
            while True:
                pass
    """)
    with pytest.raises(BuildError, match="took longer than 3 s"):
        build_part(template, {}, cache_dir=tmp_path / "cache", timeout_s=3)
    assert build_part(box, {"height": 25}, cache_dir=tmp_path / "cache").mesh.is_watertight


def test_a_build_can_be_cancelled(tmp_path):
    template = _template(tmp_path, """
        import time
        def build(*, size):
            time.sleep(60)
    """)
    with pytest.raises(BuildError, match="cancelled"):
        build_part(template, {}, cache_dir=tmp_path / "cache", cancel=lambda: True)


def test_the_disk_cache_keeps_the_most_recently_used_entries_within_its_bound(tmp_path):
    import os

    from parametric_designs.build import prune_cache

    for index in range(5):
        entry = tmp_path / f"{index}.npz"
        entry.write_bytes(b"x" * 1000)
        os.utime(entry, ns=(index * 10**9, index * 10**9))
    os.utime(tmp_path / "0.npz")  # used just now
    prune_cache(tmp_path, limit_bytes=2500)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.npz", "4.npz"]
