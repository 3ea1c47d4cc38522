"""Meshes in: loading STL (numpy-stl), 3MF (lib3mf) and OBJ (trimesh), cleaning, and placement on the bed.

Everything is in millimetres. A loaded mesh is cleaned of what is safe to drop (duplicate vertices,
collapsed facets) and nothing else; whether it is printable is for the checks to say.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh
from stl import mesh as numpy_stl

from slicing.errors import MeshError

MESH_SUFFIXES = (".stl", ".3mf", ".obj")
MAX_MESH_FILE_BYTES = 1 << 30  # 1 GiB: far beyond any printable part, small enough to refuse a runaway file


def load_mesh(path: Path) -> trimesh.Trimesh:
    """Read a mesh file into one cleaned Trimesh; several objects in a 3MF become one mesh."""
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


def _load_stl(path: Path) -> trimesh.Trimesh:
    stl = numpy_stl.Mesh.from_file(str(path), calculate_normals=False)
    triangles = np.asarray(stl.vectors, dtype=np.float64)
    if triangles.size and not np.isfinite(triangles).all():
        raise MeshError(f"{path.name} has coordinates that are not numbers (NaN or infinite)")
    return mesh_from_triangles(triangles)


def _load_3mf(path: Path) -> trimesh.Trimesh:
    from slicing.threemf import read_3mf  # only 3MF needs the reader's shared library

    vertices, faces = read_3mf(path)
    if vertices.size and not np.isfinite(vertices).all():
        raise MeshError(f"{path.name} has coordinates that are not numbers (NaN or infinite)")
    return clean_mesh(vertices, faces)


def _load_with_trimesh(path: Path) -> trimesh.Trimesh:
    loaded = trimesh.load(str(path), force="mesh", process=False)
    if not isinstance(loaded, trimesh.Trimesh):
        raise MeshError(f"{path.name} holds no triangle mesh")
    return clean_mesh(np.asarray(loaded.vertices, dtype=np.float64), np.asarray(loaded.faces))


def mesh_from_triangles(triangles: np.ndarray) -> trimesh.Trimesh:
    """A cleaned mesh from an (n, 3, 3) array of triangle corners."""
    vertices = triangles.reshape(-1, 3)
    faces = np.arange(len(vertices), dtype=np.int64).reshape(-1, 3)
    return clean_mesh(vertices, faces)


def clean_mesh(vertices: np.ndarray, faces: np.ndarray) -> trimesh.Trimesh:
    """Merge coincident vertices and drop facets that collapse onto a repeated vertex.

    Zero-area facets with three distinct, collinear corners are kept: dropping them would open a crack at
    the T-junction they close (3DBenchy has such facets). Orientation and holes are left as they are.
    """
    mesh = trimesh.Trimesh(vertices=vertices, faces=faces, process=True, validate=False)
    corners = mesh.faces
    keep = (corners[:, 0] != corners[:, 1]) & (corners[:, 1] != corners[:, 2]) & (corners[:, 0] != corners[:, 2])
    if not keep.all():
        mesh.update_faces(keep)
        mesh.remove_unreferenced_vertices()
    return mesh


def place_on_bed(mesh: trimesh.Trimesh, bed_size_x: float, bed_size_y: float) -> trimesh.Trimesh:
    """A copy of `mesh` standing on the bed (lowest point at z = 0), centred on the bed in X and Y."""
    low, high = mesh.bounds
    centre = (low + high) / 2.0
    offset = np.array([bed_size_x / 2.0 - centre[0], bed_size_y / 2.0 - centre[1], -low[2]])
    placed = mesh.copy()
    placed.apply_translation(offset)
    return placed
