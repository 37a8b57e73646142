"""Fields: header spellings -> field names, cell values cleaned, rows validated.

What a header means (:func:`normalise_header`: case, spaces and hyphens folded, then
the caller's renames, then :data:`ALIASES`), how a cell is cleaned (:func:`clean_value`),
and how a row becomes a :class:`Record` or one :class:`Rejected` naming every faulty
field (:func:`validate_row`): an empty or duplicate id, required fields left empty,
undecodable bytes, invisible bidi controls, a value over :data:`MAX_CELL`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .records_model import FieldMap, Item, Kind, Record, Rejected
from .records_text import SURROGATE, not_text
from .terminal import printable

__all__ = ["ALIASES", "MAX_CELL", "clean_value", "normalise_header", "text_faults"]

MAX_CELL = 128 * 1024
"""The longest value a field may hold, in characters; a longer one rejects its row."""

ALIASES: Mapping[str, str] = {
    alias: name
    for name, aliases in {
        "id": "record_id recordid",
        "first_name": "firstname first given_name givenname forename",
        "last_name": "lastname last surname family_name familyname",
        "organisation": "organization company company_name org organisation_name organization_name",
        "street": "address address1 address_1 address_line_1 addressline1 street_address",
        "street2": "address2 address_2 address_line_2 addressline2 street_2 street_line_2",
        "city": "town locality",
        "region": "state province county state_province",
        "postal_code": "zip zip_code zipcode postcode post_code postal postalcode",
        "country": "country_code",
        "email": "e_mail email_address mail",
    }.items()
    for alias in aliases.split()
}
"""Normalised header spellings -> the field names the rest of envelopekit uses."""


_SLUG = re.compile(r"[\s_-]+")


def header_slug(name: str) -> str:
    return _SLUG.sub("_", name.replace("\ufeff", "").strip().casefold()).strip("_")


def normalise_header(name: str, rename: Mapping[str, str] | None = None) -> str:
    """The field name a header means: case, spaces and hyphens folded, then rename, then aliases.

    ``rename`` keys are matched the same folded way ("Post Code" matches "post-code").
    An empty result means an unnamed column, which is ignored.
    """
    slugs = {header_slug(k): header_slug(v) for k, v in (rename or {}).items()}
    return canonical(name, slugs)


def canonical(name: str, rename: Mapping[str, str]) -> str:
    slug = header_slug(name)
    if slug in rename:
        return rename[slug]
    return ALIASES.get(slug, slug)


_LINE_BREAKS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"})


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates: invisible, yet they reorder the text around them."""


def clean_value(value: str) -> str:
    """Strip a cell; line breaks inside it (CR LF, CR, U+2028, U+2029, NEL) become plain
    "\\n", so a two-line street stays one field with one kind of break."""
    value = value.strip()
    if not value.isascii() or "\r" in value:
        value = value.replace("\r\n", "\n").translate(_LINE_BREAKS)
    return value


def text_faults(values: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(field, reason, hint) for each value holding a bidi embedding, override or isolate:
    such a character prints nothing and reorders what follows (a name or an address could
    read backwards), and no one can see it in a spreadsheet to fix it."""
    faults = []
    for name, value in values.items():
        if value.isascii():
            continue
        found = sorted({c for c in value if c in _BIDI_CONTROLS})
        if found:
            what = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c)}" for c in found)
            hint = "delete it: retype the value, or clean the column in the spreadsheet"
            faults.append((name, f"{name} holds an invisible bidi control ({what})", hint))
    return faults


@dataclass(frozen=True, slots=True)
class Options:
    """How one source is read: what it is called and holds, and which fields it must have."""

    file: str  # names the source in errors
    kind: Kind
    encoding: str | None
    delimiter: str | None
    id_field: str
    required: tuple[str, ...]
    rename: Mapping[str, str]  # slug of a source header -> slug of the field name


Fault = tuple[str, str | None, str | None]  # field, what is wrong with it (None: required, empty), hint


def undecodable_faults(values: Mapping[str, str], encoding: str) -> list[Fault]:
    """A fault for every field holding bytes the codec could not decode (or a lone surrogate)."""
    faults: list[Fault] = []
    for name, value in values.items():
        if not value.isascii() and (bad := not_text(value, encoding)):
            faults.append((name, f"{shown(name)!r} holds {bad[0]}", bad[1]))
    return faults


def overlong_faults(values: Mapping[str, str], hint: str | None) -> list[Fault]:
    return [
        (name, f"{shown(name)!r} is {len(value):,} characters long, over the limit of {MAX_CELL:,}", hint)
        for name, value in values.items()
        if len(value) > MAX_CELL
    ]


def shown(text: str) -> str:
    """Text fit for a report: undecodable bytes as U+FFFD, control characters escaped
    (a report reaches a terminal), and short (an id may be the bad cell)."""
    if not text.isascii():
        text = SURROGATE.sub("\ufffd", text)
    text = text if len(text) <= 80 else text[:79] + "\u2026"
    return printable(text)


def validate_row(
    row: int,
    values: dict[str, str],
    opts: Options,
    seen: dict[str, int],
    unit: str,
    faults: Iterable[Fault] = (),
    claim: bool = True,
) -> Item:
    """A record, or one rejection naming every faulty field (``field`` is the leftmost).

    A row that reaches here with an id claims it (``claim``), even when it is rejected for its
    content, so a later row with the same id is a duplicate either way.
    """
    found = list(faults) + text_faults(values)
    rid = values.get(opts.id_field, "")
    if not rid:
        hint = "every record needs an id; fill it in, or name another column: --id-field (id_field=)"
        found.append((opts.id_field, f"{opts.id_field!r} is empty", hint))
    elif (first := seen.get(rid)) is not None:
        reason = f"duplicate id {shown(rid)!r}: {unit} {first} has it already"
        found.append((opts.id_field, reason, "ids must be unique; fix or remove one"))
    elif claim and len(rid) <= MAX_CELL:
        seen[rid] = row
    found += [(f, None, None) for f in opts.required if not values.get(f) and f != opts.id_field]
    if not found:
        return Record(row, rid, FieldMap._adopt(values))
    return _rejected(row, rid, list(values), found)


def _rejected(row: int, rid: str, columns: list[str], faults: list[Fault]) -> Rejected:
    """One Rejected for all of a row's faults, in column order; empty required fields go together."""
    order = {name: i for i, name in enumerate(columns)}
    faults = sorted(faults, key=lambda f: order.get(f[0], len(order)))  # stable: a field's faults in turn
    clauses: list[str] = []
    empty: list[str] = []
    for name, what, _ in [*faults, ("", "", None)]:  # a sentinel flushes the last run of empties
        if what is None:
            empty.append(name)
            continue
        if empty:
            names = ", ".join(map(repr, empty))
            clauses.append(
                f"required field {names} is empty" if len(empty) == 1 else f"required {names} are empty"
            )
            empty.clear()
        if what:
            clauses.append(what)
    hints = "; ".join(dict.fromkeys(h for _, _, h in faults if h)) or None
    return Rejected(row, shown(rid), shown(faults[0][0]), "; ".join(clauses), hints)
