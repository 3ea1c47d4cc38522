"""Every built-in template, every time: at its defaults, at the corners of its ranges and at seeded random
samples, each build is a watertight solid or is refused by a declared constraint."""

from __future__ import annotations

import re

import pytest

from parametric_designs.publish import sweep
from parametric_designs.templates import PROCESSES, discover

TEMPLATES = discover()
SPDX_ID = re.compile(r"^[A-Za-z0-9.+-]+$")


def test_the_library_has_at_least_twelve_templates():
    assert len(TEMPLATES) >= 12, sorted(TEMPLATES)


@pytest.mark.parametrize("template_id", sorted(TEMPLATES))
def test_manifest_is_complete(template_id):
    template = TEMPLATES[template_id]
    assert SPDX_ID.match(template.licence), template.licence
    assert len(template.description) > 40 and template.tags and set(template.processes) <= set(PROCESSES)
    assert template.thumbnail is not None, "render it with `localfab template thumbnail`"
    for parameter in template.schema.parameters:
        assert parameter.help, f"{parameter.name} has no help text"
        if parameter.type in ("number", "integer"):
            assert parameter.min is not None and parameter.max is not None, f"{parameter.name} has no range"


@pytest.mark.parametrize("template_id", sorted(TEMPLATES))
def test_every_build_of_the_sweep_is_a_solid_or_refused_by_a_constraint(template_id):
    outcomes = sweep(TEMPLATES[template_id])
    failures = [f"{o.case.label} {o.case.values}: {o.message}" for o in outcomes if o.status == "failed"]
    assert not failures, "\n".join(failures)
    assert outcomes[0].status == "built", "the defaults must build"
    built = sum(o.status == "built" for o in outcomes)
    assert built >= len(outcomes) // 2, f"only {built} of {len(outcomes)} cases build: are the ranges sensible?"
