"""Terminal safety: nothing from a token, a QR code or a record reaches the terminal raw."""

from __future__ import annotations

from pathlib import Path

import pytest

from envelopekit.cli import main
from envelopekit.terminal import printable
from envelopekit.tokens import signed_token
from envelopekit.verify import Finding

KEY = "0123456789abcdef-terminal-test-key"
HOSTILE = "\x1b[2J\x1b]0;owned\x07\x1b]8;;https://evil.example/\x1b\\click\r\u202evalid\u2066\x9b31m\u2028"


def test_printable_escapes_controls_and_keeps_text() -> None:
    assert printable("Zoë Ørsted 中文, tab-free") == "Zoë Ørsted 中文, tab-free"
    shown = printable(HOSTILE)
    assert shown.isprintable() and "\x1b" not in shown
    for escape in ("\\x1b[2J", "\\x07", "\\x0d", "\\u202e", "\\u2066", "\\x9b", "\\u2028"):
        assert escape in shown
    assert printable("a\nb") == "a\\x0ab" and printable("a\nb", newlines=True) == "a\nb"
    assert printable("\udc80") == "\\udc80" and printable(42) == "42"


def test_findings_print_decoded_text_escaped() -> None:
    finding = Finding("info", "kits-00001.pdf", 1, None, f"QR code {HOSTILE}")
    assert "\x1b" not in str(finding) and "\\x1b]0;owned" in str(finding)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "token.key"
    path.write_text(KEY + "\n")
    return path


def test_token_verify_echoes_input_escaped(key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["token", "verify", "--key-file", str(key_file), "--campaign", "c", HOSTILE])
    out = capsys.readouterr().out
    assert code == 1 and "\x1b" not in out and "\u202e" not in out and "INVALID" in out


def test_token_verify_with_the_layout(key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = signed_token(KEY.encode(), "HELPME-2027", "R0001")
    other = signed_token(KEY.encode(), "WEDDING", "R0001")
    url = f"https://survey.example.org/helpme?t={good}&utm_source=gift"
    args = ["token", "verify", "--layout", "help-me", "--key-file", str(key_file)]
    assert main([*args, good, url, good.lower()]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{good}\tvalid"] * 3
    assert main([*args, other, good[:-1] + ("0" if good[-1] != "0" else "1"), good[:12]]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "not signed with this key for campaign 'HELPME-2027'" in lines[0]
    assert "mistyped" in lines[1]
    assert "12 characters, the campaign's tokens have 17" in lines[2]
    # Options after the tokens work too, and --campaign stands in for the layout.
    assert main(["token", "verify", good, "--key-file", str(key_file), "--campaign", "HELPME-2027"]) == 0


def test_token_verify_needs_the_campaign(key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "verify", "--key-file", str(key_file), "0" * 17]) == 1
    err = capsys.readouterr().err
    assert "needs the campaign" in err and "--layout" in err
    assert main(["token", "verify", "--layout", "help-me", "--link", "nope", "X" * 17]) == 1
    assert "no link 'nope'" in capsys.readouterr().err


def test_token_new_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "new-key"]) == 0
    assert len(capsys.readouterr().out.strip()) == 43


def test_preview_skipped_reasons_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "people.csv"
    data.write_text(
        "id,first_name,last_name,street,city,postal_code,country\n"
        "R1,Ada,Lovelace,1 High St,London,SW1A 1AA,GB\n"
        '"R2\x1b[31m",Bob,Byte,2 High St,London,SW1A 1AA,GB\n'
    )
    code = main(
        ["preview", "help-me", "--data", str(data), "--record", "R2\x1b[31m", "-o", str(tmp_path / "p")]
    )
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert code in (0, 1, 2)
