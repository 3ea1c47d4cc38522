"""OpenSCAD customizer files as templates: parameters read as OpenSCAD reads them, parameter-set files read
and written, and real renders through the `openscad` binary (confined, time-limited, cancellable).

The third-party designs are in the shared corpus (see its SOURCES.md); the small designs of our own are in
tests/data/scad. Tests that render are skipped with a reason when OpenSCAD is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from parametric_designs import openscad_render
from parametric_designs.errors import BuildError, ParameterError
from parametric_designs.openscad import (
    ParameterSet,
    parse_scad,
    read_parameter_sets,
    read_scad,
    render_scad,
    scad_literal,
    scad_template,
    write_parameter_sets,
)
from parametric_designs.schema import Choice
from tests.conftest import corpus_file

DATA = Path(__file__).resolve().parent / "data" / "scad"
HAVE_OPENSCAD = shutil.which("openscad") is not None
needs_openscad = pytest.mark.skipif(not HAVE_OPENSCAD, reason="OpenSCAD is not installed (apt-get install openscad)")


def _groups(design) -> list[str]:
    return list(dict.fromkeys(p.group for p in design.schema.parameters))


# --- reading the customizer comments of real designs -------------------------------------------------------


def test_sign_has_two_tabs_a_numeric_dropdown_sliders_and_a_text_dropdown():
    design = read_scad(corpus_file("scad/sign.scad"))
    schema = design.schema
    assert schema.names == ["resolution", "radius", "height", "Message", "To"]
    assert _groups(design) == ["properties of Sign", "Content To be written"]
    resolution = schema.get("resolution")
    assert resolution.type == "choice" and resolution.default == 10
    assert [c.value for c in resolution.choices] == [10, 20, 30, 50, 100]
    radius = schema.get("radius")
    assert (radius.type, radius.default, radius.min, radius.max, radius.step) == ("integer", 80, 60, 200, 1)
    assert schema.get("height").min == 1 and schema.get("height").max == 10
    message = schema.get("Message")
    assert message.type == "choice" and message.default == "Welcome to..."
    assert [c.label for c in message.choices][1:3] == ["Happy Birthday!", "Happy Anniversary"]
    to = schema.get("To")
    assert (to.type, to.default, to.max_length, to.help) == ("text", "Parametric Designs", None,
                                                            "Name of Person, company etc.")
    assert radius.help == "The horizontal radius of the outer ellipse of the sign."


def test_candle_stand_has_a_labelled_dropdown_a_slider_a_boolean_and_five_tabs():
    design = read_scad(corpus_file("scad/candleStand.scad"))
    schema = design.schema
    assert len(schema.parameters) == 12
    assert _groups(design) == ["Candle Stand", "Number of candle holders", "Candle Holder",
                               "Properties of support", "Properties of Ring"]
    length = schema.get("length")
    assert length.type == "choice" and length.default == 50
    assert length.choices == (Choice(70, "large"), Choice(50, "medium"), Choice(30, "small"))
    count = schema.get("count")
    assert (count.type, count.default, count.min, count.max) == ("integer", 7, 3, 14)
    assert schema.get("centerCandle").type == "boolean" and schema.get("centerCandle").default is True
    # A number without a range is a number without limits; no comment line above means no help.
    width_of_ring = schema.get("widthOfRing")
    assert (width_of_ring.type, width_of_ring.min, width_of_ring.max, width_of_ring.help) == ("number", None, None, "")
    assert schema.get("radius").help == "Radius of ring of stand"


def test_parametric_case_has_eight_tabs_step_sliders_and_its_vector_is_skipped_with_a_note():
    design = read_scad(corpus_file("scad/parametric_case.scad"))
    schema = design.schema
    assert len(schema.parameters) == 33  # 34 literal assignments before the first module, less the vector
    # The file has eight `/* [Tab] */` comments (SOURCES.md says nine).
    assert _groups(design) == ["Inner Case Dimensions", "Case Parameters", "Mounting Posts", "Side Wall Openings",
                               "Ventilation", "Interlocking Mechanism", "Display Options", "Advanced"]
    sliders = [p for p in schema.parameters if p.min is not None and p.max is not None]
    assert len(sliders) == 28
    pcb = schema.get("pcb_thickness")
    assert (pcb.type, pcb.default, pcb.min, pcb.step, pcb.max) == ("number", 1.65, 0, 0.1, 10)
    fn = schema.get("$fn")
    assert (fn.type, fn.default, fn.min, fn.step, fn.max, fn.group) == ("integer", 150, 3, 1, 400, "Advanced")
    assert "post_cutout" not in schema.names and design.vectors == {"post_cutout": (82.5, 43.0, 2.0)}
    assert design.notes and "post_cutout" in design.notes[0] and "vector" in design.notes[0]
    # Expressions (`case_length = inner_length + 2 * wall_thickness;`) are not parameters.
    assert "case_length" not in schema.names


def test_parametric_case_reads_with_windows_line_ends():
    assert b"\r\n" in corpus_file("scad/parametric_case.scad").read_bytes()
    assert read_scad(corpus_file("scad/parametric_case.scad")).schema.get("e").help == "small epsilon for overlap"


def test_shelf_bracket_has_a_labelled_dollar_fn_dropdown_with_a_degree_label_and_a_maximum_only_range():
    design = read_scad(corpus_file("scad/Shelf_side_bracket.scad"))
    schema = design.schema
    assert schema.names == ["$fn", "bracket_size", "bracket_width", "bracket_thickness", "screw_diameter",
                            "head_diameter"]
    assert _groups(design) == ["Parameters"]  # no tabs: OpenSCAD's default group
    fn = schema.get("$fn")
    assert fn.type == "choice" and fn.default == 120 and len(fn.choices) == 8
    assert fn.choices[0] == Choice(4, "45°")
    assert fn.choices[3] == Choice(10, "Asymmetrical 3-faced")
    assert fn.choices[-1] == Choice(360, "Round High Res")
    # `// [100]` is a maximum without a minimum, as OpenSCAD reads it (its spin box then starts at 0).
    thickness = schema.get("bracket_thickness")
    assert (thickness.type, thickness.min, thickness.max) == ("number", None, 100)
    size = schema.get("bracket_size")
    assert (size.type, size.min, size.max) == ("integer", 10, 100)
    assert schema.get("screw_diameter").default == 3.8


def test_screw_top_jar_has_a_dropdown_of_950_thread_names_and_yes_no_dropdowns():
    design = read_scad(corpus_file("scad/inline-screw-top-jar.scad"))
    schema = design.schema
    assert len(schema.parameters) == 16
    assert _groups(design) == ["Overall", "Top", "Bottom", "Misc"]
    thread = schema.get("thread")
    assert thread.type == "choice" and thread.default == "G1" and len(thread.choices) == 950
    assert thread.choices[0] == Choice("M0.25x0.075", "M0.25x0.075")
    assert Choice("8-UN-1 1/16", "8-UN-1 1/16") in thread.choices  # two words, joined as OpenSCAD joins them
    assert thread.choices[-1].value == "M600x6"
    for name in ("knurled", "show_top", "show_bottom"):
        assert [c.value for c in schema.get(name).choices] == ["yes", "no"]
    scale = schema.get("object_scale")
    assert (scale.type, scale.min, scale.step, scale.max) == ("number", 0.5, 0.01, 5)
    # The inlined library after the parameters (threadlib) adds none.
    assert schema.names[-1] == "safety"


def test_a_design_becomes_a_template_with_id_licence_and_description_from_its_comments():
    template = scad_template(DATA / "tagged_box.scad")
    assert (template.id, template.name, template.kind) == ("tagged_box", "Tagged box", "openscad")
    assert (template.licence, template.author, template.version) == ("CC0-1.0", "localfab contributors", "1.2")
    assert template.description.startswith("Tagged box: a small open box with a name plate on its front.")
    assert "SPDX" not in template.description
    assert template.source == (DATA / "tagged_box.scad").resolve()
    shelf = scad_template(corpus_file("scad/Shelf_side_bracket.scad"))
    assert (shelf.licence, shelf.author) == ("unknown", "Martin Korinek")
    assert shelf.description.startswith("Shelf side bracket with 2 screws")


def test_the_content_hash_covers_the_included_file(tmp_path):
    for name in ("tagged_box.scad", "tagged_box_parts.scad"):
        shutil.copy(DATA / name, tmp_path / name)
    before = scad_template(tmp_path / "tagged_box.scad").content_hash
    with open(tmp_path / "tagged_box_parts.scad", "a") as parts:
        parts.write("// edited\n")
    assert scad_template(tmp_path / "tagged_box.scad").content_hash != before


def test_our_multi_tab_design_reads_tabs_labels_hidden_global_and_skips_what_openscad_skips():
    design = read_scad(DATA / "tagged_box.scad")
    schema = design.schema
    assert schema.names == ["width", "depth", "wall", "corners", "label", "plate", "with_plate", "height",
                            "floor_lift", "first", "second"]
    assert _groups(design) == ["Size", "Label", "Global", "Advanced"]
    assert design.hidden == ("eps", "lid")
    assert design.includes == ("tagged_box_parts.scad",)
    assert "parts_version" not in schema.names  # assigned in the included file
    assert "late" not in schema.names  # after the first `{`
    assert "inner_width" not in schema.names  # an expression
    depth = schema.get("depth")
    assert (depth.type, depth.min, depth.step, depth.max) == ("number", 10, 0.5, 60)
    assert [c.value for c in schema.get("wall").choices] == [1.2, 1.6, 2, 3]
    assert schema.get("corners").choices == (Choice("square", "Square"), Choice("chamfer", "Chamfered 45°"))
    assert schema.get("plate").choices == (Choice(8, "Small"), Choice(10, "Medium"), Choice(14, "Large"))
    assert schema.get("label").max_length == 8
    assert schema.get("floor_lift").default == -0.5
    # Two statements on one line: OpenSCAD reads no widget comment for either.
    assert schema.get("second").max is None and schema.get("first").max is None
    assert "plate_offset" in design.vectors


CUSTOMIZER_RULES = {
    "a single number is a maximum": ("x = 34; // [50]", "x", {"type": "number", "min": None, "max": 50}),
    "a range is widened to hold the default": ("x = 120; // [10:100]", "x", {"min": 10, "max": 120}),
    "a slider ends on its last whole step": ("x = 0.3; // [0:0.3:1]", "x", {"max": 0.9, "step": 0.3}),
    "a slider without a step steps by the finest decimal": ("x = 1.25; // [0:10]", "x",
                                                            {"type": "number", "step": 0.01}),
    "a bare number comment is a spin box step": ("x = 5.5; // .5", "x", {"type": "number", "step": 0.5}),
    "a text length is widened to fit the default": ('s = "longer"; // 3', "s", {"max_length": 6}),
    "a default missing from the list is added first": ("x = 7; // [1, 2]", "x",
                                                       {"choices": (Choice(7, "7"), Choice(1, "1"),
                                                                    Choice(2, "2"))}),
    "text in quotes keeps its commas": ('s = "a, b"; // ["a, b", c]', "s",
                                        {"choices": (Choice("a, b", "a, b"), Choice("c", "c"))}),
    "pairs of numbers are labelled values": ("x = 10; // [10:20, 30:40]", "x",
                                             {"choices": (Choice(10, "20"), Choice(30, "40"))}),
    "text can label text": ('s = "S"; // [S:Small, M:Medium size]', "s",
                            {"choices": (Choice("S", "Small"), Choice("M", "Medium size"))}),
    "a number dropdown item is not text": ('s = "10"; // [10, 20]', "s",
                                           {"choices": (Choice("10", "10"), Choice(10, "10"), Choice(20, "20"))}),
    "an unreadable comment is no widget": ("x = 5; // [1:2:3, 4]", "x", {"type": "number", "min": None}),
    "the description is only the line directly above": ("// about x\n\nx = 1;\n// about y\ny = 2;", "y",
                                                        {"help": "about y"}),
}


@pytest.mark.parametrize("case", sorted(CUSTOMIZER_RULES))
def test_customizer_rule(case):
    text, name, expected = CUSTOMIZER_RULES[case]
    parameter = parse_scad(text).schema.get(name)
    for field_name, value in expected.items():
        assert getattr(parameter, field_name) == value, f"{field_name}: {getattr(parameter, field_name)!r}"


def test_hidden_hides_only_until_the_next_tab_and_a_brace_in_a_string_stops_parameters():
    design = parse_scad('/* [Hidden] */\na = 1;\n/* [Shown] */\nb = 2;\nc = "{";\nd = 4;\n')
    assert design.schema.names == ["b"]  # OpenSCAD stops at the first `{`, even one inside a string
    assert design.hidden == ("a",)
    assert design.schema.get("b").group == "Shown"


def test_a_later_assignment_replaces_the_value_and_the_widget():
    design = parse_scad("x = 1; // [0:10]\ny = 2;\nx = 3; // [0:5]\n")
    x = design.schema.get("x")
    assert (x.default, x.max) == (3, 5) and design.schema.names == ["x", "y"]


def test_a_description_must_start_in_the_first_column():
    assert parse_scad("  // indented\nx = 1;").schema.get("x").help == ""


# --- parameter-set files -----------------------------------------------------------------------------------


def test_sign_parameter_sets_are_read_typed():
    design = read_scad(corpus_file("scad/sign.scad"))
    sets = read_parameter_sets(corpus_file("scad/sign.json"), design)
    assert list(sets) == ["Welcome sign", "Congo Sign", "Happy birthday sign"]
    assert sets["Congo Sign"].values == {"Message": "Congratulations", "To": "openSCAD", "height": 2,
                                         "radius": 67, "resolution": 20}


def test_candle_stand_parameter_sets_turn_strings_into_booleans_choices_and_numbers():
    design = read_scad(corpus_file("scad/candleStand.scad"))
    sets = read_parameter_sets(corpus_file("scad/candleStand.json"), design)
    assert list(sets) == ["Medium Size", "small", "With Ball", "Large"]
    large = sets["Large"].values
    assert large["centerCandle"] is False and large["length"] == 70 and large["count"] == 7
    assert large["CenterCandleWidth"] == 10.0
    assert sets["small"].values["centerCandle"] is True
    assert design.schema.resolve(large)["length"] == 70  # every set value passes the schema


@pytest.mark.parametrize("name", ["sign", "candleStand"])
def test_parameter_sets_written_back_are_byte_identical(tmp_path, name):
    design = read_scad(corpus_file(f"scad/{name}.scad"))
    original = corpus_file(f"scad/{name}.json")
    sets = read_parameter_sets(original, design)
    write_parameter_sets(tmp_path / f"{name}.json", sets.values(), design)
    assert (tmp_path / f"{name}.json").read_bytes() == original.read_bytes()


def test_vector_values_in_a_set_survive_a_round_trip(tmp_path):
    design = read_scad(DATA / "tagged_box.scad")
    sets = read_parameter_sets(DATA / "tagged_box.json", design)
    assert sets["Plain wide"].untyped == {"plate_offset": "[2, 1]"}
    assert sets["Small"].values["corners"] == "chamfer" and sets["Small"].values["depth"] == 12.5
    write_parameter_sets(tmp_path / "again.json", sets.values(), design)
    assert read_parameter_sets(tmp_path / "again.json", design) == sets


def test_a_value_that_does_not_fit_names_the_set_the_parameter_and_the_value(tmp_path):
    design = read_scad(corpus_file("scad/candleStand.scad"))
    bad = tmp_path / "candleStand.json"
    bad.write_text('{"parameterSets": {"Tall": {"length": "71"}}, "fileFormatVersion": "1"}')
    with pytest.raises(ParameterError, match=r'set "Tall": length = "71" is not one of the choices \(70, 50, 30\)'):
        read_parameter_sets(bad, design)
    bad.write_text('{"parameterSets": {"Many": {"count": "15"}}, "fileFormatVersion": "1"}')
    with pytest.raises(ParameterError, match=r'set "Many": count = "15" does not fit: .*above the maximum 14'):
        read_parameter_sets(bad, design)
    bad.write_text('{"parameterSets": {"Odd": {"centerCandle": "maybe"}}, "fileFormatVersion": "1"}')
    with pytest.raises(ParameterError, match=r'set "Odd": centerCandle = "maybe" is not true or false'):
        read_parameter_sets(bad, design)
    bad.write_text('{"parameterSets": {"Old": {"colour": "red"}}, "fileFormatVersion": "1"}')
    with pytest.raises(ParameterError, match=r'set "Old": colour = "red" is not a parameter of candleStand.scad'):
        read_parameter_sets(bad, design)


def test_writing_checks_every_value_before_touching_the_file(tmp_path):
    design = read_scad(corpus_file("scad/sign.scad"))
    target = tmp_path / "sign.json"
    target.write_text("untouched")
    with pytest.raises(ParameterError, match=r'set "Huge": radius = 500 is above the maximum 200'):
        write_parameter_sets(target, [ParameterSet("Fine", {"radius": 70}), ParameterSet("Huge", {"radius": 500})],
                             design)
    assert target.read_text() == "untouched"


def test_values_are_written_as_openscad_literals():
    assert scad_literal(True) == "true" and scad_literal(7) == "7" and scad_literal(2.5) == "2.5"
    assert scad_literal('say "hi" \\ now\n') == '"say \\"hi\\" \\\\ now\\n"'
    with pytest.raises(ParameterError):
        scad_literal(float("nan"))


# --- rendering ----------------------------------------------------------------------------------------------


@needs_openscad
def test_sign_renders_to_an_ellipse_of_its_radius():
    started = time.monotonic()
    mesh = render_scad(corpus_file("scad/sign.scad"), timeout_s=30)
    seconds = time.monotonic() - started
    low, high = mesh.bounds
    assert high[0] == pytest.approx(80, abs=0.01) and low[0] == pytest.approx(-80, abs=0.01)
    assert 37 < high[1] < 40.5 and (low[2], high[2]) == pytest.approx((-2, 2))
    assert mesh.is_watertight
    assert mesh.metadata["openscad"]["version"] and seconds < 15


@needs_openscad
def test_sign_renders_a_named_parameter_set():
    mesh = render_scad(corpus_file("scad/sign.scad"), parameter_file=corpus_file("scad/sign.json"),
                       parameter_set="Congo Sign", timeout_s=30)
    assert mesh.bounds[1][0] == pytest.approx(67, abs=0.01)  # the set's radius, not the default 80


@needs_openscad
def test_shelf_bracket_renders_to_its_declared_size():
    mesh = render_scad(corpus_file("scad/Shelf_side_bracket.scad"), timeout_s=60)
    assert mesh.bounds.ravel().tolist() == pytest.approx([0, 0, 0, 40, 180, 40], abs=1e-3)
    assert mesh.is_watertight and 40_000 < mesh.volume < 40 * 180 * 40
    narrow = render_scad(corpus_file("scad/Shelf_side_bracket.scad"), {"$fn": 4, "bracket_width": 100},
                         timeout_s=60)
    assert narrow.bounds[1][1] == pytest.approx(100)


@needs_openscad
def test_a_render_that_takes_too_long_is_stopped_with_a_clear_message():
    started = time.monotonic()
    with pytest.raises(BuildError, match=r"parametric_case.scad with OpenSCAD took longer than 5 s and was stopped"):
        render_scad(corpus_file("scad/parametric_case.scad"), timeout_s=5)
    assert time.monotonic() - started < 8
    assert not _openscad_children()


@needs_openscad
def test_a_render_can_be_cancelled():
    started = time.monotonic()
    with pytest.raises(BuildError, match="was cancelled"):
        render_scad(corpus_file("scad/parametric_case.scad"), timeout_s=120,
                    cancel=lambda: time.monotonic() - started > 1.0)
    assert time.monotonic() - started < 2.5
    assert not _openscad_children()


def test_an_unknown_parameter_set_is_refused_before_openscad_runs(monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("OpenSCAD was started")

    monkeypatch.setattr(openscad_render.subprocess, "Popen", must_not_run)
    with pytest.raises(ParameterError, match=r'sign.json has no parameter set "Birthday" \(sets: "Welcome sign", '
                                             r'"Congo Sign", "Happy birthday sign"\)'):
        render_scad(corpus_file("scad/sign.scad"), parameter_set="Birthday")
    with pytest.raises(ParameterError, match=r"radius = 20 is below the minimum 60"):
        render_scad(corpus_file("scad/sign.scad"), {"radius": 20})


@needs_openscad
@pytest.mark.parametrize(("design", "where"), [("broken.scad", "broken.scad, line 5"),
                                               ("broken_include.scad", "broken_part.scad, line 3")])
def test_a_syntax_error_names_the_file_and_line(design, where):
    with pytest.raises(BuildError, match=rf"OpenSCAD cannot read {where}: syntax error"):
        render_scad(DATA / design, timeout_s=30)


@needs_openscad
def test_an_empty_result_is_an_error_not_an_empty_mesh():
    with pytest.raises(BuildError, match="nothing.scad rendered nothing"):
        render_scad(DATA / "nothing.scad", timeout_s=30)
    assert render_scad(DATA / "nothing.scad", {"show": True}, timeout_s=30).bounds[1][0] == pytest.approx(10)


@needs_openscad
def test_our_multi_tab_design_with_an_include_renders_defaults_sets_and_overrides():
    mesh = render_scad(DATA / "tagged_box.scad", timeout_s=30)
    low, high = mesh.bounds
    assert high.tolist() == pytest.approx([30, 20, 15]) and low[0] == pytest.approx(0)
    assert -1.7 < low[1] < -1.5  # the plate (1 mm) and its raised text (0.6 mm) in front
    assert mesh.is_watertight
    wide = render_scad(DATA / "tagged_box.scad", parameter_set="Plain wide", timeout_s=30)
    assert wide.bounds.ravel().tolist() == pytest.approx([0, 0, 0, 60, 20, 10])
    chamfered = render_scad(DATA / "tagged_box.scad", {"corners": "chamfer", "with_plate": False, "height": 12},
                            timeout_s=30)
    assert chamfered.bounds.ravel().tolist() == pytest.approx([0, 0, 0, 30, 20, 12])
    assert chamfered.volume < wide.volume


@needs_openscad
@pytest.mark.parametrize("text", ['a "b" \\ c\n', '"; cube(100); x="', "Zoë 45°"])
def test_text_reaches_openscad_exactly_as_given(text):
    mesh = render_scad(DATA / "text_length.scad", {"label": text}, timeout_s=30)
    assert mesh.bounds[1].tolist() == pytest.approx([len(text), 1, 1])


@needs_openscad
def test_the_design_cannot_read_files_outside_its_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.scad").write_text("module secret() cube(7);\n")
    folder = tmp_path / "design"
    folder.mkdir()
    (folder / "escape.scad").write_text("include <../outside/secret.scad>\nsecret();\n")
    # Without the sandbox OpenSCAD reads it ...
    plain = subprocess.run(["openscad", "-o", str(tmp_path / "plain.stl"), str(folder / "escape.scad")],
                           capture_output=True, text=True, timeout=60)
    assert plain.returncode == 0 and (tmp_path / "plain.stl").stat().st_size > 0
    # ... confined, it cannot, and says so.
    with pytest.raises(BuildError, match=r"rendered nothing.*Can't open include file '../outside/secret.scad'"):
        render_scad(folder / "escape.scad", timeout_s=30)


def test_a_missing_openscad_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("LOCALFAB_OPENSCAD", raising=False)
    with pytest.raises(BuildError, match=r"OpenSCAD is not installed.*apt-get install openscad"):
        render_scad(DATA / "text_length.scad")
    monkeypatch.setenv("LOCALFAB_OPENSCAD", str(tmp_path / "openscad"))
    with pytest.raises(BuildError, match=r"LOCALFAB_OPENSCAD names .* which is not a program.*apt-get install"):
        render_scad(DATA / "text_length.scad")


def _openscad_children() -> list[str]:
    """OpenSCAD processes still running as children of this test process."""
    result = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,comm="], capture_output=True, text=True)
    mine = str(os.getpid())
    return [line for line in result.stdout.splitlines() if "openscad" in line and line.split()[1] == mine]
