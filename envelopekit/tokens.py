"""Per-record survey tokens in Crockford base32.

A token stands in for the recipient in the survey link (no personal data in
URLs; the manifest maps tokens to people). Tokens use Crockford's alphabet
``0123456789ABCDEFGHJKMNPQRSTVWXYZ``: uppercase, no I, L, O or U, so a person
typing one from paper cannot confuse ``1``/``I``/``L`` or ``0``/``O``, and a URL
made of uppercase letters and digits stays in QR alphanumeric mode. Each
character carries 5 bits.

Two kinds:

* **random** (:func:`random_tokens`, :class:`TokenIssuer`): from :mod:`secrets`,
  unique within the batch; the manifest is the only way back to the record. All
  ``5 * L`` bits are random (60 at the default 12 characters), so guessing a token
  someone holds, out of ``n`` issued, succeeds with odds of ``n`` in ``2**(5 * L)``.
* **signed** (:func:`signed_token`): deterministic from (key, campaign, record
  id), so rebuilding a batch gives the same links, and checkable from the token
  and the campaign alone with :func:`verify_token`. Layout of a signed token of
  length ``L`` (:data:`MIN_SIGNED_LENGTH` to :data:`MAX_LENGTH`, default
  :data:`DEFAULT_SIGNED_LENGTH`)::

      id part   HMAC-SHA256(key, "id", campaign, record_id)          L - 1 - m chars
      mac part  HMAC-SHA256(key, "mac", campaign, L, id part)        m = max(8, (L - 1) // 2)
      check     one character: a weighted sum over GF(32) of all the others

  The check character catches every single-character typo and every swap of two
  characters for certain. The MAC part tells a forged or misremembered token from
  a real one: it has at least 40 bits, so a guess passes with odds of 1 in 2**40
  (about a trillion) at every accepted length. The campaign and the length are
  inside the MAC, so a token of another campaign signed with the same key, or a
  real token cut short or padded, fails; :func:`verify_token` accepts only the
  campaign's own length. The id part (40 bits at the default 17 characters) keeps
  the tokens of different records apart; :class:`TokenIssuer` and the batch runner
  report the rare pair that coincides.

The signing key comes from the environment or a key file (:func:`load_key`),
never from the layout, which is shared with designers and print shops.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol, overload

from .errors import RecordError, TokenError

__all__ = [
    "ALPHABET",
    "DEFAULT_KEY_ENV",
    "DEFAULT_LENGTH",
    "DEFAULT_SIGNED_LENGTH",
    "MAC_CHARS",
    "MAX_KEY_FILE_BYTES",
    "MAX_LENGTH",
    "MIN_KEY_BYTES",
    "MIN_LENGTH",
    "MIN_SIGNED_LENGTH",
    "BitSource",
    "TokenIssuer",
    "checksum_ok",
    "load_key",
    "new_key",
    "normalise_token",
    "random_tokens",
    "signed_parts",
    "signed_token",
    "verify_token",
]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford base32, in value order."""
DEFAULT_LENGTH = 12
"""Characters in a random token by default: 60 random bits."""
MIN_LENGTH = 8
"""The shortest random token (40 bits)."""
MAX_LENGTH = 26
MAC_CHARS = 8
"""The fewest MAC characters of a signed token: 40 bits, a forger's odds 1 in 2**40."""
MIN_SIGNED_LENGTH = 16
"""The shortest signed token: 7 id characters (35 bits), 8 MAC characters, the check."""
DEFAULT_SIGNED_LENGTH = 17
"""Characters in a signed token by default: a 40-bit id part and a 40-bit MAC."""
MAX_KEY_FILE_BYTES = 4096
"""A key file longer than this is refused unread (a wrong path, /dev/zero, a log)."""
DEFAULT_KEY_ENV = "ENVELOPEKIT_TOKEN_KEY"
"""The environment variable :func:`load_key` reads by default."""
MIN_KEY_BYTES = 16
"""Shorter keys are refused: a short key can be found by trying them all."""

_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford decoding: case-insensitive, I and L read as 1, O read as 0.
_DECODE = {**_VALUE, **{ch.lower(): i for ch, i in _VALUE.items()}}
_DECODE.update({"I": 1, "i": 1, "L": 1, "l": 1, "O": 0, "o": 0})
_SEPARATORS = frozenset("- \t\r\n")
# Standard base32 (RFC 4648) digits in value order, mapped onto Crockford's.
_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)
_MAX_RETRIES = 1000


class BitSource(Protocol):
    """Anything with ``getrandbits`` (``random.Random``, ``secrets.SystemRandom``)."""

    def getrandbits(self, k: int, /) -> int: ...


# -- GF(32) check character ------------------------------------------------------
# Field arithmetic modulo the primitive polynomial x^5 + x^2 + 1. Position i of the
# body has weight alpha^(i+1), the check character weight 1; all weights differ
# and none is zero, so one changed character, or two swapped, changes the sum.

_EXP: list[int] = []
_x = 1
for _ in range(31):
    _EXP.append(_x)
    _x <<= 1
    if _x & 0b100000:
        _x ^= 0b100101
_LOG = {v: i for i, v in enumerate(_EXP)}
del _x


def _gf_mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[(_LOG[a] + _LOG[b]) % 31]


def _check_value(body: str) -> int:
    total = 0
    for i, ch in enumerate(body):
        total ^= _gf_mul(_EXP[(i + 1) % 31], _VALUE[ch])
    return total


def checksum_ok(token: str) -> bool:
    """True when a signed token's check character fits; needs no key.

    Lets a form say "mistyped" before asking the server. Input is normalised
    first; malformed input gives False.
    """
    try:
        text = normalise_token(token)
    except TokenError:
        return False
    return _check_value(text[:-1]) == _VALUE[text[-1]]


# -- helpers ------------------------------------------------------------------------


def _check_length(length: object, *, signed: bool = False) -> int:
    if isinstance(length, bool) or not isinstance(length, int):
        raise TokenError(f"token length must be a whole number, got {length!r}")
    low, default = (MIN_SIGNED_LENGTH, DEFAULT_SIGNED_LENGTH) if signed else (MIN_LENGTH, DEFAULT_LENGTH)
    if not low <= length <= MAX_LENGTH:
        kind = "a signed token's" if signed else "token"
        why = f" (a {MAC_CHARS * 5}-bit MAC and an id part)" if signed else ""
        raise TokenError(
            f"{kind} length {length} is outside {low}-{MAX_LENGTH}{why}",
            hint=f"{default} suits most campaigns; use more for very large ones",
        )
    return length


def _encode(data: bytes, length: int) -> str:
    """The first ``length`` Crockford characters of ``data`` (5 bits each)."""
    return base64.b32encode(data).decode("ascii").translate(_FROM_RFC4648)[:length]


def _random_token(rng: BitSource | None, length: int) -> str:
    nbytes = (5 * length + 7) // 8
    if rng is None:
        return _encode(secrets.token_bytes(nbytes), length)
    return _encode(rng.getrandbits(8 * nbytes).to_bytes(nbytes, "big"), length)


def normalise_token(text: str, *, length: int | None = None) -> str:
    """Read a token the way a person may type it; return it in canonical form.

    Case is ignored, hyphens and spaces are dropped, and per Crockford ``I``/``L``
    read as ``1`` and ``O`` as ``0``. ``U`` and other characters are errors.
    """
    if not isinstance(text, str):
        raise TokenError(f"a token must be a string, got {type(text).__name__}")
    out: list[str] = []
    for pos, ch in enumerate(text, start=1):
        if ch in _SEPARATORS:
            continue
        value = _DECODE.get(ch)
        if value is None:
            raise TokenError(
                f"character {ch!r} at position {pos} cannot be part of a token",
                hint=f"tokens use only {ALPHABET}",
            )
        out.append(ALPHABET[value])
    token = "".join(out)
    if length is not None:
        if len(token) != length:
            raise TokenError(f"token {_short(token)!r} has {len(token)} characters, expected {length}")
    elif not MIN_LENGTH <= len(token) <= MAX_LENGTH:
        raise TokenError(
            f"token {_short(token)!r} has {len(token)} characters, expected {MIN_LENGTH}-{MAX_LENGTH}"
        )
    return token


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "\u2026"


# -- random tokens -----------------------------------------------------------------


@overload
def random_tokens(
    n_or_ids: int, length: int = DEFAULT_LENGTH, *, rng: BitSource | None = None
) -> list[str]: ...
@overload
def random_tokens(
    n_or_ids: Iterable[str], length: int = DEFAULT_LENGTH, *, rng: BitSource | None = None
) -> dict[str, str]: ...
def random_tokens(
    n_or_ids: int | Iterable[str],
    length: int = DEFAULT_LENGTH,
    *,
    rng: BitSource | None = None,
) -> list[str] | dict[str, str]:
    """Fresh random tokens, unique within the call.

    Given a count, returns a list; given record ids, returns ``{record_id: token}``
    (a repeated id is a :class:`RecordError`). ``rng`` replaces :mod:`secrets` for
    reproducible tests only: production tokens must be unpredictable.
    """
    issuer = TokenIssuer(length, rng=rng)
    if isinstance(n_or_ids, bool | str):
        raise TokenError("pass a count or a collection of record ids")
    if isinstance(n_or_ids, int):
        if n_or_ids < 0:
            raise TokenError(f"cannot make {n_or_ids} tokens")
        return [issuer.issue() for _ in range(n_or_ids)]
    out: dict[str, str] = {}
    for record_id in n_or_ids:
        if record_id in out:
            raise RecordError("record id appears more than once", record_id=record_id)
        out[record_id] = issuer.issue(record_id)
    return out


class TokenIssuer:
    """Hands out tokens over a stream of batches, never the same one twice.

    Random by default; with ``key`` (and ``campaign``) it issues signed tokens and
    reports the rare case of two records whose signed tokens coincide, which a
    longer ``length`` fixes. ``length`` defaults to :data:`DEFAULT_LENGTH` for random
    tokens and :data:`DEFAULT_SIGNED_LENGTH` for signed ones. ``issued`` seeds it with
    tokens already given out (a resumed batch) as ``{token: record_id}`` or plain
    tokens. It remembers every token, about 100 bytes each.
    """

    __slots__ = ("_owners", "_rng", "campaign", "key", "length")

    def __init__(
        self,
        length: int | None = None,
        *,
        rng: BitSource | None = None,
        key: bytes | None = None,
        campaign: str = "",
        issued: Mapping[str, str] | Iterable[str] = (),
    ) -> None:
        if length is None:
            length = DEFAULT_LENGTH if key is None else DEFAULT_SIGNED_LENGTH
        self.length = _check_length(length, signed=key is not None)
        self.key = None if key is None else _check_key(key)
        self.campaign = campaign
        self._rng = rng
        self._owners: dict[str, str | None] = {}
        if isinstance(issued, Mapping):
            for token, owner in issued.items():
                self.reserve(token, owner)
        else:
            for token in issued:
                self.reserve(token)

    def __len__(self) -> int:
        return len(self._owners)

    def __contains__(self, token: object) -> bool:
        return token in self._owners

    def reserve(self, token: str, record_id: str | None = None) -> None:
        """Mark ``token`` as taken (for example, read back from an earlier manifest)."""
        canonical = normalise_token(token, length=self.length)
        self._owners.setdefault(canonical, record_id)

    def issue(self, record_id: str | None = None) -> str:
        """Return a token no one else holds; signed issuers need ``record_id``."""
        if self.key is not None:
            return self._issue_signed(self.key, record_id)
        for _ in range(_MAX_RETRIES):
            token = _random_token(self._rng, self.length)
            if token not in self._owners:
                self._owners[token] = record_id
                return token
        raise TokenError(
            f"no unused token found after {_MAX_RETRIES} tries",
            hint="the random source repeats itself, or the token length is too short",
        )

    def _issue_signed(self, key: bytes, record_id: str | None) -> str:
        if record_id is None:
            raise TokenError("a signed token needs the record id")
        token = signed_token(key, self.campaign, record_id, length=self.length)
        if token in self._owners:
            owner = self._owners[token]
            if owner == record_id:
                raise RecordError("record id appears more than once", record_id=record_id)
            raise TokenError(
                f"records {owner!r} and {record_id!r} have the same signed token {token}",
                hint=f"use a longer token length than {self.length}",
            )
        self._owners[token] = record_id
        return token


# -- signed tokens -----------------------------------------------------------------


def _check_key(key: object) -> bytes:
    if not isinstance(key, bytes):
        raise TokenError(f"the signing key must be bytes, got {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise TokenError(
            f"the signing key has {len(key)} bytes, at least {MIN_KEY_BYTES} are needed",
            hint="make one with: envelopekit.tokens.new_key()",
        )
    return key


def _frame(*parts: str) -> bytes:
    """Join parts unambiguously: a '|' in a campaign name cannot shift the record id."""
    out = bytearray(b"envelopekit-token-v2")
    for part in parts:
        data = part.encode("utf-8")
        out += len(data).to_bytes(4, "big") + data
    return bytes(out)


def signed_parts(length: int) -> tuple[int, int]:
    """(id characters, MAC characters) of a signed token of ``length``; one check
    character follows. The MAC has at least :data:`MAC_CHARS` (40 bits)."""
    _check_length(length, signed=True)
    mac = max(MAC_CHARS, (length - 1) // 2)
    return length - 1 - mac, mac


def _mac(key: bytes, campaign: str, length: int, id_part: str, size: int) -> str:
    """The MAC binds the campaign and the token's length: neither can be swapped."""
    digest = hmac.new(key, _frame("mac", campaign, str(length), id_part), hashlib.sha256).digest()
    return _encode(digest, size)


def signed_token(key: bytes, campaign: str, record_id: str, *, length: int = DEFAULT_SIGNED_LENGTH) -> str:
    """The token of ``record_id`` in ``campaign``: the same inputs always give it.

    Distinct records get distinct tokens except by rare chance (an id part of
    40 bits at the default length); :class:`TokenIssuer` detects that case.
    """
    _check_key(key)
    id_size, mac_size = signed_parts(length)
    if not isinstance(campaign, str) or not isinstance(record_id, str):
        raise TokenError("campaign and record id must be strings")
    if not record_id:
        raise TokenError("a signed token needs a non-empty record id")
    digest = hmac.new(key, _frame("id", campaign, record_id), hashlib.sha256).digest()
    id_part = _encode(digest, id_size)
    body = id_part + _mac(key, campaign, length, id_part, mac_size)
    return body + ALPHABET[_check_value(body)]


def verify_token(token: str, key: bytes, campaign: str, *, length: int = DEFAULT_SIGNED_LENGTH) -> bool:
    """True when ``token`` was signed with ``key`` for ``campaign`` at ``length`` characters.

    Needs neither manifest nor record, only what the layout says: the campaign
    (its ``job``, else its name) and the link's ``token_length``. Input is
    normalised first (case, hyphens, confusables); malformed input, a token of
    another length or of another campaign gives False. It proves origin, not
    freshness: look the token up in the manifest to learn whom it belongs to and
    whether it was already used.
    """
    _check_key(key)
    id_size, mac_size = signed_parts(length)
    if not isinstance(campaign, str):
        raise TokenError("the campaign must be a string")
    try:
        text = normalise_token(token, length=length)
    except TokenError:
        return False
    body, check = text[:-1], text[-1]
    if _check_value(body) != _VALUE[check]:
        return False
    expected = _mac(key, campaign, length, body[:id_size], mac_size)
    return hmac.compare_digest(expected, body[id_size:])


# -- keys ---------------------------------------------------------------------------


def _read_key_file(path: Path, where: str, hint: str) -> bytes:
    """At most :data:`MAX_KEY_FILE_BYTES` of a key file, stripped: a pipe (``<(pass key)``)
    works, ``/dev/zero`` or a log file given by mistake is refused without reading it all."""
    try:
        if path.is_dir():
            raise TokenError("the key file is a folder", where=where, hint=hint)
        with open(path, "rb") as f:
            raw = f.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise TokenError("key file not found", where=where, hint=hint) from None
    except OSError as exc:
        raise TokenError(f"cannot read key file: {exc.strerror or exc}", where=where) from None
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise TokenError(
            f"the key file is longer than {MAX_KEY_FILE_BYTES} bytes: is it the right file?",
            where=where,
            hint="a key file holds one line, such as `envelopekit token new-key` prints",
        )
    raw = raw.strip()
    if not raw:
        raise TokenError("key file is empty", where=where, hint=hint)
    return raw


def new_key() -> str:
    """A fresh signing key (43 URL-safe characters, 256 bits) to store in the env or a file."""
    return secrets.token_urlsafe(32)


def load_key(
    *,
    env: str = DEFAULT_KEY_ENV,
    file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> bytes:
    """The signing key from a key file, when ``file`` is given, or else ``$env``.

    Surrounding whitespace (the newline an editor adds) is dropped; the rest is
    the key, as UTF-8 bytes of at least :data:`MIN_KEY_BYTES`. ``environ``
    replaces :data:`os.environ` in tests. The key never comes from a layout: a
    layout is shared with people who must not be able to mint tokens.
    """
    hint = (
        f"set {env}, or pass --token-key-file FILE on the command line (key_file= in Python); "
        "make a key with `envelopekit token new-key > token.key` and keep it secret"
    )
    if file is not None:
        where = os.fspath(file)
        raw = _read_key_file(Path(file), where, hint)
    else:
        where = f"${env}"
        value = (os.environ if environ is None else environ).get(env, "").strip()
        if not value:
            raise TokenError("no token signing key", where=where, hint=hint)
        raw = value.encode("utf-8")
    if len(raw) < MIN_KEY_BYTES:
        raise TokenError(
            f"the signing key has {len(raw)} bytes, at least {MIN_KEY_BYTES} are needed",
            where=where,
            hint=hint,
        )
    return raw
