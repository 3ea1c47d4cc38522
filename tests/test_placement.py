"""Parts on the bed: unit mistakes are spotted, parts are scaled, turned, laid flat, copied and arranged without
overlap, and the `slice`/`check` commands do all of it from flags."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import trimesh

from app.cli import main
from slicing.gcode.parse import parse_gcode
from slicing.mesh import place_on_bed
from slicing.mesh_export import export_stl
from slicing.placement import (
    PlacementError,
    arrange,
    copies,
    face_down,
    largest_flat_face,
    parse_scale,
    rotated_z,
    scaled,
    unit_hint,
)

BED = (220.0, 220.0)


def box(x: float, y: float, z: float) -> trimesh.Trimesh:
    return trimesh.creation.box((x, y, z))


@pytest.mark.parametrize(("size", "scale", "units"), [
    (0.79, 25.4, "inches"),
    (0.3, 25.4, "inches"),
    (0.1, 1000.0, "metres"),
    (2000.0, 0.1, "tenths of a millimetre"),
    (60000.0, 0.001, "micrometres"),
])
def test_a_part_of_an_unlikely_size_gets_the_scale_that_most_likely_fixes_it(size, scale, units):
    hint = unit_hint(box(size, size / 2, size / 3))
    assert hint is not None and (hint.scale, hint.units) == (scale, units)
    assert f"use --scale {scale:g}" in hint.message()


def test_the_unit_warning_says_the_size_the_units_and_the_flag_in_one_line():
    assert unit_hint(box(0.79, 0.5, 0.2)).message() == \
        "the part is 0.79 mm across: was it drawn in inches? use --scale 25.4"
    assert unit_hint(box(1500, 10, 10)).message("arm.stl") == \
        "arm.stl is 1.5 m across: was it drawn in tenths of a millimetre? use --scale 0.1"


@pytest.mark.parametrize("size", [1.0, 20.0, 350.0, 1000.0])
def test_a_part_of_a_likely_size_gets_no_unit_warning(size):
    assert unit_hint(box(size, size, size)) is None


def test_scale_is_one_factor_or_one_per_axis_and_must_be_positive():
    assert parse_scale("25.4") == (25.4, 25.4, 25.4)
    assert parse_scale("1,1,2") == parse_scale("1x1x2") == (1.0, 1.0, 2.0)
    for bad, message in (("0", "positive"), ("-2", "positive"), ("big", "not a number"), ("1,2", "give one")):
        with pytest.raises(PlacementError, match=message):
            parse_scale(bad)
    part = box(10, 20, 30)
    np.testing.assert_allclose(scaled(part, 2.0).extents, [20, 40, 60])
    np.testing.assert_allclose(scaled(part, (1, 0.5, 2)).extents, [10, 10, 60])
    np.testing.assert_allclose(part.extents, [10, 20, 30])  # the input is left as it was


def test_rotation_turns_the_part_about_its_own_vertical_axis():
    part = box(10, 20, 30)
    part.apply_translation([100, 50, 15])
    turned = rotated_z(part, 90)
    np.testing.assert_allclose(turned.extents, [20, 10, 30], atol=1e-9)
    np.testing.assert_allclose(turned.bounds.mean(axis=0), part.bounds.mean(axis=0), atol=1e-9)
    np.testing.assert_allclose(rotated_z(part, 360).vertices, part.vertices)


def test_a_chosen_facet_or_the_largest_flat_side_is_laid_on_the_bed():
    plate = box(2, 30, 40)  # a plate standing on its narrow edge
    side = int(np.argmax(plate.face_normals @ [1.0, 0.0, 0.0]))
    np.testing.assert_allclose(face_down(plate, side).face_normals[side], [0, 0, -1], atol=1e-9)
    flat = face_down(plate, largest_flat_face(plate))
    np.testing.assert_allclose(sorted(flat.extents), [2, 30, 40], atol=1e-9)
    assert flat.extents[2] == pytest.approx(2.0)
    with pytest.raises(PlacementError, match="there is no facet 99"):
        face_down(plate, 99)


def test_a_single_part_is_placed_as_place_on_bed_places_it():
    part = box(10, 20, 30)
    np.testing.assert_allclose(arrange([part], *BED)[0].vertices, place_on_bed(part, *BED).vertices)


def test_copies_are_arranged_on_the_bed_apart_centred_and_the_same_every_time():
    parts = copies([box(20, 20, 20), box(50, 10, 5)], 4)
    placed = arrange(parts, *BED, spacing=5.0, margin=3.0)
    again = arrange(parts, *BED, spacing=5.0, margin=3.0)
    assert all(np.array_equal(a.vertices, b.vertices) for a, b in zip(placed, again, strict=True))
    boxes = [p.bounds for p in placed]
    for low, high in boxes:
        assert low[2] == pytest.approx(0.0)
        assert np.all(low[:2] >= 3.0 - 1e-9) and np.all(high[:2] <= np.array(BED) - 3.0 + 1e-9)
    for i, (low_a, high_a) in enumerate(boxes):
        for low_b, high_b in boxes[i + 1:]:
            gap = np.maximum(low_b[:2] - high_a[:2], low_a[:2] - high_b[:2])
            assert gap.max() >= 5.0 - 1e-9, "footprints keep the spacing"
    group = np.array([b[0] for b in boxes]).min(axis=0), np.array([b[1] for b in boxes]).max(axis=0)
    np.testing.assert_allclose((group[0][:2] + group[1][:2]) / 2, np.array(BED) / 2, atol=1e-9)


def test_parts_that_do_not_fit_are_refused_with_how_many_fit():
    with pytest.raises(PlacementError, match=r"only 64 of the 200 parts fit on the 220 x 220 mm bed"):
        arrange(copies([box(20, 20, 20)], 200), *BED, spacing=5.0, margin=3.45)
    with pytest.raises(PlacementError, match="1 to 1000 copies"):
        copies([box(1, 1, 1)], 0)


@pytest.fixture()
def cube_file(tmp_path: Path) -> Path:
    path = tmp_path / "cube.stl"
    path.write_bytes(export_stl(box(20, 20, 20)))
    return path


def test_slice_arranges_several_parts_and_copies_from_flags(cube_file, tmp_path, capsys):
    other = tmp_path / "bar.stl"
    other.write_bytes(export_stl(box(40, 10, 10)))
    out = tmp_path / "out.gcode"
    assert main(["slice", str(cube_file), str(other), "--copies", "2", "--rotate", "90", "--spacing", "8",
                 "--scale", "0.5", "-o", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["placement"]["parts"] == 4 and result["placement"]["unit_warnings"] == []
    assert result["layers"] == 50  # the 20 mm cube at half size, 0.2 mm layers
    moves = parse_gcode(out.read_text())
    printed = (moves.e > 0) & (moves.layer >= 0)
    assert np.all(moves.end[printed][:, :2] >= 0) and np.all(moves.end[printed][:, :2] <= 220)


def test_check_and_slice_warn_of_a_part_drawn_in_inches_on_stderr_and_in_json(cube_file, tmp_path, capsys):
    assert main(["check", str(cube_file), "--scale", "0.0254", "--json"]) in (0, 1)
    captured = capsys.readouterr()
    warning = "cube.stl is 0.508 mm across: was it drawn in inches? use --scale 25.4"
    assert json.loads(captured.out)["placement"]["unit_warnings"] == [warning]
    assert captured.err == f"localfab: warning: {warning}\n"
    assert main(["slice", str(cube_file), "--scale", "0.0254", "-o", str(tmp_path / "s.gcode")]) == 0
    assert capsys.readouterr().err == f"localfab: warning: {warning}\n"
    assert main(["check", str(cube_file)]) == 0
    assert capsys.readouterr().err == ""


def test_slice_says_how_many_copies_fit_when_they_do_not(cube_file, tmp_path, capsys):
    assert main(["slice", str(cube_file), "--copies", "200", "-o", str(tmp_path / "x.gcode")]) == 2
    assert "only 64 of the 200 parts fit" in capsys.readouterr().err
    assert not (tmp_path / "x.gcode").exists()


def test_slice_uses_the_chosen_print_profile_with_overrides_on_top(cube_file, tmp_path, capsys):
    out = tmp_path / "draft.gcode"
    assert main(["slice", str(cube_file), "--print", "0.30mm-draft", "-o", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["layers"] == 67  # 20 mm in 0.3 mm layers
    assert main(["slice", str(cube_file), "--print", "0.30mm-draft", "--set", "layer_height=0.2",
                 "--set", "first_layer_height=0.2", "-o", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["layers"] == 100
    assert main(["slice", str(cube_file), "--print", "0.30mm-drafty", "-o", str(out)]) == 2
    assert "did you mean 0.30mm-draft" in capsys.readouterr().err
