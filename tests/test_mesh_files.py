import io
import zipfile

import pytest
import trimesh

from slicing.errors import MeshError
from slicing.mesh import load_mesh, place_on_bed
from slicing.mesh_export import export_3mf, export_stl
from tests.conftest import corpus_file


@pytest.mark.parametrize(("name", "faces"), [("20mm-xyz-cube.stl", 260), ("busted.STL", 3878),
                                             ("fandisk.obj", 5750)])
def test_corpus_meshes_load_whole(name, faces):
    mesh = load_mesh(corpus_file(f"meshes/{name}"))
    assert len(mesh.faces) == faces


def test_a_3mf_places_every_build_item_with_its_transform():
    # 6 objects, some placed several times by build items: 12 bodies, 3276 facets in all
    mesh = load_mesh(corpus_file("meshes/pyramids.3mf"))
    assert mesh.body_count == 12 and len(mesh.faces) == 3276


def test_a_3mf_with_several_objects_becomes_one_mesh_of_all_bodies():
    mesh = load_mesh(corpus_file("meshes/cube_and_sphere_same_name.3mf"))
    assert mesh.body_count == 2 and mesh.is_watertight


def test_ascii_stl_reads_like_binary(tmp_path):
    box = trimesh.creation.box((10, 20, 30))
    path = tmp_path / "box.stl"
    path.write_text(trimesh.exchange.stl.export_stl_ascii(box))
    mesh = load_mesh(path)
    assert mesh.is_watertight and mesh.volume == pytest.approx(6000)


@pytest.mark.parametrize(("content", "words"), [
    (b"this is a shopping list, not a mesh", "holds no triangles"),
    (b"", "is empty"),
    (b"\0" * 80 + b"\x10\0\0\0", "holds no triangles"),
])
def test_files_that_are_not_meshes_are_refused_clearly(tmp_path, content, words):
    path = tmp_path / "part.stl"
    path.write_bytes(content)
    with pytest.raises(MeshError, match=words):
        load_mesh(path)


def test_missing_and_unknown_files_are_refused_clearly(tmp_path):
    with pytest.raises(MeshError, match="no such file"):
        load_mesh(tmp_path / "nothing.stl")
    (tmp_path / "part.step").write_text("ISO-10303-21;")
    with pytest.raises(MeshError, match="unknown mesh format .step"):
        load_mesh(tmp_path / "part.step")
    (tmp_path / "broken.3mf").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(MeshError, match="not a readable 3MF"):
        load_mesh(tmp_path / "broken.3mf")


def test_placement_centres_the_part_on_the_bed_standing_on_it():
    placed = place_on_bed(trimesh.creation.box((10, 20, 30)), 220, 200)
    assert placed.bounds.tolist() == [[105, 90, 0], [115, 110, 30]]


def test_3mf_export_is_byte_identical_round_trips_and_carries_metadata(tmp_path):
    sphere = trimesh.creation.icosphere(subdivisions=2, radius=5)
    metadata = {"Title": "ball & <chain>", "localfab:parameters": '{"r": 5}'}
    data = export_3mf(sphere, metadata)
    assert data == export_3mf(sphere, metadata)
    path = tmp_path / "ball.3mf"
    path.write_bytes(data)
    again = load_mesh(path)
    assert len(again.faces) == len(sphere.faces) and again.volume == pytest.approx(sphere.volume, rel=1e-5)
    model = zipfile.ZipFile(io.BytesIO(data)).read("3D/3dmodel.model").decode()
    assert '<metadata name="Title">ball &amp; &lt;chain&gt;</metadata>' in model
    assert export_stl(sphere) == export_stl(sphere)
