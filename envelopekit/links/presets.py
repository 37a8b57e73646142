"""Link presets for the survey tools campaigns use: Google Forms, Typeform, Qualtrics,
LimeSurvey, a plain URL, and UTM tagging on top of any of them."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, overload

from ..errors import LinkError
from .template import _NAME, _PARAM, _WHERE, UrlTemplate, _closest, _encode_raw, percent_encode

__all__ = [
    "PRESETS",
    "from_preset",
    "google_forms",
    "limesurvey",
    "plain",
    "qualtrics",
    "typeform",
    "with_utm",
]


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


def google_forms(
    form_id: str, token_entry: str, *, field: str = "token", allow_personal: bool = False
) -> UrlTemplate:
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
    return UrlTemplate.parse(
        f"{form}?usp=pp_url&{entry}={_placeholder(field)}", allow_personal=allow_personal
    )


def typeform(
    form_url: str, *, hidden: str = "token", field: str = "token", allow_personal: bool = False
) -> UrlTemplate:
    """A Typeform link with the token as hidden field ``hidden`` (after ``#``).

    Typeform reads hidden fields from the fragment, which browsers never send to a
    server, so the token stays out of web server logs. Declare the field in the form.
    """
    base = _fixed_url(form_url, "form_url")
    name = _param(hidden, "hidden")
    head, _, fragment = base.partition("#")
    items = [p for p in fragment.split("&") if p]
    items.append(f"{name}={_placeholder(field)}")
    return UrlTemplate.parse(f"{head}#{'&'.join(items)}", allow_personal=allow_personal)


def qualtrics(
    survey_url: str, *, param: str = "token", field: str = "token", allow_personal: bool = False
) -> UrlTemplate:
    """A Qualtrics link passing the token as embedded data ``param`` in the query.

    Declare ``param`` as embedded data in the survey flow so Qualtrics records it.
    """
    base = _fixed_url(survey_url, "survey_url")
    query = _add_query(base, [(_param(param, "param"), _placeholder(field))])
    return UrlTemplate.parse(query, allow_personal=allow_personal)


def limesurvey(
    base: str,
    survey_id: str | int,
    *,
    field: str = "token",
    lang: str | None = None,
    url_format: Literal["path", "get"] = "path",
    allow_http: bool = False,
    allow_personal: bool = False,
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
    return UrlTemplate.parse(text, allow_http=allow_http, allow_personal=allow_personal)


def plain(
    url: str,
    param: str = "t",
    *,
    field: str = "token",
    allow_http: bool = False,
    allow_personal: bool = False,
) -> UrlTemplate:
    """Any landing page with the token as query parameter ``param`` (``?t=TOKEN``)."""
    base = _fixed_url(url, "url", allow_http=allow_http)
    text = _add_query(base, [(_param(param, "param"), _placeholder(field))])
    return UrlTemplate.parse(text, allow_http=allow_http, allow_personal=allow_personal)


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
    for flag in ("allow_http", "allow_personal"):
        if flag in opts and not isinstance(opts[flag], bool):
            raise LinkError(
                f"{flag} must be true or false, not {opts[flag]!r}", hint="write it without quotes"
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
