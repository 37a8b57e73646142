"""Text that is safe to print: no control sequence from the input reaches the terminal.

Decoded QR codes, tokens typed or pasted by an operator, record values and file names
are untrusted. Printed raw, an ESC starts an ANSI or OSC sequence (recolour the
screen, set the window title, write a hyperlink, on some terminals worse), a carriage
return or backspace overwrites what was printed before it, and a bidi control reorders
the rest of the line, so ``INVALID`` can be made to read ``valid``.

:func:`printable` shows every such character as a visible escape (``\\x1b``,
``\\u202e``, the way Python's ``repr`` writes them) and leaves all other text, accents
and scripts included, as it is. Use it on anything from outside that goes to stdout
or stderr.
"""

from __future__ import annotations

import unicodedata

__all__ = ["printable"]

# Control (C0, DEL, C1), format (bidi controls, zero-width characters, the BOM),
# surrogates (undecodable bytes under surrogateescape), line and paragraph separators,
# and unassigned code points (a future control must not slip through).
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp", "Cn"})


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: object, *, newlines: bool = False) -> str:
    """``text`` (made a string) with every control, format or separator character escaped.

    A tab, carriage return and line feed are escaped too (one value, one line), unless
    ``newlines`` keeps line feeds for text meant to span lines.
    """
    value = text if isinstance(text, str) else str(text)
    if value.isprintable():  # fast path: no control, format or separator besides space
        return value
    out: list[str] = []
    for ch in value:
        if ch == "\n" and newlines:
            out.append(ch)
        elif unicodedata.category(ch) in _ESCAPED_CATEGORIES:
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "".join(out)
