"""Volume and centre of mass of a closed mesh of uniform density, from signed tetrahedra to the origin."""

from __future__ import annotations

from typing import Any

import numpy as np


def volume_and_centre(mesh: Any) -> tuple[float, np.ndarray]:
    """The signed volume (mm³, negative for an inside-out mesh) and centre of mass (mm, (3,)) of anything
    with trimesh's `triangles`.

    The centre of an empty or flat mesh is the mean of its corners.
    """
    triangles = mesh.triangles
    sixfold = np.einsum("ij,ij->i", triangles[:, 0], np.cross(triangles[:, 1], triangles[:, 2]))
    total = float(sixfold.sum())
    if total == 0.0:
        return 0.0, triangles.reshape(-1, 3).mean(axis=0)
    centre = (sixfold[:, None] * triangles.sum(axis=1)).sum(axis=0) / (4.0 * total)
    return total / 6.0, centre
