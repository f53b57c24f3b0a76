"""Shared test fixtures: a real local feed server, fixture systems, and a sandboxed CLI.

Fixtures
--------
``feed_server`` (and ``other_feed_server``, a second origin)
    A :class:`FeedServer`: a threaded HTTP server on 127.0.0.1 (random port) for one test,
    with a mutable route table ``path -> Response | handler``. Handlers (``server.cut_body``,
    ``server.never_answers`` ...) script special behaviour. Every request is recorded in
    ``server.requests`` (path and headers), so a test can check what the client sent.
``run_cli``
    Runs ``python -m bikefinder ARGS`` as a subprocess with HOME and every XDG dir inside
    ``tmp_path`` and proxies disabled; returns a :class:`CliResult`.
``run_main``
    The same contract, but calls ``bikefinder.cli.main`` in this process (same sandboxed
    environment, output captured): ~20x faster, for the many fault cases. An exception
    escaping ``main`` fails the test just as a traceback on stderr would.
``fav_path``
    Where a test's favourites file goes (``tmp_path/data/favourites.json``, not created).
``catalog``
    The built-in system catalog, loaded once per test module (it takes a moment).

Typical use::

    def test_nearest(feed_server, run_cli):
        gbfs_url = feed_server.serve_fixture("velib_v1_2022")
        result = run_cli("--once", "--near", "48.85,2.35", "--system", gbfs_url)
        assert result.code == 0

Hypothesis profiles: ``ci`` (default, quick, derandomized) and ``long``
(``--hypothesis-profile=long``, random).

Parallel runs: the suite runs on every core (``-n auto`` in pyproject's addopts; ``-n 0``
runs it in one process). A test marked ``serial`` runs while no other test does
(:mod:`serial_lock`): for timing bounds and benchmarks that need the machine to themselves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, settings
from serial_lock import LOCK_DIR_KEY, machine_share, make_lock_dir, remove_lock_dir

from bikefinder.systems.catalog import Catalog, load_catalog

FIXTURES = Path(__file__).parent / "fixtures"
REPO_ROOT = Path(__file__).parent.parent

# "ci" is derandomized: the same 300 examples every run, so a red CI is a change, never a
# newly drawn example (one such draw found the nameless-feed bug; it is an @example now).
# "long" draws afresh each run: that is where new counterexamples are looked for.
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long", max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")


# --------------------------------------------------------------------------- the server


@dataclass
class Response:
    """A canned HTTP response."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


#: A scripted route: called with the live request handler, writes whatever it likes.
Handler = Callable[["_RequestHandler"], None]
Route = Response | Handler


@dataclass(frozen=True)
class SeenRequest:
    """One request the server received."""

    path: str
    headers: dict[str, str]  # lower-cased names


def as_route(content: Route | Any, status: int = 200, headers: dict | None = None) -> Route:
    """A Response or handler as is; anything else becomes a Response with that body."""
    if isinstance(content, Response) or callable(content):
        return content
    return Response(status, as_body(content), dict(headers or {}))


def as_body(content: Any) -> bytes:
    """bytes as is, str as UTF-8, anything else as JSON."""
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode()
    return json.dumps(content).encode()


class _RequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.0 (one request per connection) so handlers can close to end a body."""

    server: _Server

    def do_GET(self) -> None:
        feed_server = self.server.feed_server
        path = urlsplit(self.path).path
        feed_server.requests.append(
            SeenRequest(path, {name.lower(): value for name, value in self.headers.items()})
        )
        route = feed_server.routes.get(path)
        try:
            if route is None:
                self.send_response_bytes(Response(404, b'{"error": "not found"}'))
            elif isinstance(route, Response):
                self.send_response_bytes(route)
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (size cap, timeout): expected in fault tests

    def send_response_bytes(self, response: Response) -> None:
        self.send_response(response.status)
        headers = {"Content-Type": "application/json", **response.headers}
        headers.setdefault("Content-Length", str(len(response.body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


class _Server(ThreadingHTTPServer):
    #: socketserver's default backlog is 5: an app loading four systems opens ~16
    #: connections at once (HTTP/1.0, one per request), and a full backlog drops SYNs
    #: that the client resends only after a second. Real servers queue far more.
    request_queue_size = 128

    daemon_threads = True
    feed_server: FeedServer


class FeedServer:
    """A real HTTP server on 127.0.0.1 serving a mutable route table."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        #: Set at teardown: handlers that block (never answering) wait on it.
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _RequestHandler)
        self._httpd.feed_server = self
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        # A short poll interval: shutdown() waits up to one interval, at every teardown.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, route: Route | Any, *, status: int = 200, **headers: str) -> str:
        """Serve ``route`` at ``path``: a Response, a handler, or content for :func:`as_body`.

        Returns the full URL. Extra keyword arguments become response headers
        (underscores turn into dashes: ``Retry_After="5"``).
        """
        self.routes[path] = as_route(route, status, _header_names(headers))
        return self.url(path)

    def respond(self, content: Any, status: int = 200, **headers: str) -> Response:
        """A canned response, e.g. ``respond(body, Content_Encoding="gzip")``."""
        return Response(status, as_body(content), _header_names(headers))

    def requests_for(self, path: str) -> list[SeenRequest]:
        return [request for request in self.requests if request.path == path]

    # ----------------------------------------------------------------- whole systems

    def serve_system(
        self,
        prefix: str,
        feeds: Mapping[str, Route | Any],
        *,
        layout: str = "v2",
        language: str = "en",
        urls: Mapping[str, str] | None = None,
    ) -> str:
        """Serve ``feeds`` (feed name -> content or route) under ``/prefix/`` plus a gbfs.json.

        ``layout``: ``v1`` (language-keyed, no version), ``v2`` (language-keyed, 2.3) or
        ``v3`` (flat ``data.feeds``). ``urls`` overrides what gbfs.json lists for a feed
        (e.g. another host or ``file://``). Returns the gbfs.json URL.
        """
        listed: dict[str, str] = {}
        for name, content in feeds.items():
            listed[name] = self.add(f"/{prefix}/{name}.json", content)
        listed.update(urls or {})
        discovery = discovery_document(listed, layout=layout, language=language)
        return self.add(f"/{prefix}/gbfs.json", discovery)

    def serve_fixture(
        self,
        name: str,
        *,
        layout: str | None = None,
        borrow: Mapping[str, str] | None = None,
        overrides: Mapping[str, Route | Any] | None = None,
    ) -> str:
        """Serve ``tests/fixtures/<name>/`` under ``/<name>/``; returns its gbfs.json URL.

        A fixture's own gbfs.json is rewritten so each feed URL keeps its last path
        segment (``station-information``, no ``.json``...) but points at this server;
        without one, a gbfs.json in ``layout`` (guessed from the name) is written.
        ``borrow`` maps a feed to another fixture folder to take it from (Oslo 2.3 status
        with the 2.2 information); ``overrides`` replaces a feed's content or route.
        """
        folder = FIXTURES / name
        contents: dict[str, Route | Any] = {
            path.stem: path.read_bytes() for path in sorted(folder.glob("*.json"))
        }
        for feed, other in (borrow or {}).items():
            contents[feed] = (FIXTURES / other / f"{feed}.json").read_bytes()
        contents.update(overrides or {})
        original = contents.pop("gbfs", None)
        if original is None:
            return self.serve_system(name, contents, layout=layout or _guess_layout(name))
        discovery = json.loads(original)
        data = discovery["data"]
        feed_lists = [data["feeds"]] if "feeds" in data else [v["feeds"] for v in data.values()]
        for feed_list in feed_lists:
            for entry in feed_list:
                segment = urlsplit(entry["url"]).path.rsplit("/", 1)[-1]
                entry["url"] = self.url(f"/{name}/{segment}")
                if entry["name"] in contents:
                    self.add(f"/{name}/{segment}", contents[entry["name"]])
        return self.add(f"/{name}/gbfs.json", discovery)

    # ----------------------------------------------------------------- scripted routes

    def cut_body(self, content: Any, keep: float = 0.5, *, declare_length: bool = True) -> Handler:
        """Send part of the body and close; with ``declare_length`` the full size is declared."""
        body = as_body(content)

        def handler(request: _RequestHandler) -> None:
            request.send_response(200)
            request.send_header("Content-Type", "application/json")
            if declare_length:
                request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body[: int(len(body) * keep)])
            request.wfile.flush()
            request.close_connection = True

        return handler

    def never_answers(self) -> Handler:
        """Read the request, then say nothing until the test ends."""

        def handler(request: _RequestHandler) -> None:
            self.stopping.wait(30)

        return handler

    def trickles(self, interval_s: float) -> Handler:
        """Headers at once, then one body byte every ``interval_s`` (a slow-loris feed)."""

        def handler(request: _RequestHandler) -> None:
            request.send_response(200)
            request.send_header("Content-Type", "application/json")
            request.end_headers()
            while not self.stopping.wait(interval_s):
                request.wfile.write(b" ")
                request.wfile.flush()

        return handler

    def streams(self, total_bytes: int, *, declare_length: bool) -> Handler:
        """A huge JSON-looking body generated on the fly (never held in memory)."""
        record = b'{"station_id": "x", "lat": 1.0, "lon": 2.0},'
        chunk = record * (65536 // len(record))

        def handler(request: _RequestHandler) -> None:
            request.send_response(200)
            request.send_header("Content-Type", "application/json")
            if declare_length:
                request.send_header("Content-Length", str(total_bytes))
            request.end_headers()
            request.wfile.write(b'{"data": {"stations": [')
            sent = 0
            while sent < total_bytes and not self.stopping.is_set():
                request.wfile.write(chunk)
                sent += len(chunk)

        return handler

    def redirects(self, location: str, status: int = 302) -> Response:
        return Response(status, b"", {"Location": location})

    def requires_header(self, name: str, content: Any, value: str | None = None) -> Handler:
        """403 unless the request carries header ``name`` (with ``value``, if given)."""
        route = as_route(content)

        def handler(request: _RequestHandler) -> None:
            sent = request.headers.get(name)
            if sent is None or (value is not None and sent != value):
                request.send_response_bytes(Response(403, b'{"error": "Client-Identifier"}'))
            elif isinstance(route, Response):
                request.send_response_bytes(route)
            else:
                route(request)

        return handler

    def rate_limits(self, retry_after: str, content: Any, times: int = 1) -> Handler:
        """429 with ``Retry-After`` for the first ``times`` requests, then ``content``."""
        then = as_route(content)
        calls = iter(range(times))

        def handler(request: _RequestHandler) -> None:
            if next(calls, None) is not None:
                request.send_response_bytes(Response(429, b"", {"Retry-After": retry_after}))
            elif isinstance(then, Response):
                request.send_response_bytes(then)
            else:
                then(request)

        return handler


def _header_names(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.replace("_", "-"): value for name, value in headers.items()}


def _guess_layout(fixture_name: str) -> str:
    if "_v3" in fixture_name:
        return "v3"
    if "_v2" in fixture_name:
        return "v2"
    return "v1"


def discovery_document(feeds: Mapping[str, str], *, layout: str, language: str = "en") -> dict:
    """A gbfs.json listing ``feeds`` (name -> URL) in the layout of GBFS v1, v2 or v3."""
    feed_list = [{"name": name, "url": url} for name, url in feeds.items()]
    if layout == "v3":
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        return {"last_updated": stamp, "ttl": 0, "version": "3.0", "data": {"feeds": feed_list}}
    document: dict[str, Any] = {
        "last_updated": int(time.time()),
        "ttl": 0,
        "data": {language: {"feeds": feed_list}},
    }
    if layout == "v2":
        document["version"] = "2.3"
    elif layout != "v1":
        raise ValueError(f"unknown layout {layout!r}")
    return document


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def other_feed_server() -> Iterator[FeedServer]:
    """A second, independent server: another origin (e.g. a CDN host for some feeds)."""
    server = FeedServer()
    try:
        yield server
    finally:
        server.close()


# --------------------------------------------------------------------------- the CLI


@dataclass(frozen=True)
class CliResult:
    """What a ``bikefinder`` run produced."""

    code: int
    stdout: str
    stderr: str
    elapsed_s: float

    def json(self) -> Any:
        """The JSON on stdout; a printed answer (it has ``schema_version``) must validate
        against the shipped JSON Schema (``--list-systems`` JSON is another document)."""
        document = json.loads(self.stdout)
        check_answer(document)
        return document

    @property
    def error_line(self) -> str:
        """The single stderr line; fails the test if stderr is not exactly one line."""
        lines = self.stderr.splitlines()
        assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{self.stderr}"
        assert "Traceback" not in self.stderr
        return lines[0]


#: The JSON Schema of the printed answer, as shipped in the wheel.
ANSWER_SCHEMA_PATH = REPO_ROOT / "bikefinder" / "data" / "schema" / "answer.schema.json"
_answer_validator: Any = None


def answer_validator() -> Any:
    """A draft 2020-12 validator of the shipped schema (with date-time checked)."""
    global _answer_validator
    if _answer_validator is None:
        import jsonschema

        schema = json.loads(ANSWER_SCHEMA_PATH.read_text(encoding="utf-8"))
        _answer_validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
    return _answer_validator


def check_answer(document: Any) -> None:
    """Fail unless ``document`` (when it is a printed answer: a dict with
    ``schema_version``) validates against the shipped JSON Schema."""
    if isinstance(document, dict) and "schema_version" in document:
        errors = sorted(answer_validator().iter_errors(document), key=lambda e: list(e.path))
        assert not errors, "the answer does not match answer.schema.json:\n" + "\n".join(
            f"{'/'.join(map(str, error.path))}: {error.message}" for error in errors[:10]
        )


_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
#: The XDG variables and their folders under a sandboxed HOME.
USER_DIRS = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_CACHE_HOME": ".cache",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
}


def cli_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a sandboxed run: user dirs under ``home``, no proxies."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in _PROXY_VARS
        and not key.startswith(("XDG_", "BIKEFINDER_", "HYPOTHESIS"))
    }
    env.update({name: str(home / folder) for name, folder in USER_DIRS.items()})
    env.update(
        HOME=str(home),
        NO_PROXY="*",
        PYTHONIOENCODING="utf-8",
        PYTHONDONTWRITEBYTECODE="1",
        # A hung request should fail a test in seconds, not hang it.
        BIKEFINDER_HTTP_TIMEOUT="5",
    )
    env.update(extra or {})
    return env


RunCli = Callable[..., CliResult]


def age_feed_cache(cache_home: Path, seconds: float = 3601) -> None:
    """Every feed cached under ``cache_home`` (an ``XDG_CACHE_HOME``) fetched ``seconds``
    earlier than it was: by default past every ttl, so the next run asks the server (a
    copy within its ttl answers without a request)."""
    for path in cache_home.glob("bikefinder/feeds/*/*.meta.json"):
        meta = json.loads(path.read_bytes())
        meta["fetched_at"] -= seconds
        path.write_text(json.dumps(meta))


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """``run_cli(*args, env={...}, home="home", timeout=60) -> CliResult``.

    Runs ``python -m bikefinder``. Runs with the same ``home`` share user dirs (and so
    the feed cache); pass another name for a cold start.
    """

    def run(
        *args: str,
        env: Mapping[str, str] | None = None,
        home: str = "home",
        timeout: float = 60,
    ) -> CliResult:
        home_dir = tmp_path / home
        home_dir.mkdir(exist_ok=True)
        started = time.monotonic()
        completed = subprocess.run(
            [sys.executable, "-m", "bikefinder", *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=cli_env(home_dir, env),
            cwd=tmp_path,
            timeout=timeout,
            check=False,
        )
        return CliResult(
            completed.returncode, completed.stdout, completed.stderr, time.monotonic() - started
        )

    return run


@pytest.fixture
def run_main(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> RunCli:
    """``run_main(*args, env={...}, home="home") -> CliResult``, in process."""
    from bikefinder.cli.main import main

    def run(
        *args: str,
        env: Mapping[str, str] | None = None,
        home: str = "home",
        timeout: float | None = None,
    ) -> CliResult:
        home_dir = tmp_path / home
        home_dir.mkdir(exist_ok=True)
        wanted = cli_env(home_dir, env)
        for key in list(os.environ):
            if key not in wanted:
                monkeypatch.delenv(key)
        for key, value in wanted.items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        started = time.monotonic()
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's --help / --version
            code = exit_.code if isinstance(exit_.code, int) else 1
        out, err = capsys.readouterr()
        return CliResult(code, out, err, time.monotonic() - started)

    return run


# --------------------------------------------------------------------------- shared data


@pytest.fixture(autouse=True)
def own_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HOME and the XDG dirs in a folder of the test's own: no test reads or writes the real
    user's files, and parallel workers share none (the UI tests' feed cache and learned
    coverage went to ``~/.cache/bikefinder``). A test's own settings still win."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name, folder in USER_DIRS.items():
        monkeypatch.setenv(name, str(home / folder))


@pytest.fixture
def fav_path(tmp_path: Path) -> Path:
    """A favourites file of the test's own (its folder does not exist yet)."""
    return tmp_path / "data" / "favourites.json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The built-in catalog (no cache dir): read once per module, never modified."""
    return load_catalog(None)


# --------------------------------------------------------------------------- parallel runs


#: The serial lock folder, on the controller of a pytest-xdist run only.
_SERIAL_LOCK_DIR = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """On the controller of a pytest-xdist run: the folder for the serial lock files."""
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        config.stash[_SERIAL_LOCK_DIR] = make_lock_dir()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Hand each xdist worker the run's lock folder."""
    node.workerinput[LOCK_DIR_KEY] = node.config.stash[_SERIAL_LOCK_DIR]


def pytest_unconfigure(config: pytest.Config) -> None:
    """The controller removes the lock folder once every worker is done."""
    lock_dir = config.stash.get(_SERIAL_LOCK_DIR, None)
    if lock_dir is not None:
        remove_lock_dir(lock_dir)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Run each test (setup to teardown) holding its share of the machine."""
    lock_dir = getattr(item.config, "workerinput", {}).get(LOCK_DIR_KEY)
    with machine_share(lock_dir, serial=item.get_closest_marker("serial") is not None):
        return (yield)


# --------------------------------------------------------------------------- the ui marker


#: What a test module that drives the Textual app contains (Pilot, snapshots, helpers).
_UI_SIGNS = ("run_test(", "snap_compare", "ui_support")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of a module that drives the app through Textual's Pilot ``ui``, so
    ``-m "not ui"`` runs what needs no terminal emulation (.ci/run's ``portable`` stage)."""
    ui_modules: dict[Path, bool] = {}
    for item in items:
        path = item.path
        if path not in ui_modules:
            text = path.read_text(encoding="utf-8") if path.suffix == ".py" else ""
            ui_modules[path] = any(sign in text for sign in _UI_SIGNS)
        if ui_modules[path]:
            item.add_marker(pytest.mark.ui)
