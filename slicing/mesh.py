"""Meshes in: loading STL (numpy-stl), 3MF (lib3mf) and OBJ (trimesh), cleaning, and placement on the bed.

Everything is in millimetres. A loaded mesh is cleaned of what is safe to drop (duplicate vertices,
collapsed facets) and nothing else; whether it is printable is for the checks to say. `read_mesh` gives the
light TriangleMesh the slicer works on; `load_mesh` the same mesh as a trimesh.Trimesh, for analyses.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from stl import mesh as numpy_stl

from slicing.errors import MeshError
from slicing.triangles import TriangleMesh, welded

if TYPE_CHECKING:
    import trimesh

AnyMesh = TypeVar("AnyMesh", "TriangleMesh", "trimesh.Trimesh")

MESH_SUFFIXES = (".stl", ".3mf", ".obj")
MAX_MESH_FILE_BYTES = 1 << 30  # 1 GiB: far beyond any printable part, small enough to refuse a runaway file


def load_mesh(path: Path) -> trimesh.Trimesh:
    """Read a mesh file into one cleaned Trimesh; several objects in a 3MF become one mesh."""
    return read_mesh(path).to_trimesh()


def read_mesh(path: Path) -> TriangleMesh:
    """Read a mesh file into one cleaned TriangleMesh; several objects in a 3MF become one mesh."""
    path = Path(path)
    if not path.is_file():
        raise MeshError(f"{path}: no such file; check the path")
    suffix = path.suffix.lower()
    if suffix not in MESH_SUFFIXES:
        raise MeshError(f"{path.name}: unknown mesh format {suffix or '(no extension)'}; "
                        f"use {', '.join(MESH_SUFFIXES)}")
    size = path.stat().st_size
    if size == 0:
        raise MeshError(f"{path.name} is empty")
    if size > MAX_MESH_FILE_BYTES:
        raise MeshError(f"{path.name} is {size / 2**20:.0f} MiB; meshes over 1 GiB are refused")
    try:
        if suffix == ".stl":
            mesh = _load_stl(path)
        elif suffix == ".3mf":
            mesh = _load_3mf(path)
        else:
            mesh = _load_with_trimesh(path)
    except MeshError:
        raise
    except Exception as exc:  # a damaged file can make the readers fail in many ways; all mean the same
        raise MeshError(f"{path.name} is not a readable {suffix[1:].upper()} file ({exc})") from exc
    if len(mesh.faces) == 0:
        raise MeshError(f"{path.name} holds no triangles: it is not a {suffix[1:].upper()} mesh, or an empty one")
    return mesh


def _load_stl(path: Path) -> TriangleMesh:
    stl = numpy_stl.Mesh.from_file(str(path), calculate_normals=False)
    triangles = np.asarray(stl.vectors, dtype=np.float64)
    if triangles.size and not np.isfinite(triangles).all():
        raise MeshError(f"{path.name} has coordinates that are not numbers (NaN or infinite)")
    corners = triangles.reshape(-1, 3)
    return welded(corners, np.arange(len(corners), dtype=np.int64).reshape(-1, 3))


def _load_3mf(path: Path) -> TriangleMesh:
    from slicing.threemf import read_3mf  # only 3MF needs the reader's shared library

    vertices, faces = read_3mf(path)
    if vertices.size and not np.isfinite(vertices).all():
        raise MeshError(f"{path.name} has coordinates that are not numbers (NaN or infinite)")
    return welded(vertices, faces)


def _load_with_trimesh(path: Path) -> TriangleMesh:
    import trimesh  # only OBJ needs trimesh's reader; STL and 3MF slice without importing it

    loaded = trimesh.load(str(path), force="mesh", process=False)
    if not isinstance(loaded, trimesh.Trimesh):
        raise MeshError(f"{path.name} holds no triangle mesh")
    return welded(np.asarray(loaded.vertices, dtype=np.float64), np.asarray(loaded.faces))


def place_on_bed(mesh: AnyMesh, bed_size_x: float, bed_size_y: float) -> AnyMesh:
    """A copy of `mesh` standing on the bed (lowest point at z = 0), centred on the bed in X and Y."""
    low, high = mesh.bounds
    centre = (low + high) / 2.0
    offset = np.array([bed_size_x / 2.0 - centre[0], bed_size_y / 2.0 - centre[1], -low[2]])
    placed = mesh.copy()
    placed.apply_translation(offset)
    return placed
