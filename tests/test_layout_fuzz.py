"""The layout fuzzer: hostile values in the bundled layouts, one line at a time.

Every mutated layout either is refused with a clean error that names the file (and,
for a layout error, the key) or builds a kit. A few dozen examples run in the default
suite; the long run (and whole builds through the command line, which must never
print "internal error") is marked slow.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import tempfile
from pathlib import Path

import pytest
from conftest import LAYOUTS, MINIMAL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envelopekit.errors import EnvelopekitError, LayoutError, RecordError

FILES = [*sorted(LAYOUTS.glob("*.toml")), MINIMAL]
TEXTS = {p: p.read_text(encoding="utf-8") for p in FILES}
KEY = re.compile(r"^(\s*)([A-Za-z0-9_\-]+)(\s*=\s*)(.+)$")

HOSTILE = [
    '"1/0mm"', '"0/0mm"', '"0mm"', '"-3mm"', '"1e400mm"', '"0pt"', '"-1pt"', '"abc"', '""', "0", "-1",
    "nan", "inf", "-inf", "true", "false", '"false"', "[]", "[1, 2]", '["1mm"]',
    '["0mm", "0mm", "0mm", "0mm"]', '["-1mm", "-1mm", "1mm", "1mm"]', "{}", "{a = 1}", "9" * 5000,
    '"/"', '"../x"', '"a/b"', '"/abs"', '".."', "[0.5, 50, 0, 0]", "[nan, 0, 0, 0]", '"0.001pt"',
    '"100000mm"', '"1 1/0in"', '"1x1mm"', '"0x0mm"', '"99999x99999mm"', '"{first_name"', '"}"',
    '"{nonexistent}"', '"9999999999999999999999mm"', '["0pt"]', '["-2pt", "1pt"]', "[[1]]", '"5000mm"',
    '"1e9gsm"', '"auto"', '"A7"', '"C6"', '"DL"', '"random"', "12", "8", "2", '"http://x.example"',
    '"javascript:alert(1)"', '{ seal_flap = "1/0mm" }', '{ seal_flap = "45mm" }', '{ glue = 3 }',
    '{ shoulder = "nan" }', '{ overlap = "500mm" }', '"\\u202e"', '"x"', "[" * 60 + "]" * 60,
]  # fmt: skip
UNITS = ["mm", "pt", "in", "cm", "", "deg", "gsm", "x"]


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _number(x: float | int) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


numbers = st.one_of(st.integers(-(10**6), 10**6), st.floats(allow_nan=True, allow_infinity=True))
lengths = st.builds(lambda n, u: _toml_string(f"{_number(n)}{u}"), numbers, st.sampled_from(UNITS))
scalars = st.one_of(
    st.sampled_from(HOSTILE),
    numbers.map(_number),
    lengths,
    st.text(max_size=12).map(_toml_string),
    st.booleans().map(lambda b: "true" if b else "false"),
)
values = st.one_of(scalars, st.lists(scalars, max_size=5).map(lambda xs: "[" + ", ".join(xs) + "]"))


def _candidates(lines: list[str]) -> list[int]:
    out, multi = [], False
    for i, line in enumerate(lines):
        if multi:
            multi = line.count('"""') % 2 == 0
            continue
        m = KEY.match(line)
        if m:
            if m.group(4).count('"""') == 1:
                multi = True
            else:
                out.append(i)
    return out


@st.composite
def mutations(draw: st.DrawFn) -> tuple[Path, str, str]:
    """(layout file, mutated text, description) with one value replaced."""
    path = draw(st.sampled_from(FILES))
    lines = TEXTS[path].splitlines()
    index = draw(st.sampled_from(_candidates(lines)))
    m = KEY.match(lines[index])
    assert m is not None
    value = draw(values)
    lines[index] = f"{m.group(1)}{m.group(2)}{m.group(3)}{value}"
    return path, "\n".join(lines) + "\n", f"{path.name}:{index + 1}: {m.group(2)} = {value[:60]}"


def _check(path: Path, text: str) -> None:
    """A clean refusal naming the file (and the key), or a kit rendered to PDF."""
    from envelopekit import render_kit
    from envelopekit.layouts import parse_layout

    name = f"mutated-{path.name}"
    try:
        spec = parse_layout(text, file=name, base=path.parent)
        pdf = render_kit(spec, dict(spec.sample), key=b"a fuzzing key of more than 32 bytes!")
    except LayoutError as exc:
        assert exc.file == name, exc
        assert exc.key or exc.message.startswith("not valid TOML"), exc
        assert exc.line or not exc.key, exc
        return
    except RecordError:
        return  # the sample record is rejected like any record: the batch goes on
    except EnvelopekitError as exc:
        assert name in str(exc), exc
        return
    assert pdf.startswith(b"%PDF")


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(mutations())
def test_mutated_layouts_are_refused_cleanly_or_built(case: tuple[Path, str, str]) -> None:
    path, text, _ = case
    _check(path, text)


@pytest.mark.slow
@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_mutated_layouts_long_run(case: tuple[Path, str, str]) -> None:
    path, text, _ = case
    _check(path, text)


@pytest.mark.slow
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutations())
def test_mutated_layouts_never_reach_the_catch_all(tmp_path: Path, case: tuple[Path, str, str]) -> None:
    """Whole builds through the command line: never "internal error"."""
    from envelopekit.cli import main

    path, text, description = case
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    layout = folder / path.name  # the bundled layouts use no images: any folder will do
    layout.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        main(["build", str(layout), "-o", str(folder / "out"), "--workers", "1", "-q"])
    assert "internal error" not in err.getvalue(), (description, err.getvalue())
