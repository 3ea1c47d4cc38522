"""The layer stack: where each layer's top is, how tall it is, and where it is sectioned."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Layer tops are kept to the nanometre, so 0.2 + 2 × 0.2 is 0.6 and not 0.6000000000000001.
_Z_DECIMALS = 6
# A layer whose mid-height lies within this of the part's top would only graze the top face: skip it.
_TOP_TOLERANCE = 1e-9


@dataclass(frozen=True)
class LayerStack:
    """top_z, height: (n,) arrays in mm, bottom layer first."""

    top_z: np.ndarray
    height: np.ndarray

    @property
    def slice_z(self) -> np.ndarray:
        """Mid-height of each layer, where the part is sectioned: the layer prints what the part has there."""
        return self.top_z - self.height / 2.0

    def __len__(self) -> int:
        return len(self.top_z)


def stack_layers(part_height: float, first_layer_height: float, layer_height: float) -> LayerStack:
    """Layers from the bed up: the first is first_layer_height tall, the rest layer_height (all mm).

    A layer is printed when its mid-height lies inside the part, so the printed height is the part height
    rounded to the nearest layer.
    """
    if part_height <= first_layer_height / 2.0:
        return LayerStack(top_z=np.zeros(0), height=np.zeros(0))
    # Layers after the first have mid-heights first + (k - 1/2) * layer_height for k = 1, 2, ...
    above_first = math.ceil((part_height - first_layer_height) / layer_height + 0.5 - _TOP_TOLERANCE) - 1
    k = np.arange(max(above_first, 0) + 1)
    top_z = np.round(first_layer_height + k * layer_height, _Z_DECIMALS)
    height = np.full(len(k), layer_height)
    height[0] = first_layer_height
    return LayerStack(top_z=top_z, height=height)
