"""Field templates: ``{field}`` placeholders filled from a record's fields.

``{{`` and ``}}`` are literal braces; a placeholder is a simple field name, with no
format or index. A template is parsed once per distinct text, not once per record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from ..errors import LayoutError, RecordError

__all__ = ["TemplateFieldError", "render_template", "template_fields"]


class TemplateFieldError(RecordError, KeyError):
    """A placeholder naming a field the record lacks; a KeyError too, as with ``format_map``."""


_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@lru_cache(maxsize=1024)
def _parse_template(template: str) -> tuple[tuple[str, bool], ...]:
    """``(text, is_field)`` parts; parsed once per distinct template, not once per record."""
    parts: list[tuple[str, bool]] = []
    literal: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(template):
        literal.append(template[pos : match.start()])
        pos = match.end()
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif name is None:
            raise LayoutError(
                f"lone {token!r} at column {match.start() + 1} of template {template!r}",
                hint="write {{ or }} for a literal brace",
            )
        elif not name.isidentifier():
            raise LayoutError(
                f"placeholder {token!r} at column {match.start() + 1} of template "
                f"{template!r} is not a simple field name",
                hint="write {field} with letters, digits and _ only; no formats or indexes",
            )
        else:
            if literal:
                parts.append(("".join(literal), False))
                literal = []
            parts.append((name, True))
    literal.append(template[pos:])
    tail = "".join(literal)
    if tail:
        parts.append((tail, False))
    return tuple(parts)


def template_fields(template: str) -> tuple[str, ...]:
    """Field names a template uses, each once, in order; LayoutError if it is malformed.

    Lets a layout be checked against the records' columns before any record is built.
    """
    return tuple(dict.fromkeys(text for text, is_field in _parse_template(template) if is_field))


def render_template(template: str, fields: Mapping[str, str]) -> str:
    """Fill ``{field}`` placeholders from ``fields``; ``{{``/``}}`` are literal braces.

    LayoutError for a malformed template, TemplateFieldError (a RecordError and a
    KeyError) naming a field the record lacks.
    """
    out: list[str] = []
    empty: list[int] = []  # where an empty value went: its spaces are not doubled
    for text, is_field in _parse_template(template):
        if not is_field:
            out.append(text)
            continue
        value = fields.get(text)
        if value is None:
            known = sorted(fields)
            listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            raise TemplateFieldError(
                f"the template uses {{{text}}} but the record has no such field",
                field=text,
                hint=f"fields available: {listed}" if known else "the record has no fields",
            )
        if not str(value):
            empty.append(len(out))
        out.append(str(value))
    for i in empty:  # "{city} {region} {zip}" with no region: "Cairo 11511", not "Cairo  11511"
        before = "".join(out[:i])
        if out[i + 1 : i + 2] and out[i + 1].startswith(" ") and (before.endswith(" ") or not before.strip()):
            out[i + 1] = out[i + 1][1:]
        elif i + 1 == len(out) and before.endswith(" "):
            out[i - 1] = out[i - 1].rstrip(" ")
    return "".join(out)
