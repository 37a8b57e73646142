"""The wheel must carry every subpackage, the fonts and the layouts."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "envelopekit").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert config["package-dir"] == {"envelopekit.fonts": "fonts", "envelopekit.layouts": "layouts"}


def test_bundled_data_matches_the_package_data_patterns():
    for folder, patterns in (("fonts", ("*.ttf", "*.txt", "*.md")), ("layouts", ("*.toml", "*.md"))):
        files = {p.name for p in (ROOT / folder).iterdir() if p.is_file()}
        covered = {p.name for pattern in patterns for p in (ROOT / folder).glob(pattern)}
        assert files == covered, f"{folder}/ has files the wheel would leave out: {sorted(files - covered)}"


def test_the_package_version_is_pyprojects() -> None:
    import tomllib
    from pathlib import Path

    from envelopekit import __version__

    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    assert project["project"]["version"] == __version__
