"""Write docs/bikefinder.1 from the command line's parser (the wheel installs it as
share/man/man1/bikefinder.1). Run after changing a flag or --help's epilog; a test fails
while the file is out of date."""

from __future__ import annotations

from pathlib import Path

from bikefinder.cli.manpage import bikefinder_manpage

PAGE = Path(__file__).resolve().parent.parent / "docs" / "bikefinder.1"

if __name__ == "__main__":
    PAGE.write_text(bikefinder_manpage(), encoding="utf-8")
    print(PAGE)
