"""Postal addresses in the order each country's post expects.

An address block without explicit ``lines`` is laid out here from the record's
fields: name, organisation, street (a street with a newline stays two lines),
``street2``, the locality line in the country's own order, and the country name
in capitals (as the UPU asks) unless the recipient lives in the sender's
``home_country``. Only the
commonest formats are known; everything else falls back to "postcode city".
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["ADDRESS_FIELDS", "COUNTRY_NAMES", "address_lines"]

ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "organisation",
    "street",
    "street2",
    "postal_code",
    "city",
    "region",
    "country",
)
"""Record fields an automatic address block reads; missing ones count as empty."""

COUNTRY_NAMES: dict[str, str] = {
    "AT": "Austria",
    "AU": "Australia",
    "BE": "Belgium",
    "BR": "Brazil",
    "CA": "Canada",
    "CH": "Switzerland",
    "CN": "China",
    "CZ": "Czech Republic",
    "DE": "Germany",
    "DK": "Denmark",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "GB": "United Kingdom",
    "GR": "Greece",
    "HK": "Hong Kong",
    "IE": "Ireland",
    "IN": "India",
    "IS": "Iceland",
    "IT": "Italy",
    "JP": "Japan",
    "KR": "South Korea",
    "MX": "Mexico",
    "NL": "Netherlands",
    "NO": "Norway",
    "NZ": "New Zealand",
    "PL": "Poland",
    "PT": "Portugal",
    "RU": "Russia",
    "SE": "Sweden",
    "SG": "Singapore",
    "UA": "Ukraine",
    "US": "United States",
    "VN": "Vietnam",
    "ZA": "South Africa",
}

# The locality line(s), by country. {region} is dropped when empty.
_LOCALITY: dict[str, str] = {
    "US": "{city} {region} {postal_code}",
    "CA": "{city} {region}  {postal_code}",
    "AU": "{city} {region} {postal_code}",
    "GB": "{city}\n{postal_code}",
    "IE": "{city}\n{postal_code}",
    "NZ": "{city} {postal_code}",
    "ZA": "{city}\n{postal_code}",
    "IN": "{city} {postal_code}\n{region}",
    "IT": "{postal_code} {city} {region}",
    "BR": "{city} {region}\n{postal_code}",
    "MX": "{postal_code} {city}, {region}",
    "JP": "〒{postal_code}\n{region}{city}",
    "CN": "{region}{city}\n{postal_code}",
    "KR": "{region} {city}\n{postal_code}",
}
_DEFAULT = "{postal_code} {city}\n{region}"
_FAMILY_NAME_FIRST = {"CN", "HU", "JP", "KR", "TW"}


def address_lines(fields: Mapping[str, str], *, home_country: str = "") -> list[str]:
    """The lines of a postal address from a record's fields."""

    def get(name: str) -> str:
        return (fields.get(name) or "").strip()

    country = get("country")
    code = country.upper() if len(country) == 2 else ""
    names = (get("first_name"), get("last_name"))
    if code in _FAMILY_NAME_FIRST:
        names = names[::-1]
    lines = [" ".join(p for p in names if p), get("organisation")]
    lines += get("street").split("\n") + get("street2").split("\n")
    locality = _LOCALITY.get(code, _DEFAULT)
    values = {k: get(k) for k in ("city", "region", "postal_code")}
    for line in locality.format(**values).split("\n"):
        line = " ".join(line.split()).strip(" ,")
        lines.append("" if line == "〒" else line)  # a Japanese postcode mark with no postcode
    if country and code != home_country.upper():
        lines.append(COUNTRY_NAMES.get(code, country).upper() if code else country)
    return [line.strip() for line in lines if line.strip()]
