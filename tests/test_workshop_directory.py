"""Workshop records (OKW), the directory in the user data folder, the offline gazetteer and geodesic distance,
matching with reasons, and the quote: known answers worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path

import pytest

from app.jobs import RecipeFile, read_recipe
from app.workshops import directory
from app.workshops.errors import WorkshopError
from app.workshops.geo import Place, distance_km, resolve_place
from app.workshops.matching import match_workshops, open_days
from app.workshops.needs import JobNeeds, needs_of
from app.workshops.okw import parse_workshops, workshop_from_json, workshop_to_json
from app.workshops.quote import HomeCosts, compare, home_costing, workshop_costing
from tests.workshops.recipes import recipe_bytes

SUNDAY = dt.date(2026, 11, 22)
BRISTOL = Place("Bristol, GB", 51.45523, -2.59665, "test")


def _examples():
    riverside, harbour = directory.example_workshops()
    return riverside, harbour


def _needs(size=(80.0, 60.0, 40.0), material="generic-pla") -> JobNeeds:
    return JobNeeds(process="fdm", size_mm=size, material=material, material_price_per_kg=20.0, time_s=7200.0,
                    material_g=50.0)


def test_an_okw_record_survives_json_and_back_with_its_provenance():
    riverside, _ = _examples()
    record = workshop_to_json(riverside)
    assert record["localfab:provenance"]["source"].startswith("built-in example")
    assert record["equipment"][0]["manufacturing-process"] == "https://en.wikipedia.org/wiki/Fused_filament_fabrication"
    assert workshop_from_json(json.loads(json.dumps(record)), "again") == riverside


def test_the_built_in_records_are_all_marked_examples():
    for workshop in directory.example_workshops():
        assert workshop.example and "EXAMPLE" in workshop.name and "example" in workshop.provenance.source


@pytest.mark.parametrize(("change", "message"), [
    ({"location": {"gps-coordinates": {"latitude": 95, "longitude": 0}}}, "latitude 95 is outside"),
    ({"facility-status": "Open"}, "facility-status 'Open' is not one of"),
    ({"equipment": [{"manufacturing-process": "fdm", "build-volume": [200, 200]}]}, "build-volume must be"),
    ({"localfab:rates": {"currency": "euro"}}, "not an ISO 4217 code"),
])
def test_a_bad_record_is_refused_naming_the_field(change, message):
    record = {**workshop_to_json(_examples()[0]), **change}
    with pytest.raises(WorkshopError, match=message):
        workshop_from_json(record, "lab.json")


def test_a_file_that_is_not_json_says_so():
    with pytest.raises(WorkshopError, match="lab.json is not valid JSON"):
        parse_workshops(b"<html>", "lab.json")


def test_workshops_added_from_a_file_are_kept_in_the_user_data_folder_and_stamped(tmp_path: Path):
    record = workshop_to_json(_examples()[1])
    del record["localfab:provenance"]
    record["name"] = "Test Lab"
    source = tmp_path / "lab.json"
    source.write_text(json.dumps(record))
    directory.add_from_file(source, today=SUNDAY)
    directory.add_from_file(source, today=SUNDAY)  # the same name again replaces, never doubles
    kept = directory.list_workshops()
    assert [w.name for w in kept] == ["Test Lab"]
    assert kept[0].provenance.source == str(source) and kept[0].provenance.date == "2026-11-22"
    assert directory.directory_file().is_relative_to(Path(__import__("os").environ["LOCALFAB_DATA_DIR"]))
    directory.remove_workshop("Test Lab")
    assert directory.list_workshops() == []
    with pytest.raises(WorkshopError, match="no workshop called 'Test Lab'"):
        directory.remove_workshop("Test Lab")


def test_towns_resolve_offline_and_coordinates_are_taken_as_typed():
    assert resolve_place("Bristol").name == "Bristol, GB"
    assert resolve_place("Cambridge, US").name == "Cambridge, US"
    assert resolve_place("zurich").name == "Zürich, CH"
    place = resolve_place("51.45, -2.59")
    assert (place.latitude, place.longitude) == (51.45, -2.59)
    with pytest.raises(WorkshopError, match="no town called 'Nowhereville'"):
        resolve_place("Nowhereville")


def test_geodesic_distance_matches_vincentys_flinders_peak_to_buninyong():
    # Vincenty (1975)'s worked example: 54 972.271 m on the ellipsoid.
    flinders = (-(37 + 57 / 60 + 3.72030 / 3600), 144 + 25 / 60 + 29.52440 / 3600)
    buninyong = (-(37 + 39 / 60 + 10.15610 / 3600), 143 + 55 / 60 + 35.38390 / 3600)
    assert distance_km(*flinders, *buninyong) == pytest.approx(54.972271, abs=1e-5)


def test_opening_hours_are_read_day_by_day():
    assert open_days("Mo-Fr 10:00-18:00; Sa 12:00-16:00") == {0, 1, 2, 3, 4, 5}
    assert open_days("Fr-Mo 10:00-14:00") == {4, 5, 6, 0}
    assert open_days("by appointment") is None


def test_matches_are_ranked_by_distance_and_say_why():
    results = match_workshops(_needs(), _examples(), BRISTOL, SUNDAY)
    assert [m.workshop.name.split()[1] for m in results] == ["Riverside", "Harbour"]
    assert all(m.ok for m in results)
    riverside, harbour = results
    assert riverside.distance_km < 1 and 40 < harbour.distance_km < 45
    assert "open Tue 24 Nov (Tu-Sa 10:00-18:00)" in riverside.reasons
    assert "open Mon 23 Nov (Mo-Fr 09:00-17:00)" in harbour.reasons
    assert any("fits the 250 x 210 x 220 mm build volume of the Prusa Research MK4" in r for r in riverside.reasons)


def test_a_part_too_big_in_every_orientation_says_by_how_much():
    results = match_workshops(_needs(size=(262.0, 230.0, 20.0)), _examples(), BRISTOL, SUNDAY)
    assert not any(m.ok for m in results)
    for match in results:
        assert any(r.startswith("build volume too small by 12 mm") for r in match.reasons), match.reasons


def test_a_part_that_fits_as_sliced_is_not_turned():
    (harbour,) = match_workshops(_needs(size=(168.0, 60.0, 40.0)), _examples()[1:], BRISTOL, SUNDAY)
    assert "part 168 x 60 x 40 mm fits the 220 x 220 x 250 mm build volume of the Creality Ender-3 V2" in \
        harbour.reasons


def test_a_part_that_fits_only_turned_says_so():
    (riverside, *_) = match_workshops(_needs(size=(40.0, 60.0, 240.0)), _examples()[:1], BRISTOL, SUNDAY)
    assert riverside.ok
    assert any("turned to" in r for r in riverside.reasons)


def test_a_material_the_workshop_lacks_is_a_reason_not_to_match():
    results = {m.workshop.name.split()[1]: m for m in
               match_workshops(_needs(material="prusament-petg"), _examples(), BRISTOL, SUNDAY)}
    assert results["Riverside"].ok
    assert not results["Harbour"].ok
    assert "no prusament-petg on the Creality Ender-3 V2 (works: PLA)" in results["Harbour"].reasons


def test_a_workshop_closed_all_week_does_not_match():
    riverside = _examples()[0]
    record = {**workshop_to_json(riverside), "opening-hours": "Sa 10:00-12:00"}
    (match,) = match_workshops(_needs(), [workshop_from_json(record, "x")], BRISTOL, SUNDAY, days_ahead=5)
    assert not match.ok and "closed for the next 5 days (Sa 10:00-12:00)" in match.reasons


def test_the_workshop_quote_adds_up_line_by_line():
    # 2 h x 2.50 = 5.00; 50 g x 0.04 = 2.00; setup 3.00; 10 % of 7.00 = 0.70; total 10.70 GBP.
    costing = workshop_costing(_needs(), _examples()[0])
    assert [line.amount for line in costing.lines] == [Decimal("5.00"), Decimal("2.00"), Decimal("3.00"),
                                                       Decimal("0.70")]
    assert costing.total == Decimal("10.70") and costing.currency == "GBP"
    assert "7200 s (2.00 h) from the program's estimate x 2.50 GBP/h" in costing.lines[0].source
    assert "for PLA" in costing.lines[1].source


def test_the_home_cost_and_the_saving_against_retail():
    home = HomeCosts("EUR", Decimal("120"), Decimal("0.30"), Decimal("0.10"), "test settings")
    costing = home_costing(_needs(), home)
    # 50 g x 20/kg = 1.00; 120 W x 2 h = 0.24 kWh x 0.30 = 0.072 -> 0.07; wear 2 h x 0.10 = 0.20.
    assert [line.amount for line in costing.lines] == [Decimal("1.00"), Decimal("0.07"), Decimal("0.20")]
    assert "120 W x 2.00 h = 0.240 kWh x 0.30 EUR/kWh (test settings)" in costing.lines[1].source
    comparison = compare([costing, workshop_costing(_needs(), _examples()[0])], Decimal("10"), "EUR")
    assert comparison.savings[0] == "at home saves 8.73 EUR (87.3%) against buying"
    assert "not compared, it is in GBP" in comparison.savings[1]


def test_a_user_home_cost_file_overrides_the_defaults(monkeypatch, tmp_path):
    from app.workshops.quote import load_home_costs

    assert load_home_costs().tariff_per_kwh == Decimal("0.30")
    monkeypatch.setenv("LOCALFAB_CONFIG_DIR", str(tmp_path))
    (tmp_path / "home-costs.toml").write_text("tariff_per_kwh = 0.25\ncurrency = 'GBP'\n")
    costs = load_home_costs()
    assert (costs.tariff_per_kwh, costs.currency, costs.printer_power_w) == (Decimal("0.25"), "GBP", Decimal("120"))
    assert str(tmp_path) in costs.source


def test_a_recipe_tells_what_it_needs(tmp_path: Path):
    path = tmp_path / "box.localfab"
    path.write_bytes(recipe_bytes((80.0, 60.0, 40.0), time_s=3600.0, grams=12.5))
    needs = needs_of(read_recipe(path))
    assert needs.process == "fdm" and needs.material == "generic-pla"
    assert all(math.isclose(a, b, abs_tol=1e-3) for a, b in zip(needs.size_mm, (80, 60, 40), strict=True))
    assert (needs.time_s, needs.material_g) == (3600.0, 12.5)
    assert isinstance(read_recipe(path), RecipeFile)
