"""--version, --help, --completion, --config-check and --debug, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import bikefinder

if TYPE_CHECKING:
    from tests.conftest import FeedServer

SECRET = "s3cr3t-Api-Key-4242"


def write_config(home: Path, text: str) -> Path:
    path = home / ".config" / "bikefinder" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- --version


def test_version_lists_bikefinder_python_libraries_and_platform(run_cli) -> None:
    from importlib.metadata import version

    result = run_cli("--version")
    assert result.code == 0 and result.stderr == ""
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["bikefinder"] == bikefinder.__version__
    assert lines["Python"].startswith(".".join(map(str, sys.version_info[:3])))
    assert lines["textual"] == version("textual") and lines["httpx"] == version("httpx")
    assert lines["platform"]
    assert "CC BY 3.0" in lines["data:"] and "GeoNames" in lines["data:"]
    assert "Licence Ouverte" in lines["data:"]


# --------------------------------------------------------------------------- --help


def test_help_has_examples_config_path_exit_codes_and_environment(run_cli, tmp_path) -> None:
    result = run_cli("--help")
    assert result.code == 0
    text = result.stdout
    assert "examples:" in text and "bikefinder --demo" in text
    assert str(tmp_path / "home" / ".config" / "bikefinder" / "config.toml") in text
    assert str(tmp_path / "home" / ".local" / "state" / "bikefinder" / "log") in text
    assert "exit status:" in text and "2 a usage error" in text
    for variable in ("BIKEFINDER_CONFIG", "BIKEFINDER_DEBUG", "BIKEFINDER_HTTP_TIMEOUT"):
        assert variable in text
    for flag in ("--debug", "--config-check", "--completion", "--version"):
        assert flag in text


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["--completion", "zsh"]])
def test_help_version_completion_import_no_asyncio_httpx_or_textual(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from bikefinder.cli.main import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "heavy = ('httpx', 'textual', 'numpy', 'asyncio')\n"
        "print(' '.join(name for name in heavy if name in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = done.stderr.split()
    assert "bikefinder" in done.stdout
    assert loaded == [], loaded


# --------------------------------------------------------------------------- --completion


def need_shell(shell: str) -> None:
    """Skip without ``shell``, except in CI, which installs every shell (.ci/run packages)."""
    if shutil.which(shell) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{shell} is not installed in CI (.ci/run's packages stage installs it)")
        pytest.skip(f"{shell} is not installed here")


def test_bash_completion_parses_and_completes_flags_and_choices(run_cli, tmp_path) -> None:
    result = run_cli("--completion", "bash")
    assert result.code == 0
    script = tmp_path / "bikefinder.bash"
    script.write_text(result.stdout)
    subprocess.run(["bash", "-n", str(script)], check=True, timeout=30)

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{word}'" for word in words)
        probe = (
            f"source {script}; COMP_WORDS=(bikefinder {line}); "
            f"COMP_CWORD={len(words)}; _bikefinder; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        )
        done = subprocess.run(
            ["bash", "-c", probe], capture_output=True, text=True, timeout=30, check=True
        )
        return [line for line in done.stdout.splitlines() if line]

    assert complete("--for") == ["--format"]
    assert complete("--format", "") == ["table", "json", "csv", "line"]
    assert complete("--format", "=") == ["table", "json", "csv", "line"]  # --format=<Tab>
    assert complete("--format", "=", "j") == ["json"]  # --format=j<Tab>
    assert complete("--mode", "") == ["bike", "ebike", "dock"]
    assert complete("--min", "") == []  # a number: no flags offered
    assert complete("--mi") == ["--min"]
    assert complete("--completion", "f") == ["fish"]
    assert complete("--near", "") == []  # a value: no flags offered
    assert {"--near", "--system", "--once", "--debug", "--config-check"} <= set(complete("--"))
    assert "velib" in complete("--system", "vel")  # an id
    assert "citybikes:bicing" not in complete("--system", "vel")
    assert "Bergen\\ City\\ Bike" in complete("--system", "Bergen")  # a name, quoted
    assert complete("--system", "=", "bergen-c") == ["bergen-city-bike"]


def test_bash_completion_works_under_bash_completion(run_cli, tmp_path) -> None:
    """Loaded the way bash-completion loads it (its helpers defined, in an interactive
    shell), the script still completes ``--system``."""
    loader = Path("/usr/share/bash-completion/bash_completion")
    if not loader.is_file():
        if os.environ.get("CI"):
            pytest.fail("bash-completion is not installed in CI (.ci/run packages)")
        pytest.skip("bash-completion is not installed here")
    script = tmp_path / "bikefinder.bash"
    script.write_text(run_cli("--completion", "bash").stdout)
    probe = (
        f"source {loader}; source {script}; complete -p bikefinder; "
        "COMP_WORDS=(bikefinder --system velib); COMP_CWORD=2; _bikefinder; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(
        ["bash", "-i", "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "complete -F _bikefinder bikefinder" in done.stdout
    assert "velib" in done.stdout.splitlines()


def test_completion_help_is_escaped_not_mangled(run_cli) -> None:
    from bikefinder.cli.completion import short_help

    for shell in ("zsh", "fish"):
        text = run_cli("--completion", shell).stdout
        assert "citybikes:bicing" in text or "citybikes\\:bicing" in text, shell
        assert "citybikesbicing" not in text and "feeds ttl" not in text, shell
    long = "with --once: what you look for (any bike, an e-bike, a free dock); stations last"
    assert short_help(long, 40) == "with --once: what you look for…"
    assert short_help("a (b c) d e f g h", 12) == "a (b c) d…"
    assert short_help("a b (c d e f) g", 10) == "a b…"  # never an unclosed parenthesis
    assert short_help("one; two", 70) == "one; two"


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_completion_scripts(run_cli, tmp_path, shell: str) -> None:
    result = run_cli("--completion", shell)
    assert result.code == 0
    assert "--near" in result.stdout or "-l near" in result.stdout
    assert "table json csv line" in result.stdout
    assert "bike ebike dock" in result.stdout and (
        "--min" in result.stdout or "-l min" in result.stdout
    )
    need_shell(shell)
    script = tmp_path / f"bikefinder.{shell}"
    script.write_text(result.stdout)
    subprocess.run([shell, "-n", str(script)], check=True, timeout=30)
    if shell == "fish":  # fish can complete a command line non-interactively
        probe = (
            f"source {script}; complete -C'bikefinder --format '; complete -C'bikefinder --ve'; "
            "complete -C'bikefinder --system bergen-c'; complete -C'bikefinder --system Bergen\\ C'"
        )
        done = subprocess.run(
            ["fish", "-c", probe], capture_output=True, text=True, timeout=30, check=True
        )
        offered = [line.split("\t") for line in done.stdout.splitlines()]
        words = [line[0] for line in offered]
        assert words[:4] == ["csv", "json", "line", "table"] and "--version" in words[4:]
        assert ["bergen-city-bike", "Bergen City Bike"] in offered  # the id, its name beside
        assert ["Bergen City Bike", "bergen-city-bike"] in offered  # the name, its id beside
        help_probe = f"source {script}; complete -C'bikefinder --sys'"
        done = subprocess.run(
            ["fish", "-c", help_probe], capture_output=True, text=True, timeout=30, check=True
        )
        assert "(velib, Bergen, citybikes:bicing; see --list-systems)" in done.stdout
    else:  # zsh: what _arguments and _describe receive once zsh has parsed the quoting
        probe = (
            '_arguments() { print -rl -- "$@" }; '
            '_describe() { print -rl -- "${(@P)${@[-1]}}" }; '
            f"source {script}; _bikefinder_systems"
        )
        done = subprocess.run(
            ["zsh", "-f", "-c", probe], capture_output=True, text=True, timeout=30, check=True
        )
        lines = done.stdout.splitlines()
        system = next(line for line in lines if line.startswith("--system="))
        assert "(velib, Bergen, citybikes\\:bicing; see --list-systems)" in system
        assert system.endswith("]:system:_bikefinder_systems")
        refresh = next(line for line in lines if line.startswith("--refresh="))
        assert "(default\\: the feed's ttl, within 5..60 s)]" in refresh
        assert "bergen-city-bike:Bergen City Bike" in lines
        assert any(line.startswith("citybikes\\:bicing:") for line in lines)


ZSH_PROBE = r"""
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PS1="> "; fpath=(FOLDER $fpath); autoload -U compinit; compinit -u -D'
zpty -w z 'bikefinder() { :; }'
zpty -w -n z "bikefinder --s"$'\t\t'
sleep 2
zpty -w -n z $'\x15'
zpty -w -n z "bikefinder --system bergen-"$'\t'
sleep 2
out=""
while zpty -r -t z chunk; do out+=$chunk; done
print -r -- "$out"
zpty -d z
"""


def test_zsh_completes_interactively(run_cli, tmp_path) -> None:
    """A real interactive zsh (through zpty) lists --system's help unmangled and completes
    a system id."""
    need_shell("zsh")
    (tmp_path / "_bikefinder").write_text(run_cli("--completion", "zsh").stdout)
    probe = ZSH_PROBE.replace("FOLDER", str(tmp_path))
    done = subprocess.run(
        ["zsh", "-f", "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    screen = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", done.stdout)
    assert "--system  -- a system id, name or city (velib, Bergen, citybikes:bicing;" in screen
    assert "--system bergen-city-bike" in screen


def test_completion_offers_the_catalog_systems(run_cli) -> None:
    from bikefinder.cli.completion import Value, catalog_system_values, system_values

    values = catalog_system_values()
    words = {value.word for value in values}
    assert {"velib", "bergen-city-bike", "Bergen City Bike"} <= words
    assert len(words) > 1500
    assert system_values([("b", "Same", ()), ("a", "Same", ("alias",)), ("c", "c", ())]) == [
        Value("a", "Same"),
        Value("alias", "Same"),
        Value("b", "Same"),
        Value("c", "c"),  # a name that is also an id is offered once
        Value("Same", "b"),  # a shared name once, with the first id that has it
    ]


def test_unknown_shell_is_a_one_line_usage_error(run_cli) -> None:
    result = run_cli("--completion", "tcsh")
    assert result.code == 2 and "invalid choice" in result.error_line


# --------------------------------------------------------------------------- --config-check


def test_config_check_good_config_masks_secrets(run_cli, tmp_path) -> None:
    path = write_config(
        tmp_path / "home",
        f'system = "velib"\nclient_id = "me-app"\n[headers."bergen-city-bike"]\n'
        f'X-Api-Key = "{SECRET}"\n',
    )
    result = run_cli("--config-check")
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert f"config file: {path}\n" in out
    assert "system: velib (config)" in out and "client_id: me-app (config)" in out
    assert "headers for bergen-city-bike:" in out and "X-Api-Key = ***" in out
    assert SECRET not in out
    flags = run_cli("--config-check", "--client-id", "from-flag")
    assert flags.code == 0 and "client_id: from-flag (flag)" in flags.stdout


def test_config_check_without_a_file_shows_defaults(run_cli) -> None:
    result = run_cli("--config-check")
    assert result.code == 0
    assert "(not found: defaults apply)" in result.stdout
    assert f"client_id: bikefinder-{bikefinder.__version__} (default)" in result.stdout


def test_config_check_unknown_key_exits_2_with_did_you_mean(run_cli, tmp_path) -> None:
    path = write_config(tmp_path / "home", 'sytem = "velib"\nclient_id = "me"\n')
    result = run_cli("--config-check")
    assert result.code == 2
    assert f"config file {path}: unknown key 'sytem' (did you mean 'system'?)" in result.stderr
    assert "client_id: me (config)" in result.stdout  # the rest is still read


def test_config_check_wrong_type_exits_2_naming_key_and_file(run_cli, tmp_path) -> None:
    path = write_config(tmp_path / "home", "system = 3\n")
    result = run_cli("--config-check")
    assert result.code == 2
    assert f"config file {path}: 'system' must be a non-empty string" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_illegal_header_exits_2_without_the_value(run_cli, tmp_path) -> None:
    write_config(tmp_path / "home", f'[headers.velib]\nX-Api-Key = "{SECRET}\u00a0"\n')
    write_config(tmp_path / "home", f'[headers.velib]\nX-Api-Key = "ab\u00a0{SECRET}"\n')
    result = run_cli("--config-check")
    assert result.code == 2
    assert "[headers.velib] X-Api-Key" in result.error_line
    assert SECRET not in result.stdout + result.stderr


def test_a_config_warning_does_not_stop_a_run(run_cli, tmp_path) -> None:
    write_config(tmp_path / "home", 'sytem = "velib"\n')
    result = run_cli("--demo", "--once", "--format", "json", "--limit", "1")
    assert result.code == 0
    assert "unknown key 'sytem' (did you mean 'system'?)" in result.error_line
    assert len(result.json()["stations"]) == 1


def test_an_illegal_header_stops_every_run_without_showing_it(run_cli, tmp_path) -> None:
    write_config(tmp_path / "home", f'[headers.velib]\nX-Api-Key = "ab\u00a0{SECRET}"\n')
    result = run_cli("--demo", "--once")
    assert result.code == 2 and "value not shown" in result.error_line
    assert SECRET not in result.stderr


def test_an_illegal_client_id_flag_is_not_echoed(run_cli) -> None:
    result = run_cli("--demo", "--once", "--client-id", f"ab\u00a0{SECRET}")
    assert result.code == 2 and "--client-id" in result.error_line
    assert SECRET not in result.stderr


# --------------------------------------------------------------------------- --debug


def keyed_system(feed_server: FeedServer, home: Path) -> str:
    """A catalog system needing ``X-Api-Key`` (served locally), its key in config.toml."""
    gbfs_url = feed_server.serve_fixture("velib_v1_2022")
    catalog = home / ".cache" / "bikefinder" / "catalog" / "systems.csv"
    catalog.parent.mkdir(parents=True)
    header = (Path(bikefinder.__file__).parent / "data" / "systems.csv").read_text().splitlines()
    catalog.write_text(
        f"{header[0]}\nFR,Keyed Test,Paris,keyed_test,https://example.org,{gbfs_url},1.0,"
        ",2,X-Api-Key\n"
    )
    write_config(home, f'[headers.keyed_test]\nX-Api-Key = "{SECRET}"\n')
    return gbfs_url


def log_text(home: Path) -> str:
    return (home / ".local" / "state" / "bikefinder" / "log" / "bikefinder.log").read_text()


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_debug_logs_requests_but_no_configured_header_value(
    feed_server: FeedServer, run_cli, tmp_path, how: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    keyed_system(feed_server, home)
    args = ["--system", "keyed_test", "--near", "48.85,2.35", "--once", "--format", "json"]
    result = (
        run_cli(*args, "--debug")
        if how == "flag"
        else run_cli(*args, env={"BIKEFINDER_DEBUG": "1"})
    )
    assert result.code == 0, result.stderr
    assert result.stderr == ""  # a run that went well does not talk about the log
    sent = feed_server.requests_for("/velib_v1_2022/station_status.json")
    assert sent and sent[-1].headers["x-api-key"] == SECRET  # the key did go to the feed
    log = log_text(home)
    assert f"bikefinder {bikefinder.__version__}" in log and "textual" in log
    assert f"HTTP Request: GET {feed_server.base_url}/velib_v1_2022/gbfs.json" in log
    assert "station_status" in log and "200 OK" in log
    assert any(
        "bikefinder.feeds." in line and "station_status" in line for line in log.splitlines()
    )
    assert SECRET not in log


def test_debug_failure_says_where_the_log_is_and_logs_the_traceback(
    feed_server: FeedServer, run_cli, tmp_path
) -> None:
    gbfs_url = feed_server.serve_system("broken", {"station_information": "not json"})
    result = run_cli("--system", gbfs_url, "--near", "48.85,2.35", "--once", "--debug")
    assert result.code == 1
    log_path = tmp_path / "home" / ".local" / "state" / "bikefinder" / "log" / "bikefinder.log"
    assert result.stderr.splitlines()[-1] == f"bikefinder: debug log: {log_path}"
    log = log_text(tmp_path / "home")
    assert "ERROR" in log and "Traceback (most recent call last)" in log


def test_without_debug_nothing_is_logged(feed_server: FeedServer, run_cli, tmp_path) -> None:
    gbfs_url = feed_server.serve_fixture("velib_v1_2022")
    result = run_cli("--system", gbfs_url, "--near", "48.85,2.35", "--once")
    assert result.code == 0 and "debug log" not in result.stderr
    assert not (tmp_path / "home" / ".local" / "state").exists()


def test_debug_log_is_rotated(tmp_path: Path) -> None:
    import logging

    from bikefinder.common import debuglog

    path = tmp_path / "log" / "bikefinder.log"
    debuglog.start(path, secrets=[SECRET], argv=[])
    try:
        logger = logging.getLogger("bikefinder.test")
        for _ in range(3 * debuglog.MAX_BYTES // 1000):
            logger.debug("%s %s", "x" * 1000, SECRET)
    finally:
        debuglog.stop()
    files = sorted(child.name for child in path.parent.iterdir())
    assert files == ["bikefinder.log", *(f"bikefinder.log.{n}" for n in (1, 2, 3))][: len(files)]
    assert len(files) >= 3
    assert all(SECRET not in child.read_text() for child in path.parent.iterdir())
    assert (path.parent.stat().st_mode & 0o777) == 0o700
    assert json.dumps(logging.getLogger("httpx").propagate) == "true"  # stop() restored it
