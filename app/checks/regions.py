"""Connected sets: bodies of a mesh and patches of facets, turning per-facet measurements into findings a
person can act on. Plain numpy (no scipy import on the checks' common path)."""

from __future__ import annotations

from typing import Any

import numpy as np


def connected_labels(count: int, pairs: np.ndarray) -> np.ndarray:
    """(count,) labels of the connected components of `count` nodes joined by (k, 2) `pairs`, numbered from 0
    in the order of each component's smallest node.

    Vectorised union-find: every round hooks the larger root of each joined pair under the smaller one, then
    flattens the trees; the number of rounds grows with the logarithm of the components' sizes.
    """
    parent = np.arange(count)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    while len(pairs):
        first, second = parent[pairs[:, 0]], parent[pairs[:, 1]]
        apart = first != second
        if not apart.any():
            break
        low, high = np.minimum(first[apart], second[apart]), np.maximum(first[apart], second[apart])
        np.minimum.at(parent, high, low)
        while True:
            grand = parent[parent]
            if (grand == parent).all():
                break
            parent = grand
        pairs = pairs[apart]
    _, labels = np.unique(parent, return_inverse=True)
    return labels.reshape(-1)


def face_patches(mesh: Any, selected: np.ndarray) -> list[np.ndarray]:
    """The selected facets (boolean mask over facets) grouped into patches that share edges.

    `mesh` is anything with trimesh's `face_adjacency` and `faces`. Patches come sorted by their lowest facet
    index, each patch's indices ascending, so the same mesh gives the same patches every time.
    """
    chosen = np.flatnonzero(selected)
    if not len(chosen):
        return []
    pairs = np.asarray(mesh.face_adjacency)
    both = selected[pairs[:, 0]] & selected[pairs[:, 1]]
    local = np.full(len(mesh.faces), -1, dtype=np.int64)
    local[chosen] = np.arange(len(chosen))
    labels = connected_labels(len(chosen), local[pairs[both]])
    order = np.argsort(labels, kind="stable")
    splits = np.flatnonzero(np.diff(labels[order])) + 1
    return [chosen[group] for group in np.split(order, splits)]
