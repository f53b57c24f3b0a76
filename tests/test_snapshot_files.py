"""Every snapshot SVG belongs to a test that still exists.

syrupy fails a run that leaves a snapshot unused, but not under pytest-xdist (its workers
do not merge their reports), and the suite runs under xdist: this test keeps the check.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SNAPSHOTS = Path(__file__).parent / "__snapshots__"
REPO = Path(__file__).parent.parent


def collected_test_names(modules: list[str]) -> set[tuple[str, str]]:
    """``(module stem, test name with parameters)`` for every test pytest collects."""
    pytest = [sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [*pytest, "--collect-only", "-q", *modules],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    names = set()
    for line in done.stdout.splitlines():
        path, separator, name = line.partition("::")
        if separator:
            names.add((Path(path).stem, name))
    return names


def test_every_snapshot_file_belongs_to_a_test() -> None:
    folders = sorted(folder for folder in SNAPSHOTS.iterdir() if folder.is_dir())
    assert folders, "no snapshot folders found"
    tests = collected_test_names([f"tests/{folder.name}.py" for folder in folders])
    unused = [
        f"{folder.name}/{svg.name}"
        for folder in folders
        for svg in sorted(folder.glob("*.svg"))
        if (folder.name, svg.stem) not in tests
    ]
    assert unused == [], "snapshots no test takes (delete them or restore the test)"
