"""Line breaks inside words of scripts written without spaces: Thai, Lao, Khmer, Myanmar.

A Thai name or address has no spaces between its words, so the wrapper's rule (break
at spaces, after hyphens, between CJK characters) would either leave it unbroken or,
cut anywhere, split a word in two. Where such a word may be broken is a dictionary
question; ICU's line break iterator answers it (UAX #14 with ICU's Thai, Lao, Khmer
and Burmese dictionaries), through icu4py's binary wheels of ICU4C. No dictionary of
our own.

Only words holding one of these scripts go to ICU: every other word keeps the
wrapper's own rules, so Latin, CJK, Arabic and Indic text wraps exactly as before.
"""

from __future__ import annotations

import re
from functools import lru_cache

from icu4py.breakers import LineBreaker

__all__ = ["needs_dictionary", "word_pieces"]

# Thai, Lao, Myanmar (+ extended A and B), Khmer (+ symbols), Tai Tham, New Tai Lue, Tai Viet:
# the scripts UAX #14 gives line break class SA (South East Asian, complex context).
_SA = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u1980-\u19ff\u1a20-\u1aaf\ua9e0-\ua9ff\uaa60-\uaadf]"
)


def needs_dictionary(word: str) -> bool:
    """Whether ``word`` holds a character of a script written without spaces."""
    return _SA.search(word) is not None


@lru_cache(maxsize=4096)
def word_pieces(word: str) -> tuple[str, ...]:
    """``word`` cut where a line may break inside it (ICU's line break iterator, root
    locale: its dictionaries are chosen by script, not by locale); one piece when it
    may not be broken. The pieces joined are ``word``."""
    if not needs_dictionary(word):
        return (word,)
    # The iterator yields substrings: no UTF-16 offsets to convert.
    pieces = tuple(piece for piece in LineBreaker(word, "") if piece)
    if "".join(pieces) != word:  # pragma: no cover - ICU keeps every character
        return (word,)
    return pieces
