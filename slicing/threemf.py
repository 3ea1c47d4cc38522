"""Reading 3MF files through lib3mf, the 3MF Consortium's own reader.

Every build item is placed with its transform; components objects are expanded with their components'
transforms, recursively. lib3mf holds numbers as float32; each is turned back into the shortest decimal
that float32 rounds to it, read as float64, which is the number the file's text holds (3MF writers write a
few decimals), so a part reads to the same float64 coordinates as a text parser would give.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import lib3mf
import numpy as np

# Components may nest; a cycle would be a broken file, and no real part nests this deep.
_MAX_COMPONENT_DEPTH = 32
# Decimals tried when recovering the written number behind a float32 (float32 holds 6 to 9 digits).
_MAX_DECIMALS = 12


def read_3mf(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Vertices ((n, 3) float64 mm) and faces ((m, 3) int64) of every build item of a 3MF, concatenated in
    build order. Raises lib3mf.ELib3MFException for a file lib3mf cannot read."""
    wrapper = lib3mf.get_wrapper()
    model = wrapper.CreateModel()
    reader = model.QueryReader("3mf")
    reader.SetStrictModeActive(False)
    reader.ReadFromFile(str(path))
    # Every mesh object read once, however many items and components place it.
    meshes: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    placed: list[tuple[np.ndarray, np.ndarray]] = []
    items = model.GetBuildItems()
    while items.MoveNext():
        item = items.GetCurrent()
        placement = _matrix(item.GetObjectTransform()) if item.HasObjectTransform() else np.eye(4, 3)
        _place(wrapper, model, item.GetObjectResource(), placement, meshes, placed, 0)
    if not placed:
        return np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64)
    offsets = np.cumsum([0] + [len(points) for points, _ in placed[:-1]])
    return (
        np.concatenate([points for points, _ in placed]),
        np.concatenate([triangles + offset for (_, triangles), offset in zip(placed, offsets, strict=True)]),
    )


def _place(
    wrapper: lib3mf.Wrapper,
    model: lib3mf.Model,
    resource: lib3mf.Object,
    transform: np.ndarray,
    meshes: dict[int, tuple[np.ndarray, np.ndarray]],
    placed: list[tuple[np.ndarray, np.ndarray]],
    depth: int,
) -> None:
    """Append to `placed` the (vertices, faces) of an object under a (4, 3) transform, components expanded."""
    if depth > _MAX_COMPONENT_DEPTH:
        raise ValueError(f"components nest more than {_MAX_COMPONENT_DEPTH} deep")
    key = resource.GetUniqueResourceID()
    if resource.IsMeshObject():
        if key not in meshes:
            meshes[key] = _mesh_arrays(wrapper, model.GetMeshObjectByID(key))
        points, triangles = meshes[key]
        placed.append((points @ transform[:3] + transform[3], triangles))
    elif resource.IsComponentsObject():
        components = model.GetComponentsObjectByID(key)
        for index in range(components.GetComponentCount()):
            component = components.GetComponent(index)
            inner = _matrix(component.GetTransform()) if component.HasTransform() else np.eye(4, 3)
            _place(wrapper, model, component.GetObjectResource(), _compose(inner, transform), meshes, placed,
                   depth + 1)


def _mesh_arrays(wrapper: lib3mf.Wrapper, mesh: lib3mf.MeshObject) -> tuple[np.ndarray, np.ndarray]:
    # The binding's GetVertices/GetTriangleIndices build a Python list of one ctypes object per entry;
    # reading into one ctypes buffer through the same C calls is several times faster on a large mesh.
    needed = ctypes.c_uint64(0)
    points = (lib3mf.Position * mesh.GetVertexCount())()
    wrapper.checkError(mesh, wrapper.lib.lib3mf_meshobject_getvertices(
        mesh._handle, ctypes.c_uint64(len(points)), needed, points))
    triangles = (lib3mf.Triangle * mesh.GetTriangleCount())()
    wrapper.checkError(mesh, wrapper.lib.lib3mf_meshobject_gettriangleindices(
        mesh._handle, ctypes.c_uint64(len(triangles)), needed, triangles))
    return (
        _written(np.frombuffer(points, dtype=np.float32).reshape(-1, 3)),
        np.frombuffer(triangles, dtype=np.uint32).reshape(-1, 3).astype(np.int64),
    )


def _matrix(transform: lib3mf.Transform) -> np.ndarray:
    """A 3MF transform as a (4, 3) float64 array: rows 0-2 the linear part, row 3 the translation, acting
    on row vectors (p' = p @ M[:3] + M[3]) as the 3MF specification writes it."""
    return _written(np.array([list(row) for row in transform.Fields], dtype=np.float32))


def _written(values: np.ndarray) -> np.ndarray:
    """float32 values as float64 holding the shortest decimal that rounds to each (what the file wrote).

    rint(x * 10**d) / 10**d is the float64 nearest to a decimal with d places (the division is correctly
    rounded); the fewest places that give the float32 back are taken.
    """
    narrow = values.reshape(-1)
    wide = narrow.astype(np.float64)
    result = wide.copy()
    pending = np.isfinite(wide)
    for places in range(_MAX_DECIMALS + 1):
        if not pending.any():
            break
        scale = 10.0**places
        with np.errstate(over="ignore"):  # a number too large to scale is kept as it is
            candidate = np.rint(wide[pending] * scale) / scale
        found = candidate.astype(np.float32) == narrow[pending]
        index = np.flatnonzero(pending)[found]
        result[index] = candidate[found]
        pending[index] = False
    return result.reshape(values.shape)


def _compose(inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """The (4, 3) transform that applies `inner` first, then `outer`."""
    return np.vstack([inner[:3] @ outer[:3], inner[3] @ outer[:3] + outer[3]])
