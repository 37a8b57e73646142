"""Addresses in each country's order, and records missing what the layout requires."""

from pathlib import Path

from envelopekit.batch import build
from envelopekit.content.address import address_lines
from envelopekit.layouts import load_layout
from envelopekit.records import FieldMap, Record


def person(**kw: str) -> dict[str, str]:
    return {"first_name": "Ada", "last_name": "Lovelace", "street": "1 Main St", **kw}


def test_us_addresses_put_the_zip_after_the_state():
    lines = address_lines(person(city="Portland", region="OR", postal_code="97205", country="US"))
    assert lines[-2:] == ["Portland OR 97205", "UNITED STATES"]


def test_uk_postcodes_follow_the_town_and_home_country_is_left_out():
    lines = address_lines(person(city="London", postal_code="SW1Y 4JH", country="GB"), home_country="GB")
    assert lines == ["Ada Lovelace", "1 Main St", "London", "SW1Y 4JH"]


def test_continental_postcodes_come_first():
    lines = address_lines(person(city="Düsseldorf", postal_code="40212", country="DE"), home_country="GB")
    assert lines[-2:] == ["40212 Düsseldorf", "GERMANY"]


def test_empty_lines_drop_out_and_a_two_line_street_stays_two_lines():
    lines = address_lines(
        person(
            street="Calle Mayor 3\nPiso 2", organisation="", city="Madrid", postal_code="28013", country="ES"
        )
    )
    assert lines == ["Ada Lovelace", "Calle Mayor 3", "Piso 2", "28013 Madrid", "SPAIN"]


def test_address_line_2_is_printed():
    lines = address_lines(person(street2="Flat 2", city="Paris", postal_code="75002", country="FR"))
    assert "Flat 2" in lines


def test_family_name_first_where_that_is_the_custom():
    lines = address_lines({"first_name": "美咲", "last_name": "山田", "city": "千代田区", "country": "JP"})
    assert lines[0] == "山田 美咲"


def test_a_record_with_an_empty_required_field_is_rejected_and_the_rest_built(
    tmp_path: Path, demo_key: bytes
) -> None:
    spec = load_layout("help-me")
    good = Record(2, "A", FieldMap(spec.sample))
    no_street = Record(3, "B", FieldMap({**spec.sample, "id": "B", "street": " "}))
    result = build(spec, [good, no_street], tmp_path, key=demo_key)
    assert (result.built, result.rejected) == (1, 1)
    assert result.errors[0]["field"] == "street" and "empty" in result.errors[0]["reason"]
