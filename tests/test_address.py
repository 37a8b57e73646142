"""Addresses in each country's format, normalised and checked; records missing what the layout requires."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest

from envelopekit.batch import build
from envelopekit.batch.chunk import Chunk, Job, build_chunk
from envelopekit.content.address import address_lines, check_address
from envelopekit.content.countries import country_code
from envelopekit.layouts import load_layout, parse_layout
from envelopekit.records import FieldMap, Record

ROOT = Path(__file__).resolve().parent.parent


def person(**kw: str) -> dict[str, str]:
    return {"first_name": "Ada", "last_name": "Lovelace", "street": "1 Main St", **kw}


# --- layout by country ------------------------------------------------------------------------


def test_us_addresses_put_the_zip_after_the_state():
    lines = address_lines(person(city="Portland", region="OR", postal_code="97205", country="US"))
    assert lines[-2:] == ["Portland, OR 97205", "UNITED STATES"]


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


def test_japanese_addresses_keep_city_and_prefecture_in_native_order():
    lines = address_lines(
        {
            "first_name": "美咲",
            "last_name": "山田",
            "street": "丸の内1-1",
            "city": "千代田区",
            "region": "東京都",
            "postal_code": "100-0005",
            "country": "JP",
        },
        home_country="JP",
    )
    # Postcode, prefecture and city, street, then the name, family name first.
    assert lines == ["〒100-0005", "東京都千代田区", "丸の内1-1", "山田 美咲"]


def test_japanese_addresses_in_latin_letters_keep_the_city_too():
    lines = address_lines(
        person(
            street="1-1 Marunouchi", city="Chiyoda-ku", region="Tokyo", postal_code="100-0005", country="JP"
        )
    )
    assert lines == ["Ada Lovelace", "1-1 Marunouchi", "Chiyoda-ku, Tokyo 100-0005", "JAPAN"]


def test_a_format_without_a_city_slot_still_prints_the_city():
    lines = address_lines(person(city="Jebel Ali", region="Dubai", country="AE"))
    assert lines[-3:] == ["Jebel Ali", "Dubai", "UNITED ARAB EMIRATES"]
    singapore = address_lines(person(city="Singapore", postal_code="018956", country="SG"))
    assert singapore[-2:] == ["SINGAPORE 018956", "REP. OF SINGAPORE"]  # the city not twice over


def test_swiss_and_dutch_formats_come_from_the_data():
    assert address_lines(person(city="Zürich", postal_code="8001", country="CH"))[-2] == "CH-8001 Zürich"
    assert (
        address_lines(person(city="Amsterdam", postal_code="1012 jd", country="NL"))[-2]
        == "1012 JD Amsterdam"
    )


def test_family_name_first_where_that_is_the_custom():
    lines = address_lines({"first_name": "美咲", "last_name": "山田", "city": "千代田区", "country": "JP"})
    assert "山田 美咲" in lines
    assert address_lines(person(city="Budapest", postal_code="1051", country="HU"))[0] == "Lovelace Ada"


# --- country names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["DE", "de", "deu", "DEU", "Germany", "germany ", "Deutschland", "DEUTSCHLAND"],
)
def test_country_names_and_codes_in_any_common_form(text: str) -> None:
    assert country_code(text) == "DE"


@pytest.mark.parametrize(
    "text,code",
    [
        ("Great Britain", "GB"),
        ("UK", "GB"),
        ("U.K.", "GB"),
        ("United Kingdom", "GB"),
        ("GBR", "GB"),
        ("USA", "US"),
        ("United States of America", "US"),
        ("Holland", "NL"),
        ("Nederland", "NL"),
        ("España", "ES"),
        ("Espana", "ES"),
        ("Österreich", "AT"),
        ("Schweiz", "CH"),
        ("Suisse", "CH"),
        ("日本", "JP"),
        ("Korea, Republic of", "KR"),
        ("South Korea", "KR"),
    ],
)
def test_country_aliases(text: str, code: str) -> None:
    assert country_code(text) == code


def test_names_in_the_home_countrys_language() -> None:
    assert country_code("Frankreich", home_country="DE") == "FR"
    assert country_code("XX") is None and country_code("Narnia") is None and country_code("") == ""


def test_a_country_named_in_full_at_home_prints_no_country_line() -> None:
    for name in ("Germany", "Deutschland", "deu", "DE"):
        lines = address_lines(person(city="Düsseldorf", postal_code="40212", country=name), home_country="DE")
        assert lines == ["Ada Lovelace", "1 Main St", "40212 Düsseldorf"], name
    assert address_lines(person(city="London", postal_code="SW1Y 4JH", country="UK"), home_country="GB")[
        -1
    ] == ("SW1Y 4JH")


# --- checking -----------------------------------------------------------------------------------


def test_the_country_becomes_its_code_and_the_postcode_is_tidied() -> None:
    checked = check_address(person(city="London", postal_code=" sw1y  4jh", country="Great Britain"))
    assert (checked.fields["country"], checked.fields["postal_code"], checked.problems) == (
        "GB",
        "SW1Y 4JH",
        (),
    )
    us = check_address(person(city="Portland", region="oregon", postal_code="97205", country="usa"))
    assert (us.fields["country"], us.fields["region"], us.problems) == ("US", "OR", ())


def test_an_unknown_country_is_a_problem() -> None:
    (problem,) = check_address(person(city="x", postal_code="1", country="XX")).problems
    assert problem.field == "country" and "'XX'" in problem.message


def test_missing_and_wrong_postcodes_are_problems() -> None:
    (missing,) = check_address(person(city="Berlin", country="DE")).problems
    assert missing.field == "postal_code" and "Germany" in missing.message and "empty" in missing.message
    (wrong,) = check_address(person(city="Berlin", postal_code="1011", country="DE")).problems
    assert wrong.field == "postal_code" and "'1011'" in wrong.message
    (state,) = check_address(person(city="Portland", region="CA", postal_code="97205", country="US")).problems
    assert state.field == "postal_code" and "region 'CA'" in state.message


def test_a_postcode_that_lost_its_leading_zero_says_so() -> None:
    (problem,) = check_address(person(city="Oslo", postal_code="154", country="NO")).problems
    assert "0154?" in str(problem) and "leading zero" in str(problem)


def test_every_faulty_field_is_reported_at_once() -> None:
    problems = check_address(
        {"first_name": "Ada", "region": "Narnia", "postal_code": "ABC", "country": "US"}
    ).problems
    assert [p.field for p in problems] == ["street", "postal_code", "city", "region"]


def test_a_city_that_is_its_own_region_needs_no_region() -> None:
    # Moscow, Madrid and Tokyo-to are regions of their own.
    assert check_address(person(city="Москва", postal_code="125009", country="RU")).problems == ()
    assert check_address(person(city="Madrid", postal_code="28013", country="ES")).problems == ()


def test_a_regions_iso_code_is_not_taken_for_a_mistake_where_the_data_names_regions_only() -> None:
    """The address data names India's states but has no codes: "KA" (ISO 3166-2:IN-KA)
    cannot be checked, so it is no warning; a name that is no state still is one."""
    india = person(city="Bengaluru", postal_code="560001", country="IN", street="1 MG Road")
    assert check_address({**india, "region": "KA"}).problems == ()
    assert check_address({**india, "region": "Karnataka"}).problems == ()
    (problem,) = check_address({**india, "region": "Narnia"}).problems
    assert problem.field == "region"
    (problem,) = check_address(
        person(city="Springfield", postal_code="62701", country="US", region="ZZ")
    ).problems
    assert problem.field == "region", "US data has codes: an unknown one is still a mistake"


def test_the_sample_recipients_have_no_address_problems() -> None:
    with open(ROOT / "samples" / "recipients.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert check_address(row, home_country="GB").problems == (), row["id"]


# --- in a build -----------------------------------------------------------------------------------


def _job(check: str) -> Job:
    text = (ROOT / "layouts" / "help-me.toml").read_text(encoding="utf-8")
    text = text.replace('home_country = "GB"', f'home_country = "GB"\naddress_check = "{check}"', 1)
    spec = parse_layout(text, file="help-me.toml", base=ROOT / "layouts")
    return Job(spec, f"address-{check}", key=b"k" * 32)


def _records(spec_sample: dict[str, str]) -> tuple[Record, ...]:
    good = {**spec_sample, "id": "A", "country": "Deutschland", "postal_code": "40212", "city": "Düsseldorf"}
    bad = {
        **spec_sample,
        "id": "B",
        "country": "US",
        "postal_code": "9720",
        "city": "Portland",
        "region": "Narnia",
    }
    return (Record(2, "A", FieldMap(good)), Record(3, "B", FieldMap(bad)))


def test_warn_lists_the_problems_in_the_manifest_and_builds() -> None:
    job = _job("warn")
    result = build_chunk(job, Chunk(1, _records(dict(job.spec.sample))))
    a, b = result.rows
    assert (a["status"], b["status"]) == ("built", "built")
    assert "warnings" not in a
    assert "postal_code '9720'" in b["warnings"] and "region 'Narnia'" in b["warnings"]


def test_reject_names_every_faulty_field_and_builds_the_rest() -> None:
    job = _job("reject")
    result = build_chunk(job, Chunk(1, _records(dict(job.spec.sample))))
    assert [r["status"] for r in result.rows] == ["built", "rejected"]
    (error,) = result.errors
    assert error["field"] == "postal_code"
    assert "postal_code '9720'" in error["reason"] and "region 'Narnia'" in error["reason"]


def test_off_checks_nothing() -> None:
    job = _job("off")
    result = build_chunk(job, Chunk(1, _records(dict(job.spec.sample))))
    assert [r["status"] for r in result.rows] == ["built", "built"]
    assert not any("warnings" in r for r in result.rows)


def test_the_normalised_address_is_what_verify_fingerprints() -> None:
    from envelopekit.kit import resolve
    from envelopekit.verify_addresses import address_column

    job = _job("warn")
    (a, _) = _records(dict(job.spec.sample))
    row = build_chunk(job, Chunk(1, (a,))).rows[0]
    normalised = FieldMap({**a.fields, "country": "DE"})
    assert row["address"] == address_column(resolve(job.spec), normalised)


def test_the_default_is_warn_and_the_column_is_in_the_manifest() -> None:
    from envelopekit.batch.inputs import columns
    from envelopekit.kit import resolve

    spec = load_layout("help-me")
    assert "warnings" in columns(resolve(spec), imposed=False)
    job = Job(spec, "address-default", key=b"k" * 32)
    (_, b) = _records(dict(spec.sample))
    assert build_chunk(job, Chunk(1, (b,))).rows[0]["status"] == "built"


def test_a_record_with_an_empty_required_field_is_rejected_and_the_rest_built(
    tmp_path: Path, demo_key: bytes
) -> None:
    spec = load_layout("help-me")
    good = Record(2, "A", FieldMap(spec.sample))
    no_street = Record(3, "B", FieldMap({**spec.sample, "id": "B", "street": " "}))
    result = build(spec, [good, no_street], tmp_path, key=demo_key)
    assert (result.built, result.rejected) == (1, 1)
    assert result.errors[0]["field"] == "street" and "empty" in result.errors[0]["reason"]


def test_address_check_is_read_from_defaults() -> None:
    from envelopekit.content.blocks import AddressBlock
    from envelopekit.errors import LayoutError

    spec = _job("reject").spec
    blocks = [b for b in spec.outer.front if isinstance(b, AddressBlock)]
    assert blocks and all(b.check == "reject" for b in blocks)
    text = (ROOT / "layouts" / "help-me.toml").read_text(encoding="utf-8")
    with pytest.raises(LayoutError, match="address_check"):
        parse_layout(text.replace('home_country = "GB"', 'home_country = "GB"\naddress_check = "loud"', 1))
    assert replace(blocks[0], check="off").check == "off"
