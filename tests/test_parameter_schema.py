import pytest

from parametric_designs.errors import ParameterError
from parametric_designs.schema import schema_from_manifest

PARAMETERS = {
    "width": {"type": "number", "default": 50.0, "min": 10.0, "max": 100.0, "unit": "mm"},
    "wall": {"type": "number", "default": 2.0, "min": 0.8, "max": 5.0, "unit": "mm"},
    "clearance": {"type": "number", "default": 0.2, "min": 0.0, "max": 1.0, "unit": "mm"},
    "count": {"type": "integer", "default": 3, "min": 1, "max": 10},
    "lid": {"type": "boolean", "default": True},
    "style": {"type": "choice", "default": "round", "choices": [{"value": "round", "label": "Round"}, "square"]},
    "label": {"type": "text", "default": "", "max_length": 8},
}
CONSTRAINTS = [{"rule": "clearance < wall", "message": "The clearance must be smaller than the wall"},
               {"rule": "count * 10 <= width", "message": "Too many compartments for the width"}]


@pytest.fixture()
def schema():
    return schema_from_manifest(PARAMETERS, CONSTRAINTS)


def test_defaults_resolve_to_typed_values_in_declaration_order(schema):
    values = schema.resolve({})
    assert list(values) == list(PARAMETERS)
    assert values == {"width": 50.0, "wall": 2.0, "clearance": 0.2, "count": 3, "lid": True, "style": "round",
                      "label": ""}


def test_command_line_text_is_coerced_to_each_type(schema):
    values = schema.resolve({"width": "60", "count": "4", "lid": "no", "style": "square", "label": "tools"})
    assert values["width"] == 60.0 and values["count"] == 4 and values["lid"] is False
    assert values["style"] == "square" and values["label"] == "tools"


@pytest.mark.parametrize(("given", "words"), [
    ({"width": "-5"}, ["width", "-5", "minimum 10", "10 to 100 mm"]),
    ({"width": 500}, ["width", "500", "maximum 100"]),
    ({"width": "wide"}, ["width", "'wide'", "a number"]),
    ({"width": "nan"}, ["width", "a number"]),
    ({"count": "2.5"}, ["count", "whole number"]),
    ({"lid": "maybe"}, ["lid", "true or false"]),
    ({"style": "hex"}, ["style", "'hex'", "round, square"]),
    ({"label": "much too long"}, ["label", "at most 8"]),
    ({"height": 3}, ["no parameter called 'height'", "width"]),
])
def test_bad_values_are_refused_naming_parameter_value_and_what_is_allowed(schema, given, words):
    with pytest.raises(ParameterError) as caught:
        schema.resolve(given)
    for word in words:
        assert word in str(caught.value)


def test_broken_constraint_names_its_message_and_the_values_involved(schema):
    with pytest.raises(ParameterError, match=r"clearance must be smaller.*here wall = 0.8, clearance = 0.9"):
        schema.resolve({"clearance": 0.9, "wall": 0.8})
    with pytest.raises(ParameterError, match="Too many compartments"):
        schema.resolve({"count": 6})


@pytest.mark.parametrize("rule", ["__import__('os').system('true')", "width.real > 0", "[1][0]",
                                  "open('/etc/passwd')", "lambda: 1", "height > 1"])
def test_constraints_are_data_not_code(rule):
    with pytest.raises(ParameterError):
        schema_from_manifest(PARAMETERS, [{"rule": rule, "message": "m"}])


def test_invalid_default_is_refused_when_the_manifest_is_read():
    with pytest.raises(ParameterError, match="maximum"):
        schema_from_manifest({"a": {"type": "number", "default": 5, "max": 1}}, [])
    with pytest.raises(ParameterError, match="type must be one of"):
        schema_from_manifest({"a": {"type": "float", "default": 5}}, [])
