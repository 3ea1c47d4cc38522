"""Designer tools: prove a template over its parameter space, render its thumbnail, pack it for sharing.

The sweep builds a template at its defaults, at every numeric parameter's minimum and maximum (one at a
time, then all low and all high together), and at seeded random samples. Each build must give a
watertight solid or be refused by a declared constraint; anything else is a failure with the values
that caused it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from parametric_designs.build import build_part
from parametric_designs.errors import BuildError, ParameterError
from parametric_designs.schema import Parameter
from parametric_designs.templates import THUMBNAIL_NAME, Template
from slicing.thumbnail import render_thumbnail

DEFAULT_SAMPLES = 50
DEFAULT_SEED = 20261122


@dataclass(frozen=True)
class SweepCase:
    label: str
    values: dict[str, Any]


@dataclass(frozen=True)
class SweepOutcome:
    case: SweepCase
    status: str  # "built", "refused" (by a declared range or constraint) or "failed"
    message: str = ""


def sweep_cases(template: Template, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED
                ) -> Iterator[SweepCase]:
    """Defaults, the corners of every numeric range, then `samples` seeded random points."""
    parameters = template.schema.parameters
    numeric = [p for p in parameters if p.type in ("number", "integer") and p.min is not None and p.max is not None]
    yield SweepCase("defaults", {})
    for parameter in numeric:
        yield SweepCase(f"{parameter.name} at minimum", {parameter.name: parameter.min})
        yield SweepCase(f"{parameter.name} at maximum", {parameter.name: parameter.max})
    if numeric:
        yield SweepCase("all at minimum", {p.name: p.min for p in numeric})
        yield SweepCase("all at maximum", {p.name: p.max for p in numeric})
    rng = random.Random(seed)
    for index in range(samples):
        yield SweepCase(f"sample {index + 1}", {p.name: _sample(p, rng) for p in parameters})


def sweep(template: Template, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED,
          progress: Callable[[SweepOutcome], None] | None = None, **build_options: Any) -> list[SweepOutcome]:
    """Build every sweep case; return one outcome per case."""
    outcomes = []
    for case in sweep_cases(template, samples, seed):
        try:
            part = build_part(template, case.values, **build_options)
            outcome = SweepOutcome(case, "built", f"{len(part.mesh.faces)} facets")
        except ParameterError as exc:
            outcome = SweepOutcome(case, "refused", str(exc))
        except BuildError as exc:
            outcome = SweepOutcome(case, "failed", str(exc))
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return outcomes


def write_thumbnail(template: Template, size: int = 256) -> bytes:
    """Render the template at its defaults and save `thumbnail.png` in its folder; return the PNG bytes."""
    png = render_thumbnail(build_part(template, {}).mesh, size=size)
    (template.folder / THUMBNAIL_NAME).write_bytes(png)
    return png


def _sample(parameter: Parameter, rng: random.Random) -> Any:
    match parameter.type:
        case "number" if parameter.min is not None and parameter.max is not None:
            value = rng.uniform(parameter.min, parameter.max)
            if parameter.step:
                steps = round((value - parameter.min) / parameter.step)
                value = min(parameter.max, parameter.min + steps * parameter.step)
            return round(value, 6)
        case "integer" if parameter.min is not None and parameter.max is not None:
            return rng.randint(int(parameter.min), int(parameter.max))
        case "boolean":
            return rng.random() < 0.5
        case "choice":
            return rng.choice(parameter.choices).value
    return parameter.default
