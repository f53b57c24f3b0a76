"""The quick reading of a plain command line gives exactly the parser's namespace, and
leaves every other command line (with its messages) to the parser."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO_ROOT

from bikefinder.cli.main import build_parser
from bikefinder.cli.quick_args import quick_args
from bikefinder.rider.output import FORMATS, MODES

READ_QUICKLY = [
    [],
    ["--demo"],
    ["--once", "--demo", "--format", "json"],
    ["--once", "--format", "json", "--near", "40.75,-73.98", "--system", "http://x/gbfs.json"],
    ["--near", "Gare de Lyon, Paris", "--to", "48.86,2.36", "--mode", "ebike", "--limit", "5"],
    ["--once", "--favorites", "--debug", "--units", "imperial", "--lang", "fr", "--min", "2"],
    ["--once", "--vehicles", "all", "--near", "", "--system", "velib"],
    ["--limit", "zero", "--min", "x"],  # the flags' checks come later, as for the parser
]
LEFT_TO_THE_PARSER = [
    ["--help"],
    ["-h"],
    ["--version"],
    ["--form", "json"],  # an abbreviation
    ["--format=json"],
    ["--format", "xml"],  # a bad choice: the parser's message
    ["--near", "-33.45,-70.66"],  # a negative coordinate: the parser's rule
    ["--near"],
    ["--near", "--once"],
    ["--system", "a", "--system", "b"],
    ["--once", "--once"],
    ["--max-systems", "3"],
    ["--list-systems"],
    ["--completion", "bash"],
    ["somewhere"],
    ["--"],
]


@pytest.mark.parametrize("argv", READ_QUICKLY)
def test_a_plain_command_line_reads_as_the_parser_reads_it(argv: list[str]) -> None:
    quick = quick_args(argv, FORMATS, MODES)
    assert quick is not None
    assert vars(quick) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", LEFT_TO_THE_PARSER)
def test_any_other_command_line_is_left_to_the_parser(argv: list[str]) -> None:
    assert quick_args(argv, FORMATS, MODES) is None


def test_the_defaults_are_the_parsers() -> None:
    """A flag added to the parser is added to the quick reading's defaults too."""
    assert vars(quick_args([], FORMATS, MODES) or {}) == vars(build_parser().parse_args([]))


def test_a_plain_printed_answer_never_builds_the_parser() -> None:
    """No argparse message catalogue (locale) and no parser for a common ``--once``."""
    code = (
        "import sys, argparse\n"
        "built = []\n"
        "argparse.ArgumentParser.__init__ = lambda *a, **k: built.append(1)\n"
        "from bikefinder.cli.main import _parse_args\n"
        "args = _parse_args(['--once', '--demo', '--format', 'json'])\n"
        "print(args.once, args.output_format, built, 'locale' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=60)  # fmt: skip
    assert done.stdout.split() == ["True", "json", "[]", "False"], done.stderr
