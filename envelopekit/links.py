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
manifest maps tokens to people.

Shorter URLs make smaller QR symbols. QR alphanumeric mode (5.5 bits a character
instead of 8) covers only ``0-9 A-Z space $ % * + - . / :``. Scheme and host are
case-insensitive, so ``HTTPS://EXAMPLE.ORG/S/{+token}`` with an uppercase path and
a Crockford token stays entirely alphanumeric (see :func:`is_qr_alphanumeric`);
a query string (``?``, ``=``, ``&``) or a lowercase path forces byte mode.
"""

from __future__ import annotations

import difflib
import inspect
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload
from urllib.parse import quote, urlsplit

from .errors import LinkError

__all__ = [
    "NON_PERSONAL_FIELDS",
    "PRESETS",
    "QR_ALPHANUMERIC",
    "UrlTemplate",
    "from_preset",
    "google_forms",
    "is_qr_alphanumeric",
    "limesurvey",
    "percent_encode",
    "plain",
    "qualtrics",
    "typeform",
    "with_utm",
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
        """Return the URL for one record; extra keys in ``values`` are ignored."""
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


# -- presets -------------------------------------------------------------------


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LinkError(f"{what} must be a non-empty string, got {value!r}")
    return value.strip()


def _param(value: object, what: str) -> str:
    """A query or fragment parameter name: kept to characters that need no encoding."""
    name = _text(value, what)
    if not _PARAM.match(name):
        raise LinkError(
            f"{what} {name!r} is not a plain parameter name",
            hint="use letters, digits, '_', '.', '-' or '~'",
        )
    return name


def _placeholder(field: object) -> str:
    name = _text(field, "field")
    if not _NAME.match(name):
        raise LinkError(f"field {name!r} is not a valid placeholder name")
    return "{" + name + "}"


def _fixed_url(url: object, what: str, *, allow_http: bool = False) -> str:
    """A user-supplied URL as a fixed template part: encoded, checked, no placeholders."""
    # Reserved expansion also encodes braces, so a fixed part never becomes a placeholder.
    text = _encode_raw(_text(url, what))
    UrlTemplate.parse(text, allow_http=allow_http)
    return text


def _add_query(text: str, pairs: Sequence[tuple[str, str]]) -> str:
    """Append ``key=value`` pairs to the query, before any ``#`` fragment."""
    base, hash_, fragment = text.partition("#")
    sep = ("" if base.endswith(("?", "&")) else "&") if "?" in base else "?"
    query = "&".join(f"{key}={value}" for key, value in pairs)
    return f"{base}{sep}{query}{hash_}{fragment}"


def google_forms(form_id: str, token_entry: str, *, field: str = "token") -> UrlTemplate:
    """A Google Forms prefilled link: the token lands in the question ``token_entry``.

    ``form_id`` is the part between ``/d/e/`` and ``/viewform`` of the form's
    link; ``token_entry`` (``"entry.123456"``) comes from "Get pre-filled link".
    """
    fid = _text(form_id, "form_id")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", fid):
        raise LinkError(
            f"form_id {fid!r} is not a Google Forms id",
            hint="copy the part between /d/e/ and /viewform of the form's link",
        )
    entry = _text(token_entry, "token_entry")
    if not re.fullmatch(r"entry\.\d+", entry):
        raise LinkError(
            f"token_entry {entry!r} is not like 'entry.123456'",
            hint="open 'Get pre-filled link', fill the token question and copy its entry.N",
        )
    form = f"https://docs.google.com/forms/d/e/{fid}/viewform"
    return UrlTemplate.parse(f"{form}?usp=pp_url&{entry}={_placeholder(field)}")


def typeform(form_url: str, *, hidden: str = "token", field: str = "token") -> UrlTemplate:
    """A Typeform link with the token as hidden field ``hidden`` (after ``#``).

    Typeform reads hidden fields from the fragment, which browsers never send to a
    server, so the token stays out of web server logs. Declare the field in the form.
    """
    base = _fixed_url(form_url, "form_url")
    name = _param(hidden, "hidden")
    head, _, fragment = base.partition("#")
    items = [p for p in fragment.split("&") if p]
    items.append(f"{name}={_placeholder(field)}")
    return UrlTemplate.parse(f"{head}#{'&'.join(items)}")


def qualtrics(survey_url: str, *, param: str = "token", field: str = "token") -> UrlTemplate:
    """A Qualtrics link passing the token as embedded data ``param`` in the query.

    Declare ``param`` as embedded data in the survey flow so Qualtrics records it.
    """
    base = _fixed_url(survey_url, "survey_url")
    return UrlTemplate.parse(_add_query(base, [(_param(param, "param"), _placeholder(field))]))


def limesurvey(
    base: str,
    survey_id: str | int,
    *,
    field: str = "token",
    lang: str | None = None,
    url_format: Literal["path", "get"] = "path",
    allow_http: bool = False,
) -> UrlTemplate:
    """A LimeSurvey participant link with ``token=``.

    ``base`` is the installation's address (``https://survey.example.org``, with or
    without ``/index.php``); ``url_format`` matches the server's urlFormat setting.
    The tokens must be imported into the survey's participant table.
    """
    root = _fixed_url(base, "base", allow_http=allow_http)
    if "?" in root or "#" in root:
        raise LinkError(
            f"base {root!r} must not contain '?' or '#'",
            hint="give the installation's address, e.g. https://survey.example.org",
        )
    if isinstance(survey_id, bool) or not isinstance(survey_id, str | int):
        raise LinkError(f"survey_id must be a number, got {survey_id!r}")
    sid = str(survey_id).strip()
    if not sid.isascii() or not sid.isdigit():
        raise LinkError(f"survey_id {sid!r} is not a LimeSurvey survey number")
    root = root.rstrip("/")
    if not root.endswith("/index.php"):
        root += "/index.php"
    token = _placeholder(field)
    if url_format == "path":
        text = f"{root}/{sid}?token={token}"
    elif url_format == "get":
        text = f"{root}?r=survey/index&sid={sid}&token={token}"
    else:
        raise LinkError(f"url_format {url_format!r} is not 'path' or 'get'")
    if lang is not None:
        text += f"&lang={_param(lang, 'lang')}"
    return UrlTemplate.parse(text, allow_http=allow_http)


def plain(url: str, param: str = "t", *, field: str = "token", allow_http: bool = False) -> UrlTemplate:
    """Any landing page with the token as query parameter ``param`` (``?t=TOKEN``)."""
    base = _fixed_url(url, "url", allow_http=allow_http)
    text = _add_query(base, [(_param(param, "param"), _placeholder(field))])
    return UrlTemplate.parse(text, allow_http=allow_http)


@overload
def with_utm(
    template: UrlTemplate,
    source: str,
    campaign: str,
    content: str | None = None,
    medium: str = "direct_mail",
) -> UrlTemplate: ...
@overload
def with_utm(
    template: str,
    source: str,
    campaign: str,
    content: str | None = None,
    medium: str = "direct_mail",
) -> str: ...
def with_utm(
    template: UrlTemplate | str,
    source: str,
    campaign: str,
    content: str | None = None,
    medium: str = "direct_mail",
) -> UrlTemplate | str:
    """Add ``utm_source``, ``utm_medium``, ``utm_campaign`` (and ``utm_content``).

    The parameters join an existing query and go before any ``#`` fragment, where a
    server can see them. Values are fixed text, percent-encoded. Returns the same
    kind it was given; a :class:`UrlTemplate` is re-checked with its own options.
    """
    text = template.template if isinstance(template, UrlTemplate) else template
    if not isinstance(text, str):
        raise LinkError(f"template must be a UrlTemplate or a string, not {type(text).__name__}")
    text = text.strip()
    pairs = [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign)]
    if content is not None:
        pairs.append(("utm_content", content))
    query = text.partition("#")[0].partition("?")[2]
    present = {item.partition("=")[0] for item in query.split("&")}
    encoded: list[tuple[str, str]] = []
    for key, value in pairs:
        if key in present:
            raise LinkError(
                f"the template already has {key}",
                where=_WHERE,
                hint="remove it from the template or do not add UTM parameters twice",
            )
        encoded.append((key, percent_encode(_text(value, key))))
    result = _add_query(text, encoded)
    if isinstance(template, UrlTemplate):
        return template._replace_text(result)
    return result


# -- registry ------------------------------------------------------------------

PRESETS: dict[str, Callable[..., UrlTemplate]] = {
    "google_forms": google_forms,
    "typeform": typeform,
    "qualtrics": qualtrics,
    "limesurvey": limesurvey,
    "plain": plain,
}
"""Preset builders by name, for layouts that say ``preset = "google_forms"``."""


def from_preset(name: str, options: Mapping[str, Any] | None = None) -> UrlTemplate:
    """Build a preset from layout options; an optional ``utm`` table is applied too.

    ``utm`` holds ``source``, ``campaign`` and optionally ``content`` and ``medium``,
    the arguments of :func:`with_utm`.
    """
    builder = PRESETS.get(name)
    if builder is None:
        best = _closest(name, PRESETS)
        raise LinkError(
            f"unknown link preset {name!r}",
            hint=f"did you mean {best!r}? presets: {', '.join(sorted(PRESETS))}",
        )
    opts = dict(options or {})
    utm = opts.pop("utm", None)
    params = inspect.signature(builder).parameters
    for key in opts:
        if key not in params:
            best = _closest(key, params)
            raise LinkError(
                f"preset {name!r} has no option {key!r}",
                hint=f"did you mean {best!r}? options: {', '.join(params)}",
            )
    missing = [p.name for p in params.values() if p.default is inspect.Parameter.empty and p.name not in opts]
    if missing:
        raise LinkError(
            f"preset {name!r} needs option {missing[0]!r}",
            hint=f"options: {', '.join(params)}",
        )
    result = builder(**opts)
    if utm is None:
        return result
    keys = ("source", "campaign", "content", "medium")
    if not isinstance(utm, Mapping):
        raise LinkError("utm must be a table", hint=f"keys: {', '.join(keys)}")
    for key in [k for k in utm if k not in keys] + [k for k in keys[:2] if k not in utm]:
        problem = "has no option" if key in utm else "needs"
        raise LinkError(f"utm {problem} {key!r}", hint=f"keys: {', '.join(keys)}")
    return with_utm(result, **utm)
