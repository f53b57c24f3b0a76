"""``bikefinder --serve [HOST:]PORT``: the app in a web browser, through textual-serve.

Each browser tab that opens the page starts its own ``bikefinder`` process (the same
command line, less ``--serve``) whose screen textual-serve streams over a websocket.

Every URL the server answers starts with a random token (``/<token>/``, ``/<token>/ws``,
``/<token>/static/...``): a path prefix rather than a query parameter, because the page's
script appends ``?width=..&height=..`` to the websocket URL it is given. A middleware
compares the first path segment with :func:`secrets.compare_digest` before any handler
runs, so without the printed URL nothing is served, not even the page's scripts. The token
is used on loopback too: another local user, or a web page in the rider's own browser
(DNS rebinding), cannot drive the app either.

Served apps never run ``--notify-command`` (a browser user must not start programs on the
server): it is refused with ``--serve``, and :func:`served` tells the child process so.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import shlex
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from bikefinder.common.errors import BikefinderError, UsageError

if TYPE_CHECKING:
    from aiohttp import web

DEFAULT_HOST = "127.0.0.1"
#: What textual-serve sets in the environment of the app processes it starts.
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"
_SERVE_FLAG = "--serve"
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def served() -> bool:
    """True in an app process started by textual-serve (its screen goes to a browser)."""
    return os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER


def parse_address(text: str) -> tuple[str, int]:
    """``"8000"``, ``"0.0.0.0:8000"`` or ``"[::1]:8000"`` -> (host, port); loopback by default."""
    host, port_text = DEFAULT_HOST, text
    if text.startswith("["):  # [IPv6]:PORT
        host, _, rest = text[1:].partition("]")
        if not rest.startswith(":"):
            raise UsageError(f"--serve expects [HOST:]PORT, got {text!r}")
        port_text = rest[1:]
    elif ":" in text:
        host, _, port_text = text.rpartition(":")
    if not host or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise UsageError(f"--serve expects [HOST:]PORT with a port from 1 to 65535, got {text!r}")
    return host, int(port_text)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def _is_serve_flag(word: str) -> bool:
    """``--serve``, ``--serve=X`` or an abbreviation argparse accepts (``--ser``)."""
    name = word.split("=", 1)[0]
    return len(name) >= len("--ser") and _SERVE_FLAG.startswith(name)


def child_arguments(argv: Sequence[str]) -> list[str]:
    """The rider's command line without ``--serve`` and its value: what each tab runs."""
    kept: list[str] = []
    skip_value = False
    for word in argv:
        if skip_value:
            skip_value = False
        elif _is_serve_flag(word):
            skip_value = "=" not in word
        else:
            kept.append(word)
    return kept


def served_command(argv: Sequence[str]) -> str:
    """The shell command textual-serve starts for each browser tab (it runs it in a shell)."""
    # -P: the server's working directory is not put on the path (a "bikefinder" folder
    # there must not shadow the installed package).
    words = [sys.executable, "-P", "-m", "bikefinder", *child_arguments(argv)]
    if sys.platform == "win32":
        return subprocess.list2cmdline(words)
    return shlex.join(words)


def page_url(host: str, port: int, token: str) -> str:
    """The URL to open; a wildcard address is shown as this machine's name."""
    import socket

    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/{token}/"


def exposure_warning(host: str) -> str:
    """The one stderr line printed when serving beyond this machine."""
    return (
        f"bikefinder: warning: serving on {host}, reachable from other machines: only a "
        "browser given the URL (its token) can open the app, over plain HTTP"
    )


def default_font_size(user_agent: str) -> int:
    """The page's font size in CSS pixels: 12 on a phone (about 57 columns on a 412 px
    wide screen, where 16 leaves 42 and truncates station names), 16 elsewhere.
    ``?fontsize=N`` in the URL overrides it."""
    return 12 if "Mobi" in user_agent else 16  # "Mobi": how phone browsers say so


def font_size(request: web.Request) -> int:
    """:func:`default_font_size` for the browser that sent ``request``."""
    return default_font_size(request.headers.get("User-Agent", ""))


def token_middleware(
    token: str,
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """An aiohttp middleware answering 404 unless the path starts with ``/<token>/``."""
    from aiohttp import web

    expected = token.encode()

    @web.middleware
    async def require_token(
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        first = request.path.lstrip("/").split("/", 1)[0].encode("utf-8", "replace")
        if not secrets.compare_digest(first, expected):
            raise web.HTTPNotFound()
        return await handler(request)

    return require_token


def make_server(command: str, host: str, port: int, token: str) -> Any:
    """A textual-serve :class:`~textual_serve.server.Server` whose routes need the token."""
    try:
        import aiohttp_jinja2
        import jinja2
        from aiohttp import web
        from textual_serve.server import Server, to_int
    except ImportError:
        raise UsageError("--serve needs the web extra: pip install 'bikefinder[web]'") from None

    prefix = f"/{token}"

    class TokenServer(Server):
        """textual-serve's server with every route under ``/<token>/``, quieter logs and
        URLs built from the request's Host (so a phone gets the address it used)."""

        async def _make_app(self) -> web.Application:
            app = web.Application(middlewares=[token_middleware(token)])
            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
            app.add_routes(
                [
                    web.get(prefix, self._to_index),
                    web.get(f"{prefix}/", self.handle_index, name="index"),
                    web.get(f"{prefix}/ws", self.handle_websocket, name="websocket"),
                    web.get(f"{prefix}/download/{{key}}", self.handle_download, name="download"),
                    web.static(f"{prefix}/static", self.statics_path, name="static"),
                ]
            )
            app.on_startup.append(self.on_startup)
            app.on_shutdown.append(self.on_shutdown)
            return app

        async def _to_index(self, request: web.Request) -> web.StreamResponse:
            raise web.HTTPFound(f"{prefix}/")

        async def handle_index(self, request: web.Request) -> web.Response:
            websocket = "wss" if request.secure else "ws"
            context = {
                "font_size": to_int(request.query.get("fontsize", ""), font_size(request)),
                "app_websocket_url": f"{websocket}://{request.host}{prefix}/ws",
                "config": {"static": {"url": f"{prefix}/static/"}},
                "application": {"name": "bikefinder"},
                "ping_url": "",
            }
            page = aiohttp_jinja2.render_template("app_index.html", request, context)
            # Without a viewport a phone lays the page out 980 px wide and shrinks the text.
            page.text = (page.text or "").replace("<head>", f"<head>\n    {VIEWPORT}", 1)
            return page

        async def on_startup(self, app: web.Application) -> None:
            """Nothing: textual-serve's banner would print the URL before the port is bound."""

        def serve(self, debug: bool = False) -> None:
            """textual-serve's ``serve``, announcing the URL once the port is bound (not
            before, when it may still fail) and keeping no access log (it holds the token)."""
            import asyncio
            import contextlib
            import logging
            import signal

            logging.basicConfig(level=logging.WARNING, format="bikefinder serve: %(message)s")
            # An app process outliving the loop at Ctrl+C is expected, not worth a warning.
            logging.getLogger("asyncio").setLevel(logging.ERROR)
            loop = asyncio.new_event_loop()
            for stop in (signal.SIGINT, signal.SIGTERM):
                # Windows has no loop signal handlers: Ctrl+C still stops run_app there.
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(stop, self.request_exit)
            url = page_url(host, port, token)
            web.run_app(
                self._make_app(),
                host=host,
                port=port,
                handle_signals=False,
                loop=loop,
                access_log=None,
                print=lambda *_: print(
                    f"bikefinder: serving on {url} (Ctrl+C to stop)", flush=True
                ),
            )

    return TokenServer(command, host=host, port=port, title="bikefinder")


def run_serve(address: str, argv: Sequence[str]) -> int:
    """Serve the app until Ctrl+C; 0 when stopped, 1 if the address cannot be used."""
    host, port = parse_address(address)
    token = secrets.token_urlsafe(16)  # 128 random bits
    server = make_server(served_command(argv), host, port, token)
    if not is_loopback(host):
        print(exposure_warning(host), file=sys.stderr)
    try:
        server.serve()
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise BikefinderError(f"cannot serve on {host}:{port}: {reason}") from None
    return 0
