"""The built wheel and sdist: licence, data files, metadata, and an sdist that can test.

Both are built offline from a copy of the source tree (setuptools' PEP 517 hooks,
no build isolation: the test extra installs setuptools>=77), so the working tree is
never touched and no index is contacted.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import bikefinder

REPO = Path(__file__).parent.parent
SOURCES = (
    "pyproject.toml",
    "README.md",
    "LICENSE",
    "LICENSE-DATA.md",
    "MANIFEST.in",
    "babel.cfg",
    "CHANGELOG.md",
)
TREES = ("bikefinder", "tests", "docs")


def build(kind: str, tmp_path: Path) -> Path:
    """Build a ``wheel`` or ``sdist`` from a copy of the sources; the archive's path."""
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        shutil.copy2(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "*.egg-info")
    for tree in TREES:
        shutil.copytree(REPO / tree, source / tree, ignore=ignore)
    (source / "scripts").mkdir()
    shutil.copy2(REPO / "scripts/update_translations.py", source / "scripts")
    out = tmp_path / "dist"
    hook = f"from setuptools import build_meta; print(build_meta.build_{kind}({str(out)!r}))"
    done = subprocess.run(
        [sys.executable, "-c", hook], cwd=source, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    with zipfile.ZipFile(build("wheel", tmp_path_factory.mktemp("wheel"))) as archive:
        yield archive


@pytest.fixture(scope="module")
def sdist_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    with tarfile.open(build("sdist", tmp_path_factory.mktemp("sdist"))) as archive:
        # "bikefinder-0.2.0/tests/conftest.py" -> "tests/conftest.py"
        return {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}


def test_wheel_holds_the_licence_the_stylesheet_and_the_data(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    dist_info = f"bikefinder-{bikefinder.__version__}.dist-info"
    assert f"{dist_info}/licenses/LICENSE" in names
    assert "MIT License" in wheel.read(f"{dist_info}/licenses/LICENSE").decode()
    assert "bikefinder/ui/app.tcss" in names
    for data in (
        "systems.csv",
        "cities.tsv",
        "places.tsv",
        "system_locations.json",
        "schema/answer.schema.json",  # the JSON Schema of every printed JSON document
        "locale/fr/LC_MESSAGES/bikefinder.mo",  # the UI in French and German (gettext)
        "locale/de/LC_MESSAGES/bikefinder.mo",
    ):
        assert f"bikefinder/data/{data}" in names
    demo = {name for name in names if name.startswith("bikefinder/data/demo/")}
    local_demo = {
        f"bikefinder/data/demo/{path.relative_to(REPO / 'bikefinder/data/demo').as_posix()}"
        for path in (REPO / "bikefinder/data/demo").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert demo == local_demo and demo
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)


def test_wheel_installs_the_man_page_generated_from_the_parser(wheel: zipfile.ZipFile) -> None:
    from bikefinder.cli.manpage import bikefinder_manpage

    page = f"bikefinder-{bikefinder.__version__}.data/data/share/man/man1/bikefinder.1"
    assert wheel.read(page).decode() == bikefinder_manpage()


def test_the_man_page_in_the_tree_is_up_to_date() -> None:
    """docs/bikefinder.1 says what the parser says (scripts/build_manpage.py rewrites it)."""
    from bikefinder.cli.manpage import bikefinder_manpage

    assert (REPO / "docs" / "bikefinder.1").read_text(encoding="utf-8") == bikefinder_manpage()


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff renders man pages")
def test_the_man_page_renders_without_warnings() -> None:
    page = str(REPO / "docs" / "bikefinder.1")
    done = subprocess.run(["groff", "-man", "-ww", "-z", "-Tutf8", page],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0 and done.stderr == ""


def test_wheel_metadata_has_one_version_the_licence_and_the_urls(wheel: zipfile.ZipFile) -> None:
    dist_info = f"bikefinder-{bikefinder.__version__}.dist-info"
    metadata = Parser().parsestr(wheel.read(f"{dist_info}/METADATA").decode())
    assert metadata["Version"] == bikefinder.__version__
    assert metadata["License-Expression"] == "MIT AND CC-BY-3.0 AND CC-BY-4.0 AND etalab-2.0"
    assert set(metadata.get_all("License-File") or []) == {"LICENSE", "LICENSE-DATA.md"}
    data_licence = wheel.read(f"{dist_info}/licenses/LICENSE-DATA.md").decode()
    assert "CC BY 3.0" in data_licence and "GeoNames" in data_licence and "Etalab" in data_licence
    requirements = metadata.get_all("Requires-Dist") or []
    assert any(r.startswith("rich>=") for r in requirements)
    assert any(r.startswith("tzdata>=") and 'sys_platform == "win32"' in r for r in requirements)
    assert not any(r.startswith("textual-serve") and "extra ==" not in r for r in requirements)
    urls = metadata.get_all("Project-URL") or []
    assert any(url.startswith("Source, https://") for url in urls)
    assert any(
        requirement.startswith("textual>=") for requirement in metadata.get_all("Requires-Dist")
    )
    entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode()
    assert "bikefinder = bikefinder.cli.main:main" in entry_points


def test_sdist_can_run_its_tests(sdist_names: set[str]) -> None:
    for name in ("LICENSE", "CHANGELOG.md", "pyproject.toml", "tests/conftest.py",
                 "babel.cfg", "scripts/update_translations.py"):  # fmt: skip
        assert name in sdist_names
    local_tests = {
        path.relative_to(REPO).as_posix()
        for path in (REPO / "tests").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and ".hypothesis" not in path.parts
    }
    assert local_tests <= sdist_names  # fixtures and snapshots included
    assert any(name.startswith("tests/__snapshots__/") for name in sdist_names)
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in sdist_names)
