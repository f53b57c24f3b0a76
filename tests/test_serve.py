"""``--serve [HOST:]PORT``: addresses, the served command, the token and what is refused.

The browser itself is in ``test_serve_browser.py``; these run everywhere the ``web`` extra
is installed (the test extra includes it).
"""

from __future__ import annotations

import shlex
import socket
import sys
from typing import Any

import pytest

from bikefinder.cli import serve
from bikefinder.common.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8000", ("127.0.0.1", 8000)),
        ("localhost:8080", ("localhost", 8080)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("[::1]:9000", ("::1", 9000)),
        ("192.168.1.20:65535", ("192.168.1.20", 65535)),
    ],
)
def test_serve_address_is_loopback_unless_a_host_is_given(
    text: str, expected: tuple[str, int]
) -> None:
    assert serve.parse_address(text) == expected


@pytest.mark.parametrize("text", ["", "host", "0", "65536", "[::1]9000", ":8000", "80x"])
def test_bad_serve_addresses_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--serve expects"):
        serve.parse_address(text)


def test_loopback_hosts() -> None:
    for host in ("127.0.0.1", "127.8.0.1", "::1", "localhost", "LOCALHOST"):
        assert serve.is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.168.1.20", "example.org"):
        assert not serve.is_loopback(host), host


def test_served_command_is_bikefinder_with_the_other_flags_and_no_serve() -> None:
    argv = ["--demo", "--serve", "8000", "--near", "Gare de Lyon, Paris", "--ser=1", "--lang", "fr"]
    words = shlex.split(serve.served_command(argv))
    assert words == [
        sys.executable,
        "-P",
        "-m",
        "bikefinder",
        "--demo",
        "--near",
        "Gare de Lyon, Paris",
        "--lang",
        "fr",
    ]
    assert serve.child_arguments(["--system", "velib", "--serv", "0.0.0.0:1"]) == [
        "--system",
        "velib",
    ]


def test_token_middleware_and_routes_serve_only_under_the_token() -> None:
    pytest.importorskip("textual_serve", reason="the web extra is not installed")
    import asyncio

    from aiohttp.test_utils import TestClient, TestServer

    token = "t0ken-Of-The-Test_123456"
    server = serve.make_server("true", "127.0.0.1", 8000, token)

    async def fetch() -> dict[str, Any]:
        async with TestClient(TestServer(await server._make_app())) as client:
            got: dict[str, Any] = {}
            for path in (
                "/",
                "/ws",
                "/static/js/textual.js",
                f"/{token[:-1]}/",
                f"/{token}x/",
                f"/{token}/static/js/textual.js",
            ):
                got[path] = (await client.get(path, allow_redirects=False)).status
            page = await client.get(f"/{token}/", headers={"User-Agent": "X Mobile Y"})
            got["page"] = (page.status, await page.text())
            redirect = await client.get(f"/{token}", allow_redirects=False)
            got["redirect"] = (redirect.status, redirect.headers.get("Location"))
            return got

    got = asyncio.run(fetch())
    for path in ("/", "/ws", "/static/js/textual.js", f"/{token[:-1]}/", f"/{token}x/"):
        assert got[path] == 404, path
    assert got[f"/{token}/static/js/textual.js"] == 200
    status, html = got["page"]
    assert status == 200
    assert 'data-session-websocket-url="ws://127.0.0.1:' in html and f"/{token}/ws" in html
    assert f'src="/{token}/static/js/textual.js"' in html
    assert serve.VIEWPORT in html and 'data-font-size="12"' in html  # a phone's font
    assert got["redirect"] == (302, f"/{token}/")


def test_desktop_browsers_get_the_usual_font_and_phones_a_smaller_one() -> None:
    assert serve.default_font_size("Mozilla/5.0 (X11; Linux x86_64) Chrome/126") == 16
    assert serve.default_font_size("Mozilla/5.0 (Linux; Android 14) Mobile Safari/537") == 12


def test_serving_beyond_loopback_warns_once_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[tuple[str, int]] = []

    class Fake:
        def __init__(self, host: str, port: int) -> None:
            self.address = (host, port)

        def serve(self) -> None:
            started.append(self.address)

    monkeypatch.setattr(serve, "make_server", lambda command, host, port, token: Fake(host, port))
    assert serve.run_serve("0.0.0.0:8123", ["--serve", "0.0.0.0:8123"]) == 0
    assert serve.run_serve("8124", ["--serve", "8124"]) == 0
    assert started == [("0.0.0.0", 8123), ("127.0.0.1", 8124)]
    lines = capsys.readouterr().err.splitlines()
    assert lines == [serve.exposure_warning("0.0.0.0")]
    assert "0.0.0.0" in lines[0] and "token" in lines[0]


def test_the_token_is_unguessable_and_new_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens: list[str] = []

    class Fake:
        def serve(self) -> None:
            pass

    def make(command: str, host: str, port: int, token: str) -> Fake:
        tokens.append(token)
        return Fake()

    monkeypatch.setattr(serve, "make_server", make)
    serve.run_serve("8000", [])
    serve.run_serve("8000", [])
    assert tokens[0] != tokens[1] and all(len(token) >= 22 for token in tokens)  # 128 bits


def test_serve_refuses_notify_command_and_once(run_main: Any) -> None:
    result = run_main("--demo", "--serve", "8000", "--notify-command", "notify-send hi")
    assert result.code == 2 and "never run from a served app" in result.error_line
    result = run_main("--demo", "--serve", "8000", "--once")
    assert result.code == 2 and "--serve" in result.error_line


def test_a_served_app_refuses_notify_command(
    run_main: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEXTUAL_DRIVER", serve.WEB_DRIVER)
    result = run_main("--demo", "--notify-command", "notify-send hi")
    assert result.code == 2 and "never run from a served app" in result.error_line


def test_a_port_in_use_is_one_line_and_exit_1(run_cli: Any) -> None:
    pytest.importorskip("textual_serve", reason="the web extra is not installed")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("--demo", "--serve", f"127.0.0.1:{port}")
    assert result.code == 1
    assert result.stderr.splitlines() == [
        f"bikefinder: cannot serve on 127.0.0.1:{port}: Address already in use"
    ]
    assert "serving on" not in result.stdout
