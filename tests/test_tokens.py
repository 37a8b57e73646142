"""Tokens: Crockford alphabet, random uniqueness, HMAC signing and verification, keys."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envelopekit.errors import RecordError, TokenError
from envelopekit.tokens import (
    ALPHABET,
    DEFAULT_KEY_ENV,
    DEFAULT_LENGTH,
    DEFAULT_SIGNED_LENGTH,
    MAC_CHARS,
    MAX_KEY_FILE_BYTES,
    MAX_LENGTH,
    MIN_LENGTH,
    MIN_SIGNED_LENGTH,
    TokenIssuer,
    _check_value,
    checksum_ok,
    load_key,
    new_key,
    normalise_token,
    random_tokens,
    signed_parts,
    signed_token,
    verify_token,
)

KEY = b"k" * 16 + b"-test-signing-key"
OTHER_KEY = b"another-test-signing-key-32bytes"


def _is_token(text: str, length: int) -> bool:
    return len(text) == length and set(text) <= set(ALPHABET)


def test_alphabet_is_crockford() -> None:
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


# -- random tokens ------------------------------------------------------------------


@pytest.mark.parametrize("length", [MIN_LENGTH, DEFAULT_LENGTH, 13, MAX_LENGTH])
def test_random_tokens_alphabet_and_length(length: int) -> None:
    tokens = random_tokens(200, length)
    assert all(_is_token(t, length) for t in tokens)
    assert len(set(tokens)) == 200


def test_default_length_is_twelve() -> None:
    assert DEFAULT_LENGTH == 12
    assert all(len(t) == 12 for t in random_tokens(5))


@pytest.mark.parametrize("length", [0, 7, 27, 12.0, True, "12"])
def test_bad_lengths(length: object) -> None:
    with pytest.raises(TokenError):
        random_tokens(1, length)  # type: ignore[call-overload]


def test_random_uniqueness_over_100k() -> None:
    tokens = random_tokens(100_000, MIN_LENGTH)
    assert len(tokens) == 100_000
    assert len(set(tokens)) == 100_000
    # All 32 symbols show up in every position: no position is stuck.
    for pos in range(MIN_LENGTH):
        assert {t[pos] for t in tokens[:5000]} == set(ALPHABET)


def test_injected_rng_is_reproducible() -> None:
    a = random_tokens(50, rng=random.Random(7))
    b = random_tokens(50, rng=random.Random(7))
    c = random_tokens(50, rng=random.Random(8))
    assert a == b != c


class _Repeating:
    """A bad random source: the same bits ``repeat`` times, then new ones."""

    def __init__(self, repeat: int) -> None:
        self.calls, self.repeat = 0, repeat

    def getrandbits(self, k: int, /) -> int:
        self.calls += 1
        return 0 if self.calls <= self.repeat else self.calls


def test_collisions_are_retried_and_endless_ones_reported() -> None:
    tokens = random_tokens(3, rng=_Repeating(5))
    assert len(set(tokens)) == 3
    with pytest.raises(TokenError, match="no unused token"):
        random_tokens(2, rng=_Repeating(10_000))


def test_random_tokens_for_ids() -> None:
    ids = [f"r{i}" for i in range(100)]
    mapping = random_tokens(ids)
    assert list(mapping) == ids
    assert len(set(mapping.values())) == 100
    with pytest.raises(RecordError, match="more than once") as info:
        random_tokens(["a", "b", "a"])
    assert info.value.record_id == "a"
    with pytest.raises(TokenError):
        random_tokens("abc")
    with pytest.raises(TokenError):
        random_tokens(-1)
    assert random_tokens(0) == []


def test_issuer_streams_batches_without_repeats() -> None:
    issuer = TokenIssuer(MIN_LENGTH, rng=random.Random(1))
    first = [issuer.issue(f"a{i}") for i in range(500)]
    # A resumed run: seeded with what was issued, replaying the same random stream,
    # so its first call skips 500 taken tokens.
    resumed = TokenIssuer(MIN_LENGTH, rng=random.Random(1), issued=first)
    second = [resumed.issue() for _ in range(1000)]
    assert not set(first) & set(second)
    assert len(resumed) == 1500 and first[0] in resumed
    with pytest.raises(TokenError):
        TokenIssuer(issued=["TOO-SHORT"])


# -- signed tokens ------------------------------------------------------------------


def _signed_lengths() -> range:
    return range(MIN_SIGNED_LENGTH, MAX_LENGTH + 1)


def test_signed_is_deterministic_and_well_formed() -> None:
    a = signed_token(KEY, "ny2025", "rec-1")
    assert a == signed_token(KEY, "ny2025", "rec-1")
    assert _is_token(a, DEFAULT_SIGNED_LENGTH) and DEFAULT_SIGNED_LENGTH == 17
    assert verify_token(a, KEY, "ny2025")
    for length in _signed_lengths():
        token = signed_token(KEY, "ny2025", "rec-1", length=length)
        assert _is_token(token, length)
        assert verify_token(token, KEY, "ny2025", length=length)


def test_signed_tokens_are_pinned() -> None:
    """The format is a promise: links already printed must keep verifying."""
    assert signed_token(KEY, "ny2025", "rec-1") == "KFN8QACQW6VAQHS1X"
    assert signed_token(KEY, "ny2025", "rec-1", length=26) == "KFN8QACQVCMBXRK5Q3Y7SSM2V5"


def test_the_mac_has_at_least_40_bits() -> None:
    for length in _signed_lengths():
        id_chars, mac_chars = signed_parts(length)
        assert id_chars + mac_chars + 1 == length
        assert 5 * mac_chars >= 40 and 5 * id_chars >= 35
    assert signed_parts(DEFAULT_SIGNED_LENGTH) == (8, 8)
    assert MAC_CHARS == 8


@pytest.mark.parametrize("length", [MIN_LENGTH, 12, MIN_SIGNED_LENGTH - 1, MAX_LENGTH + 1])
def test_signed_tokens_refuse_short_macs(length: int) -> None:
    with pytest.raises(TokenError, match="40-bit MAC"):
        signed_token(KEY, "c", "r", length=length)
    with pytest.raises(TokenError):
        TokenIssuer(length, key=KEY)
    with pytest.raises(TokenError):
        verify_token("0" * length, KEY, "c", length=length)


def test_signed_depends_on_every_input() -> None:
    base = signed_token(KEY, "ny2025", "rec-1")
    assert signed_token(OTHER_KEY, "ny2025", "rec-1") != base
    assert signed_token(KEY, "ny2026", "rec-1") != base
    assert signed_token(KEY, "ny2025", "rec-2") != base
    # Framing: moving a separator between campaign and id changes the token.
    assert signed_token(KEY, "a|b", "c") != signed_token(KEY, "a", "b|c")


def test_a_token_of_another_campaign_fails() -> None:
    token = signed_token(KEY, "wedding-2027", "G-001")
    assert verify_token(token, KEY, "wedding-2027")
    assert not verify_token(token, KEY, "help-me")
    assert not verify_token(token, KEY, "")


def test_a_token_is_valid_only_at_its_campaigns_length() -> None:
    token = signed_token(KEY, "c", "r", length=20)
    assert verify_token(token, KEY, "c", length=20)
    assert not verify_token(token, KEY, "c")  # the default length, 17
    # Cutting a long token short does not give a valid short one: the length is in the MAC.
    long = signed_token(KEY, "c", "r", length=MAX_LENGTH)
    for length in _signed_lengths():
        if length == MAX_LENGTH:
            continue
        id_chars, mac_chars = signed_parts(length)
        body = long[:id_chars] + long[id_chars : id_chars + mac_chars]
        assert not verify_token(body + long[-1], KEY, "c", length=length)


def test_random_guesses_never_pass() -> None:
    """Forgery odds are 1 in 2**40 per guess; 20 000 guesses of every length pass none
    (the old 8-character tokens passed one random guess in 1 024)."""
    rng = random.Random(11)
    for length in (MIN_SIGNED_LENGTH, DEFAULT_SIGNED_LENGTH):
        guesses = random_tokens(10_000, length, rng=rng)
        assert not any(verify_token(g, KEY, "c", length=length) for g in guesses)
    # Even guesses with a correct check character (what a forger can compute) fail.
    fixed = [g[:-1] + ALPHABET[_check_value(g[:-1])] for g in random_tokens(2_000, 17, rng=rng)]
    assert all(checksum_ok(g) for g in fixed)
    assert not any(verify_token(g, KEY, "c") for g in fixed)


def test_signed_tokens_differ_across_keys() -> None:
    ids = [f"rec-{i}" for i in range(500)]
    mine = {signed_token(KEY, "c", i) for i in ids}
    theirs = {signed_token(OTHER_KEY, "c", i) for i in ids}
    assert len(mine) == len(theirs) == 500
    assert not mine & theirs


def test_verify_with_wrong_key_fails() -> None:
    token = signed_token(KEY, "c", "r")
    assert verify_token(token, KEY, "c")
    assert not verify_token(token, OTHER_KEY, "c")
    assert not any(verify_token(t, KEY, "c") for t in random_tokens(200, 17, rng=random.Random(3)))


@pytest.mark.parametrize("length", [MIN_SIGNED_LENGTH, DEFAULT_SIGNED_LENGTH, MAX_LENGTH])
def test_every_single_character_change_fails(length: int) -> None:
    for record in ("rec-1", "rec-2", "Zoë"):
        token = signed_token(KEY, "ny2025", record, length=length)
        assert verify_token(token, KEY, "ny2025", length=length) and checksum_ok(token)
        for pos in range(length):
            for ch in ALPHABET:
                if ch == token[pos]:
                    continue
                changed = token[:pos] + ch + token[pos + 1 :]
                assert not checksum_ok(changed), (token, changed)
                assert not verify_token(changed, KEY, "ny2025", length=length), (token, changed)


def test_every_swap_of_two_characters_fails() -> None:
    token = signed_token(KEY, "ny2025", "rec-9")
    for i in range(len(token)):
        for j in range(i + 1, len(token)):
            if token[i] != token[j]:
                chars = list(token)
                chars[i], chars[j] = chars[j], chars[i]
                assert not verify_token("".join(chars), KEY, "ny2025")


def test_truncated_and_extended_tokens_fail() -> None:
    token = signed_token(KEY, "c", "r")
    assert not verify_token(token[:-1], KEY, "c")
    assert not verify_token(token + "0", KEY, "c")
    assert not verify_token("", KEY, "c")
    assert not verify_token("U" * 17, KEY, "c")
    assert not verify_token("\x1b[31m" + token, KEY, "c")


_TEXT = st.characters(exclude_categories=["Cs"])


@settings(max_examples=50, deadline=None)
@given(
    key=st.binary(min_size=16, max_size=64),
    campaign=st.text(_TEXT, max_size=20),
    record=st.text(_TEXT, min_size=1, max_size=30),
    length=st.integers(MIN_SIGNED_LENGTH, MAX_LENGTH),
)
def test_signed_round_trip_property(key: bytes, campaign: str, record: str, length: int) -> None:
    token = signed_token(key, campaign, record, length=length)
    assert _is_token(token, length)
    assert verify_token(token, key, campaign, length=length)
    assert verify_token("-".join([token[:4], token[4:].lower()]), key, campaign, length=length)
    assert not verify_token(token, key, campaign + "x", length=length)


def test_signed_needs_a_good_key_and_id() -> None:
    with pytest.raises(TokenError, match="at least 16"):
        signed_token(b"short", "c", "r")
    with pytest.raises(TokenError, match="bytes"):
        signed_token("a-string-key-of-enough-length", "c", "r")  # type: ignore[arg-type]
    with pytest.raises(TokenError, match="record id"):
        signed_token(KEY, "c", "")


def test_signed_issuer_detects_collisions_and_repeats() -> None:
    issuer = TokenIssuer(key=KEY, campaign="ny2025")
    assert issuer.length == DEFAULT_SIGNED_LENGTH and TokenIssuer().length == DEFAULT_LENGTH
    token = issuer.issue("rec-1")
    assert token == signed_token(KEY, "ny2025", "rec-1")
    with pytest.raises(RecordError, match="more than once"):
        issuer.issue("rec-1")
    with pytest.raises(TokenError, match="needs the record id"):
        issuer.issue()


def test_signed_issuer_reports_coinciding_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two records with one token need 2**35 tries at the shortest length: fake the clash.
    monkeypatch.setattr("envelopekit.tokens.signed_token", lambda *a, **k: "0" * MIN_SIGNED_LENGTH)
    short = TokenIssuer(MIN_SIGNED_LENGTH, key=KEY, campaign="big")
    short.issue("rec-1")
    with pytest.raises(TokenError, match="same signed token") as info:
        short.issue("rec-2")
    assert "longer token length" in str(info.value)


# -- normalising --------------------------------------------------------------------


def test_normalise_confusables_case_and_separators() -> None:
    assert normalise_token("abcd-efgh-jkmn") == "ABCDEFGHJKMN"
    assert normalise_token(" 1iIlL 0oO 2345 ") == "11111000" + "2345"
    assert normalise_token("o0o0-l1l1") == "00001111"
    with pytest.raises(TokenError, match="'U' at position 1"):
        normalise_token("UBCDEFGH")
    with pytest.raises(TokenError, match="'#'"):
        normalise_token("ABCD#EFGH")
    with pytest.raises(TokenError, match="expected 8-26"):
        normalise_token("ABC")
    with pytest.raises(TokenError, match="expected 12"):
        normalise_token("ABCDEFGH", length=12)


def test_verify_accepts_typed_variants() -> None:
    token = signed_token(KEY, "c", "r-42")
    typed = token.lower().replace("1", "l").replace("0", "o")
    typed = f"{typed[:4]}-{typed[4:8]} {typed[8:]}"
    assert normalise_token(typed) == token
    assert verify_token(typed, KEY, "c")


# -- keys ---------------------------------------------------------------------------


def test_load_key_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEFAULT_KEY_ENV, "  0123456789abcdef-env-key\n")
    assert load_key() == b"0123456789abcdef-env-key"
    assert load_key(env="OTHER", environ={"OTHER": "x" * 16}) == b"x" * 16


def test_load_key_from_file(tmp_path: Path) -> None:
    path = tmp_path / "token.key"
    path.write_text(new_key() + "\n")
    key = load_key(file=path, environ={})
    assert len(key) >= 32 and not key.endswith(b"\n")
    assert load_key(file=str(path), environ={}) == key
    token = signed_token(key, "c", "r")
    assert verify_token(token, load_key(file=path, environ={}), "c")


def test_load_key_errors(tmp_path: Path) -> None:
    with pytest.raises(TokenError) as info:
        load_key(environ={})
    text = str(info.value)
    assert DEFAULT_KEY_ENV in text and "no token signing key" in text and "token new-key" in text
    with pytest.raises(TokenError, match="at least 16"):
        load_key(environ={DEFAULT_KEY_ENV: "short"})
    with pytest.raises(TokenError, match="key file not found"):
        load_key(file=tmp_path / "missing.key", environ={DEFAULT_KEY_ENV: "x" * 32})
    empty = tmp_path / "empty.key"
    empty.write_text("\n")
    with pytest.raises(TokenError, match="key file is empty"):
        load_key(file=empty)
    with pytest.raises(TokenError, match="is a folder"):
        load_key(file=tmp_path)


def test_load_key_reads_a_bounded_prefix(tmp_path: Path) -> None:
    """/dev/zero, a log file or a disk image given as the key file is refused unread."""
    big = tmp_path / "big.key"
    big.write_bytes(b"k" * (MAX_KEY_FILE_BYTES + 1))
    with pytest.raises(TokenError, match=f"longer than {MAX_KEY_FILE_BYTES} bytes"):
        load_key(file=big)
    if Path("/dev/zero").exists():
        with pytest.raises(TokenError, match="longer than"):
            load_key(file="/dev/zero")
    exact = tmp_path / "exact.key"
    exact.write_bytes(b"k" * MAX_KEY_FILE_BYTES)
    assert len(load_key(file=exact)) == MAX_KEY_FILE_BYTES


def test_load_key_from_a_pipe(tmp_path: Path) -> None:
    """A FIFO (``--key-file <(pass show key)``) is read like a file."""
    import os
    import threading

    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as f:
            f.write(b"0123456789abcdef-from-a-pipe\n")

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        assert load_key(file=fifo) == b"0123456789abcdef-from-a-pipe"
    finally:
        writer.join(5)
