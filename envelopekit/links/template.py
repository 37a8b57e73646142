"""Survey URL templates: one printed link per recipient, built safely.

A template is an absolute https URL with placeholders: ``{field}`` puts a value in
percent-encoded to the RFC 3986 unreserved set, so a value can never add a query
parameter, end the query or change the path (``&``, ``#``, ``/``, ``?``, ``=``, ``%``,
spaces and non-ASCII all become ``%XX`` of their UTF-8 bytes); ``{+field}`` puts a
trusted value in as it is (RFC 6570 reserved expansion), for values such as the
token itself. Placeholders may appear only after the host, so no value can send a
recipient to another site.

No personal data in URLs: a link ends up in browser history, proxy and analytics
logs and in what the survey tool records, so by default only the fields in
:data:`NON_PERSONAL_FIELDS` may be substituted. The link carries a token; the
manifest maps tokens to people. Those fields are about the mailing, but a record
id is whatever column the operator picked (``--id-field email``): a value that
looks like an e-mail address or a phone number (:func:`personal_kind`) is refused
in a URL too, unless the template allows personal data.

Shorter URLs make smaller QR symbols. QR alphanumeric mode (5.5 bits a character
instead of 8) covers only ``0-9 A-Z space $ % * + - . / :``. Scheme and host are
case-insensitive, so ``HTTPS://EXAMPLE.ORG/S/{+token}`` with an uppercase path and
a Crockford token stays entirely alphanumeric (see :func:`is_qr_alphanumeric`);
a query string (``?``, ``=``, ``&``) or a lowercase path forces byte mode.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ..errors import LinkError

__all__ = [
    "NON_PERSONAL_FIELDS",
    "QR_ALPHANUMERIC",
    "PersonalDataError",
    "UrlTemplate",
    "is_qr_alphanumeric",
    "percent_encode",
    "personal_kind",
]

NON_PERSONAL_FIELDS: frozenset[str] = frozenset(
    {"token", "record_id", "id", "campaign", "kit", "block", "variant"}
)
"""Fields a URL may carry without ``allow_personal=True``.

They identify the mailing, not the person. Any other record field (name, email,
address, ...) is presumed personal; substituting it needs an explicit opt-in.
"""

QR_ALPHANUMERIC: frozenset[str] = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
"""The characters QR alphanumeric mode can encode."""

_WHERE = "URL template"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_RESERVED = frozenset(":/?#[]@!$&'()*+,;=")
_URI_CHARS = _UNRESERVED | _RESERVED
_HEX = frozenset("0123456789abcdefABCDEF")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?\Z")
_PARAM = re.compile(r"[A-Za-z0-9_.~-]+\Z")
_RECORD_ID_FIELDS = frozenset({"id", "record_id"})  # from the records: whatever column the operator chose
_EMAIL = re.compile(r"(?:mailto:)?[^\s@<>()]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\Z", re.I)
# A phone number: 7 to 15 digits (E.164) written with a country code (+, 00), an area
# code in parentheses, a trunk prefix 0 (UK, most of Europe) or as NNN-NNN-NNNN (North
# America). A bare run of digits without a leading 0 is taken for a record number.
_PHONE_CHARS = re.compile(r"[0-9 ()./-]+\Z")
_PHONE_SHAPES = (
    re.compile(r"(?:\+|00[1-9])"),  # international
    re.compile(r".*\(\d{1,5}\)"),  # area code in parentheses
    re.compile(r"0[1-9][0-9 ./-]{7,}\Z"),  # national with trunk prefix: 9 digits or more
    re.compile(r"\d{3}[ .-]\d{3}[ .-]\d{4}\Z"),  # North American
)


def personal_kind(value: str) -> str | None:
    """What personal data ``value`` looks like ("an e-mail address", "a phone number"), or None.

    A heuristic for values that reach a URL through a field presumed non-personal (a
    record id): it errs towards record numbers, so ``R-00042``, ``10000001`` and
    ``2027-0042`` pass while ``ada@example.org``, ``+44 20 7946 0958``, ``020 7946 0958``
    and ``(503) 555-0100`` do not.
    """
    text = value.strip()
    if "@" in text and _EMAIL.match(text):
        return "an e-mail address"
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 15:
        return None
    body = text[1:] if text.startswith("+") else text
    if not _PHONE_CHARS.match(body) or (not body[:1].isdigit() and body[:1] != "("):
        return None
    if text.startswith("+") or any(shape.match(body) for shape in _PHONE_SHAPES):
        return "a phone number"
    return None


class PersonalDataError(LinkError):
    """A value that looks like personal data bound for a URL field presumed non-personal."""

    def __init__(self, message: str, *, field: str, kind: str, hint: str | None = None):
        self.field, self.kind = field, kind
        super().__init__(message, where=_WHERE, hint=hint)


@dataclass(frozen=True, slots=True)
class _Slot:
    """One placeholder: the field name and whether its value goes in raw."""

    name: str
    raw: bool


def percent_encode(value: str) -> str:
    """Encode ``value`` so that only RFC 3986 unreserved characters remain.

    Everything else becomes ``%XX`` (uppercase hex) of its UTF-8 bytes, so the
    result is safe in any part of a URL and decodes back to ``value`` exactly.
    """
    try:
        return quote(value, safe="")
    except UnicodeEncodeError as exc:
        raise LinkError(
            f"value {value!r} contains a character that is not valid Unicode text",
            hint="lone surrogates cannot be encoded as UTF-8; fix the source data",
        ) from exc


def _encode_raw(value: str) -> str:
    """Reserved expansion: keep URI characters and ``%XX`` triplets, encode the rest."""
    out: list[str] = []
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        if ch in _URI_CHARS:
            out.append(ch)
        elif ch == "%" and _is_escape(value, i):
            out.append(value[i : i + 3])
            i += 3
            continue
        else:
            out.append(percent_encode(ch))
        i += 1
    return "".join(out)


def _is_escape(text: str, i: int) -> bool:
    """True when ``text[i]`` starts a ``%XX`` triplet."""
    return i + 2 < len(text) and text[i + 1] in _HEX and text[i + 2] in _HEX


def is_qr_alphanumeric(text: str) -> bool:
    """True when ``text`` fits QR alphanumeric mode (a smaller symbol than byte mode)."""
    return all(ch in QR_ALPHANUMERIC for ch in text)


def _split(text: str) -> tuple[str | _Slot, ...]:
    """Split a template into literal text and placeholders, checking every character."""
    parts: list[str | _Slot] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "{":
            end = text.find("}", i + 1)
            if end < 0:
                raise LinkError(
                    f"'{{' at column {i + 1} is never closed",
                    where=_WHERE,
                    hint="placeholders look like {token}; write a literal brace as %7B",
                )
            body = text[i + 1 : end]
            raw = body.startswith("+")
            name = body[1:] if raw else body
            if not _NAME.match(name):
                if name[:1] in set("#./;?&+"):
                    msg = f"placeholder {{{body}}} uses an operator envelopekit does not support"
                    hint = "only {field} (encoded) and {+field} (raw) are supported"
                else:
                    msg = f"placeholder {{{body}}} at column {i + 1} is not a valid field name"
                    hint = "names use letters, digits, '_', '.', '-' and start with a letter"
                raise LinkError(msg, where=_WHERE, hint=hint)
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append(_Slot(name, raw))
            i = end + 1
            continue
        if ch == "}":
            raise LinkError(
                f"'}}' at column {i + 1} closes no placeholder",
                where=_WHERE,
                hint="write a literal brace as %7D",
            )
        if ch == "%":
            if _is_escape(text, i):
                buf.append(text[i : i + 3])
                i += 3
                continue
            raise LinkError(
                f"'%' at column {i + 1} does not start a %XX escape",
                where=_WHERE,
                hint="write a literal percent sign as %25",
            )
        if ch not in _URI_CHARS:
            raise LinkError(
                f"character {ch!r} at column {i + 1} is not allowed in a URL",
                where=_WHERE,
                hint=f"percent-encode it as {percent_encode(ch)}",
            )
        buf.append(ch)
        i += 1
    if buf:
        parts.append("".join(buf))
    return tuple(parts)


def _check_target(text: str, *, allow_http: bool) -> None:
    """Refuse anything but an absolute http(s) URL whose host no placeholder can change."""
    match = _SCHEME.match(text)
    if not match:
        raise LinkError(
            f"{text[:40]!r} is not an absolute URL",
            where=_WHERE,
            hint="start it with https:// and a host name",
        )
    scheme = match.group(1).lower()
    allowed = ("https", "http") if allow_http else ("https",)
    if scheme not in allowed:
        if scheme == "http":
            hint = "use https, or pass allow_http=True for a site without TLS"
        else:
            hint = "survey links must be web addresses starting with https://"
        raise LinkError(f"URL scheme {scheme!r} is not allowed", where=_WHERE, hint=hint)
    rest = text[match.end() :]
    if not rest.startswith("//"):
        raise LinkError(
            "the URL has no host",
            where=_WHERE,
            hint=f"write it as {scheme}://host/path",
        )
    end = len(rest)
    for delim in "/?#{":
        pos = rest.find(delim, 2)
        if 0 <= pos < end:
            end = pos
    if end < len(rest) and rest[end] == "{":
        raise LinkError(
            "a placeholder in the host could send recipients to another site",
            where=_WHERE,
            hint="put placeholders in the path, query or fragment",
        )
    authority = rest[2:end]
    if "@" in authority:
        raise LinkError(
            "a user name or password before the host ('user@host') is not allowed",
            where=_WHERE,
            hint="it hides the real host from the reader; remove the part before '@'",
        )
    try:
        split = urlsplit(f"{scheme}://{authority}")
        split.port  # noqa: B018 - reading the port validates it
        host = split.hostname or ""
        if authority.startswith("["):
            ipaddress.IPv6Address(host)
    except ValueError as exc:
        raise LinkError(
            f"{authority!r} is not a valid host and port",
            where=_WHERE,
            hint="IPv6 addresses go in [brackets]; ports are 0-65535",
        ) from exc
    if authority.startswith("["):
        return
    if not host:
        raise LinkError("the URL has no host", where=_WHERE, hint=f"write {scheme}://host/path")
    if not _HOSTNAME.match(host):
        raise LinkError(
            f"host {host!r} is not a valid host name",
            where=_WHERE,
            hint="use letters, digits, '-' and '.'; write international names as xn-- punycode",
        )


def _closest(name: str, known: Iterable[str]) -> str | None:
    choices = sorted(known)
    if not choices:
        return None
    lowered = {c.lower(): c for c in choices}
    if name.lower() in lowered:
        return lowered[name.lower()]
    found = difflib.get_close_matches(name, choices, n=1, cutoff=0.0)
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class UrlTemplate:
    """A checked survey URL template; build one with :meth:`UrlTemplate.parse`.

    ``fields`` lists the placeholder names in order of first appearance.
    """

    template: str
    parts: tuple[str | _Slot, ...]
    fields: tuple[str, ...]
    allow_http: bool = False
    allow_personal: bool = False
    known_fields: frozenset[str] | None = None

    @classmethod
    def parse(
        cls,
        template: str,
        *,
        allow_http: bool = False,
        allow_personal: bool = False,
        known_fields: Iterable[str] | None = None,
    ) -> UrlTemplate:
        """Check ``template`` and return it parsed.

        ``known_fields`` is every name :meth:`expand` will be given (the record's
        columns plus ``token`` and the like); a placeholder outside it is a typo
        and is reported with the closest known name. Surrounding whitespace is
        ignored.
        """
        if not isinstance(template, str):
            raise LinkError(f"URL template must be a string, not {type(template).__name__}", where=_WHERE)
        if isinstance(known_fields, str):
            raise LinkError("known_fields must be a collection of names, not one string")
        text = template.strip()
        parts = _split(text)
        _check_target(text, allow_http=allow_http)
        fields = tuple(dict.fromkeys(p.name for p in parts if isinstance(p, _Slot)))
        known = None if known_fields is None else frozenset(known_fields)
        if known is not None:
            for name in fields:
                if name not in known:
                    best = _closest(name, known)
                    hint = f"did you mean {{{best}}}?" if best else "no fields are known"
                    raise LinkError(f"unknown placeholder {{{name}}}", where=_WHERE, hint=hint)
        if not allow_personal:
            for name in fields:
                if name not in NON_PERSONAL_FIELDS:
                    allowed = ", ".join(sorted(NON_PERSONAL_FIELDS))
                    raise LinkError(
                        f"placeholder {{{name}}} would put personal data in the URL, where "
                        "browser history, server logs and analytics keep it",
                        where=_WHERE,
                        hint=f"link with {{token}} and map tokens to people in the manifest "
                        f"(allowed: {allowed}); pass allow_personal=True only if "
                        f"{name!r} is not about a person",
                    )
        return cls(
            template=text,
            parts=parts,
            fields=fields,
            allow_http=allow_http,
            allow_personal=allow_personal,
            known_fields=known,
        )

    def expand(self, values: Mapping[str, str]) -> str:
        """Return the URL for one record; extra keys in ``values`` are ignored.

        Unless the template allows personal data, a record id (``{id}``, ``{record_id}``)
        that looks like an e-mail address or a phone number (:func:`personal_kind`) is
        refused with a :class:`PersonalDataError` naming the placeholder. The other
        non-personal fields come from the layout or are tokens, and are not checked.
        """
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            try:
                value = values[part.name]
            except KeyError:
                raise LinkError(
                    f"no value for placeholder {{{part.name}}}",
                    where=_WHERE,
                    hint="give every field the template uses",
                ) from None
            if not isinstance(value, str):
                raise LinkError(
                    f"value for {{{part.name}}} must be a string, not {type(value).__name__}",
                    where=_WHERE,
                )
            if not self.allow_personal and part.name in _RECORD_ID_FIELDS:
                _refuse_personal(part.name, value)
            out.append(_encode_raw(value) if part.raw else percent_encode(value))
        return "".join(out)

    def __str__(self) -> str:
        return self.template

    def _replace_text(self, text: str) -> UrlTemplate:
        return UrlTemplate.parse(
            text,
            allow_http=self.allow_http,
            allow_personal=self.allow_personal,
            known_fields=self.known_fields,
        )


def _refuse_personal(name: str, value: str) -> None:
    kind = personal_kind(value)
    if kind is None:
        return
    raise PersonalDataError(
        f"{{{name}}} would put {kind} in the URL, where browser history, server logs and analytics keep it",
        field=name,
        kind=kind,
        hint="identify records by a column that is not about the person, or allow personal "
        "data in this link (allow_personal = true) if the value is not about a person",
    )
