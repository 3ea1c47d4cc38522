"""What the fast paths of the slicer must keep: the same output as the plain ones (no timings here; speed is
measured by tests/benchmarks/bench_slice.py)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import trimesh

from slicing.fdm import parallel, slice_mesh
from slicing.fdm.ordering import polyline_order
from slicing.mesh import load_mesh
from slicing.threemf import _written, read_3mf
from slicing.triangles import welded
from tests.conftest import corpus_file
from tests.test_fdm_slicer import hollow_box, make_settings


def test_layer_work_spread_over_processes_comes_back_whole_and_in_order():
    results = parallel.map_layers(lambda index: [index, np.full(3, index)], 100, lambda done: None)
    assert [value for value, _ in results] == list(range(100))
    assert all((array == index).all() for index, (_, array) in enumerate(results))


def test_the_gcode_does_not_depend_on_how_many_processes_sliced_it(monkeypatch):
    settings = make_settings(layer_height=0.3)
    spread = slice_mesh(hollow_box(), settings).gcode
    monkeypatch.setattr(parallel, "MIN_PARALLEL_LAYERS", 10**9)
    assert slice_mesh(hollow_box(), settings).gcode == spread


def test_a_cancel_during_a_spread_stage_stops_the_workers():
    calls = []

    def on_done(done: int) -> None:
        calls.append(done)
        if done == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        parallel.map_layers(lambda index: index, 200, on_done)
    assert calls[-1] == 10


def test_float32_read_back_as_the_decimal_a_file_wrote():
    values = np.random.default_rng(7).uniform(-400.0, 400.0, (2000, 3)).round(4).astype(np.float32)
    # numpy prints a float32 as the shortest decimal that reads back to it
    expected = np.array([float(np.format_float_positional(v)) for v in values.reshape(-1)]).reshape(values.shape)
    assert np.array_equal(_written(values), expected)


@pytest.mark.parametrize("name", ["3DBenchy.3mf", "cube_and_sphere_same_name.3mf", "pyramids.3mf"])
def test_lib3mf_reads_the_same_triangles_as_trimesh(name):
    path = corpus_file(f"meshes/{name}")
    vertices, faces = read_3mf(path)
    reference = trimesh.load(str(path), force="mesh", process=False)

    def triangles(points: np.ndarray, corners: np.ndarray) -> np.ndarray:
        return np.unique(points[corners].reshape(-1, 9), axis=0)

    assert np.array_equal(triangles(vertices, faces), triangles(np.asarray(reference.vertices), reference.faces))


def test_a_3mf_loads_to_the_same_mesh_as_through_trimesh():
    mesh = load_mesh(corpus_file("meshes/3DBenchy.3mf"))
    loaded = trimesh.load(str(corpus_file("meshes/3DBenchy.3mf")), force="mesh", process=False)
    reference = welded(np.asarray(loaded.vertices, dtype=np.float64), np.asarray(loaded.faces))
    assert np.array_equal(mesh.vertices, reference.vertices) and np.array_equal(mesh.faces, reference.faces)


@pytest.mark.parametrize("name", ["20mm-xyz-cube.stl", "busted.STL", "1002_tray_bottom.STL", "3DBenchy.3mf"])
def test_welding_merges_vertices_as_trimesh_does(name):
    """The slicer's own vertex welding (it keeps trimesh's 0.4 s import off the slicing path) gives trimesh's
    merged mesh less the facets that collapse, vertex for vertex and facet for facet."""
    path = corpus_file(f"meshes/{name}")
    if path.suffix == ".3mf":
        vertices, faces = read_3mf(path)
    else:
        raw = trimesh.load(str(path), force="mesh", process=False)
        vertices, faces = np.asarray(raw.vertices), np.asarray(raw.faces)
    mesh = welded(vertices, faces)
    reference = trimesh.Trimesh(vertices, faces, process=True, validate=False)
    corners = reference.faces
    reference.update_faces((corners[:, 0] != corners[:, 1]) & (corners[:, 1] != corners[:, 2])
                           & (corners[:, 0] != corners[:, 2]))
    reference.remove_unreferenced_vertices()
    assert np.array_equal(mesh.vertices, reference.vertices) and np.array_equal(mesh.faces, reference.faces)


@pytest.mark.parametrize("name", ["20mm-xyz-cube.stl", "3DBenchy.3mf"])
def test_the_slicing_path_does_not_import_trimesh_or_scipy(tmp_path, name):
    """`localfab slice` of an STL or 3MF must not pay for importing trimesh and scipy (0.4 s of a 2.5 s run)."""
    code = (
        "import sys\n"
        "from app.cli import main\n"
        f"assert main(['slice', {str(corpus_file(f'meshes/{name}'))!r}, '-o', {str(tmp_path / 'out.gcode')!r}]) == 0\n"
        "print(sorted(m for m in ('trimesh', 'scipy', 'networkx') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_polyline_order_takes_heads_before_tails_and_lower_indices_first():
    lines = [np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[5.0, 5.0], [6.0, 5.0]])]
    assert polyline_order(lines, np.array([0.0, 0.0])) == [(0, False), (1, False), (2, False)]
    assert polyline_order(lines, np.array([6.0, 5.0])) == [(2, True), (1, False), (0, False)]


def test_firmware_commands_read_from_the_start_and_end_gcode_are_those_of_the_whole_program(monkeypatch):
    """The estimate reads M201-M205, M220, G4 ... from the printer's start and end G-code only (the layers
    never hold one); placed among the moves, they must be what reading the whole program finds."""
    import slicing.fdm.pipeline as pipeline
    from slicing.gcode.commands import read_machine_commands

    bodies = []
    original = pipeline.write_gcode
    monkeypatch.setattr(pipeline, "write_gcode", lambda *a, **k: bodies.append(original(*a, **k)) or bodies[-1])
    settings = make_settings(
        emit_machine_limits=True,
        start_gcode="G28\nM204 P800 R1000 T1200\nG1 Z5 F600\nM220 S90\nG4 P100",
        end_gcode="G1 E-2 F2400\nM400\nG4 S1\nM221 S95\nG1 X10 Y10 F3000\nM205 X8 Y8",
    )
    slice_mesh(hollow_box(), settings)
    body = bodies[0]
    whole = read_machine_commands(body.text)
    assert body.machine_commands() == whole
    assert len(whole.changes) > 15 and len(whole.stops) == 3  # the machine limits, M204, M220, M221, M205


def test_work_run_beside_gives_its_result_or_raises_its_error():
    assert parallel.run_beside(lambda: np.arange(5) * 2)().tolist() == [0, 2, 4, 6, 8]

    def fails() -> None:
        raise ValueError("no thumbnail")

    with pytest.raises(ValueError, match="no thumbnail"):
        parallel.run_beside(fails)()
