"""Plain CadQuery scripts (CQGI) open as templates with inferred parameters and build sandboxed."""

import textwrap

import pytest

from parametric_designs.build import build_part
from parametric_designs.errors import BuildError, DesignError, ParameterError
from parametric_designs.templates import find_template
from tests.conftest import corpus_file


def test_cq_cli_parameter_description_sets_the_types():
    template = find_template(str(corpus_file("cadquery/cube_params.py")))
    assert template.kind == "cqgi"
    assert [(p.name, p.type, p.default) for p in template.schema.parameters] == [
        ("width", "number", 1.0), ("tag_name", "text", "cube"), ("centered", "boolean", True)]


def test_a_customized_script_builds_with_the_given_value_and_defaults_for_the_rest():
    template = find_template(str(corpus_file("cadquery/cube_params.py")))
    assert build_part(template, {"width": 7}).mesh.extents.tolist() == pytest.approx([7, 7, 7])
    assert build_part(template, {}).mesh.extents.tolist() == pytest.approx([1, 1, 1])
    with pytest.raises(ParameterError, match="'wide' is not a number"):
        build_part(template, {"width": "wide"})


def test_the_tutorial_script_builds_its_plate_with_holes():
    template = find_template(str(corpus_file("cadquery/cq_tutorial.py")))
    assert template.schema.names == ["height", "width", "thickness", "diameter", "padding"]
    mesh = build_part(template, {"diameter": 30}).mesh
    assert mesh.is_watertight and mesh.extents.tolist() == pytest.approx([60, 80, 10])
    plate = 60 * 80 * 10
    assert mesh.volume < plate - 3.14159 * 15**2 * 10 + 1  # the 30 mm hole is through the plate


def _script(tmp_path, text: str):
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(text))
    return find_template(str(path))


def test_described_parameters_have_help_and_integers_stay_whole(tmp_path):
    template = _script(tmp_path, '''
        """A peg. SPDX-License-Identifier: MIT"""
        import cadquery as cq
        count = 3
        length = -2.5
        describe_parameter(count, "how many pegs")
        result = cq.Workplane().box(1, 1, 1)
    ''')
    count, length = template.schema.parameters
    assert (count.type, count.default, count.help) == ("integer", 3, "how many pegs")
    assert (length.type, length.default) == ("number", -2.5)
    assert template.licence == "MIT"


def test_no_value_leaks_from_one_build_into_the_next(tmp_path):
    template = _script(tmp_path, """
        import cadquery as cq
        size = 2.0
        show_object(cq.Workplane().box(size, size, size))
    """)
    assert build_part(template, {"size": 9}).mesh.volume == pytest.approx(729)
    assert build_part(template, {}).mesh.volume == pytest.approx(8)


def test_a_script_that_shows_nothing_is_refused(tmp_path):
    with pytest.raises(DesignError, match="shows nothing"):
        _script(tmp_path, "width = 3\n")
    template = _script(tmp_path, """
        import cadquery as cq
        width = 3.0
        show_object(cq.Workplane())
    """)
    with pytest.raises(BuildError, match="produced no solid"):
        build_part(template, {})


def test_a_script_with_a_syntax_error_says_where(tmp_path):
    with pytest.raises(DesignError, match="script.py line 2"):
        _script(tmp_path, "width = 3\nshow_object(\n")
