"""Cooling: the part-cooling fan and the slowdown of layers that print too fast to cool.

As PrusaSlicer's cooling logic: a layer printed in less than slowdown_below_layer_time is slowed down so
it takes that long (never below min_print_speed); the fan runs at fan_speed, ramping up to max_fan_speed
as the layer time falls from fan_below_layer_time to slowdown_below_layer_time; the first
disable_fan_first_layers layers print without fan.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from slicing.fdm.plan import ExtrusionPath, LayerPlan
from slicing.fdm.settings import FdmSettings


def layer_time(plan: LayerPlan, travel_speed: float) -> float:
    """Seconds the layer takes at its planned speeds, travel included, ignoring acceleration."""
    if not plan.paths:
        return 0.0
    points = np.concatenate([path.points for path in plan.paths])
    counts = np.array([len(path.points) for path in plan.paths])
    speeds = np.repeat([path.speed for path in plan.paths], counts)
    lengths = np.hypot(*np.diff(points, axis=0).T)
    # A step from one path's last point to the next path's first is a travel.
    travel = np.zeros(len(lengths), dtype=bool)
    travel[np.cumsum(counts)[:-1] - 1] = True
    return float(np.sum(lengths[~travel] / speeds[:-1][~travel]) + np.sum(lengths[travel]) / travel_speed)


def cool_layer(plan: LayerPlan, index: int, settings: FdmSettings) -> tuple[LayerPlan, float]:
    """The plan of layer `index` slowed down when it is too quick to cool, with its fan speed set, and
    the seconds it takes then."""
    slowdown = float(settings.slowdown_below_layer_time)
    fan_below = float(settings.fan_below_layer_time)
    min_speed = float(settings.min_print_speed)
    time_s = layer_time(plan, settings.travel_speed)
    paths = plan.paths
    if 0.0 < time_s < slowdown:
        factor = time_s / slowdown
        paths = tuple(
            replace(path, speed=max(path.speed * factor, min(min_speed, path.speed))) for path in plan.paths
        )
        time_s = layer_time(replace(plan, paths=paths), settings.travel_speed)
    fan = settings.fan_speed
    max_fan = max(float(settings.max_fan_speed), fan)
    if time_s < fan_below and fan_below > slowdown:
        share = float(np.clip((fan_below - time_s) / (fan_below - slowdown), 0.0, 1.0))
        fan = fan + (max_fan - fan) * share
    if index < int(settings.disable_fan_first_layers):
        fan = 0.0
    return replace(plan, paths=paths, fan=round(fan, 1)), time_s


__all__ = ["ExtrusionPath", "cool_layer", "layer_time"]
