"""The thin I/O layer: fetch one document over a shared client (``httpx.AsyncClient``, or
httpx's synchronous one for a printed answer).

:class:`FeedFetcher` is the one fetch policy of every download (feeds, the catalog
sources, the geocoder): the body is capped after every Content-Encoding layer, the whole
answer must arrive within an overall deadline, redirects are followed hop by hop with
the same URL checks, and configured headers (keys) never leave their origins.
Everything that can go wrong on the wire becomes a one-line :class:`FeedError`.
Parsing lives in :mod:`bikefinder.feeds.gbfs`; this module only moves bytes.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import zlib
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit

import msgspec

from bikefinder import __version__
from bikefinder.common.errors import FeedError, FeedFormatError, UsageError, first_line
from bikefinder.common.logs import get_logger
from bikefinder.feeds.gbfs import decode_document
from bikefinder.feeds.runtime import ASYNCIO, Runtime, past_deadline

# httpx, asyncio, ipaddress and email are imported where they are used: a loader is
# built (and answers from a cache within its ttl) without any of them.
if TYPE_CHECKING:
    import httpx

log = get_logger(__name__)

#: Default ``Client-Identifier``: urbansharing (Oslo, Bergen) refuse requests without one.
DEFAULT_CLIENT_ID = f"bikefinder-{__version__}"
USER_AGENT = f"bikefinder/{__version__} (GBFS terminal client)"
#: Seconds to wait for a connection or for the next bytes of a response.
DEFAULT_TIMEOUT_S = 10.0
#: Overrides DEFAULT_TIMEOUT_S (tests use ~1 s so timeout cases finish quickly).
TIMEOUT_ENV = "BIKEFINDER_HTTP_TIMEOUT"
#: A whole response must arrive within this many timeouts, so a server trickling a
#: byte at a time cannot hold a fetch open forever.
DEADLINE_TIMEOUTS = 4
MAX_REDIRECTS = 5
#: Citi Bike's station_information is 1.2 MB and a 100,000-station system's about 25 MB;
#: a body that decodes (through every Content-Encoding) to more than this is refused.
MAX_FEED_BYTES = 64 * 1024 * 1024
#: The only Content-Encodings asked for and decoded (each layer counted against the cap).
ACCEPT_ENCODING = "gzip, deflate"
#: Wait for a 429's ``Retry-After`` only if it is this short; otherwise report it.
MAX_RETRY_AFTER_S = 10.0
RATE_LIMIT_RETRIES = 2


def make_http_client(
    client_id: str | None = None,
    headers: dict[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The one client a process shares for every feed of every system.

    Raises :class:`UsageError` for a ``client_id`` that cannot be sent as a header.
    """
    import httpx

    if transport is None:
        _import_network_backend()
    return httpx.AsyncClient(**client_settings(client_id, headers), transport=transport)


def client_settings(client_id: str | None, headers: dict[str, str] | None) -> dict[str, Any]:
    """What every client is made with (asynchronous or, for a printed answer,
    synchronous): the identifying headers, the timeouts, no redirects of its own.
    Raises :class:`UsageError` for a ``client_id`` that cannot be sent as a header."""
    import httpx

    check_client_id(client_id)
    timeout_s = http_timeout_s()
    all_headers = {
        "Client-Identifier": client_id or DEFAULT_CLIENT_ID,
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
        "Accept-Encoding": ACCEPT_ENCODING,
        **(headers or {}),
    }
    return {
        "headers": all_headers,
        "timeout": httpx.Timeout(timeout_s, connect=min(5.0, timeout_s)),
        # Redirects are followed by FeedFetcher, which decides per hop which headers go.
        "follow_redirects": False,
    }


class HttpResponse(Protocol):
    """What :class:`FeedFetcher` reads of an answer (``httpx.Response``'s own names)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> httpx.Headers: ...

    @property
    def url(self) -> httpx.URL: ...

    @property
    def is_redirect(self) -> bool: ...

    @property
    def is_stream_consumed(self) -> bool: ...

    @property
    def content(self) -> bytes: ...

    def aiter_raw(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class HttpClient(Protocol):
    """What :class:`FeedFetcher` asks of a client: ``httpx.AsyncClient``, or, for a
    printed answer's blocking runtime, :class:`BlockingHttp`."""

    @property
    def timeout(self) -> httpx.Timeout: ...

    def build_request(self, method: str, url: str, *, headers: dict[str, str]) -> httpx.Request: ...

    async def send(self, request: httpx.Request, *, stream: bool = False) -> HttpResponse: ...

    async def aclose(self) -> None: ...


def make_blocking_client(client_id: str | None = None) -> BlockingHttp:
    """httpx's synchronous client, for a printed answer's blocking runtime."""
    import httpx

    return BlockingHttp(httpx.Client(**client_settings(client_id, None)))


class BlockingHttp:
    """httpx's synchronous client behind the asynchronous methods :class:`FeedFetcher`
    calls; each completes at once (see :data:`bikefinder.feeds.runtime.BLOCKING`)."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    @property
    def timeout(self) -> httpx.Timeout:
        return self._client.timeout

    def build_request(self, method: str, url: str, *, headers: dict[str, str]) -> httpx.Request:
        return self._client.build_request(method, url, headers=headers)

    async def send(self, request: httpx.Request, *, stream: bool = False) -> BlockingResponse:
        return BlockingResponse(self._client.send(request, stream=stream))

    async def aclose(self) -> None:
        self._client.close()


class BlockingResponse:
    """A synchronous answer read through the asynchronous methods the fetcher uses; its
    body stops at the thread's deadline (:func:`~bikefinder.feeds.runtime.past_deadline`)."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self._response.headers

    @property
    def url(self) -> httpx.URL:
        return self._response.url

    @property
    def is_redirect(self) -> bool:
        return self._response.is_redirect

    @property
    def is_stream_consumed(self) -> bool:
        return self._response.is_stream_consumed

    @property
    def content(self) -> bytes:
        return self._response.content

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        for chunk in self._response.iter_raw():
            if past_deadline():
                raise TimeoutError("no complete answer within the deadline")
            yield chunk

    async def aclose(self) -> None:
        self._response.close()


def _import_network_backend() -> None:
    """Import what httpcore's first connection imports, anyio's asyncio backend (~40 ms):
    here, where the client is made (off the event loop in the app), not on the event
    loop at the first request, where it paused the screen. The module is anyio's own:
    if it moves, the first request imports it as before."""
    import importlib

    with contextlib.suppress(ImportError):
        importlib.import_module("anyio._backends._asyncio")


def http_timeout_s() -> float:
    """The network timeout: ``$BIKEFINDER_HTTP_TIMEOUT`` seconds if valid, else 10 s."""
    try:
        value = float(os.environ.get(TIMEOUT_ENV, ""))
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return value if math.isfinite(value) and 0 < value <= 600 else DEFAULT_TIMEOUT_S


def check_client_id(client_id: str | None) -> None:
    """Raise :class:`UsageError` unless ``client_id`` can be sent as a header value
    (printable ASCII). Call it while parsing flags, before any UI starts."""
    if client_id is not None and not (client_id and all(" " <= c <= "~" for c in client_id)):
        # The value is never echoed: it may be a key pasted with a stray character.
        raise UsageError("--client-id must be printable ASCII text (value not shown)")


#: Host names of cloud metadata services (their addresses are link-local too).
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})


def check_http_url(url: str) -> str | None:
    """Why ``url`` cannot be fetched (non-HTTP scheme, no host, bad port, a link-local
    or cloud-metadata address), or ``None``. Loopback stays allowed (local feeds)."""
    import httpx

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        return f"invalid URL ({first_line(exc)})"
    if parts.scheme.lower() not in ("http", "https"):
        return "refusing a non-HTTP URL"
    if not parts.hostname:
        return "invalid URL (no host)"
    if is_link_local(parts.hostname):
        return "refusing a link-local or cloud-metadata address"
    return None


def is_link_local(host: str) -> bool:
    """169.254.0.0/16, fe80::/10 (also IPv4-mapped) or a metadata service's name."""
    import ipaddress

    host = host.strip("[]").lower().rstrip(".")
    if host in METADATA_HOSTS:
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_link_local or (mapped is not None and mapped.is_link_local)


def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


class FetchedBody(msgspec.Struct, frozen=True):
    """A feed's raw body (decoded from any Content-Encoding, not yet parsed) and the
    headers that matter for caching.

    ``not_modified`` means the server answered 304 to a conditional request: there is
    no body and nothing to parse.
    """

    url: str
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """``If-None-Match`` / ``If-Modified-Since`` for a feed fetched before."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


class FeedFetcher:
    """Fetches bodies for one system (or one other source: the catalog, the geocoder),
    naming it in every error. See the module docs for the policy it applies."""

    def __init__(
        self,
        http: HttpClient | None,
        system_label: str,
        max_bytes: int = MAX_FEED_BYTES,
        *,
        origin_headers: Mapping[str, str] | None = None,
        origins: frozenset[tuple[str, str, int | None]] = frozenset(),
        deadline_s: float | None = None,
        on_bytes: Callable[[int], None] | None = None,
        runtime: Runtime = ASYNCIO,
    ) -> None:
        """``origin_headers`` (API keys and other configured headers) go only to URLs of
        ``origins`` (the system's gbfs.json origin, and hosts the user listed), never to
        other feed hosts and never across a redirect to another origin.

        ``deadline_s`` bounds each whole answer (default: :data:`DEADLINE_TIMEOUTS`
        network timeouts); ``on_bytes`` hears the decoded size as a body streams in."""
        #: ``None`` until a client is attached (reading the cache needs none).
        self.http = http
        self.system_label = system_label
        self.max_bytes = max_bytes
        self.origin_headers = dict(origin_headers or {})
        self.origins = origins
        self.deadline_s = deadline_s
        self.on_bytes = on_bytes
        #: How it waits (see :mod:`bikefinder.feeds.runtime`).
        self.runtime = runtime

    def error(self, feed: str, cause: str, url: str | None = None) -> FeedError:
        return FeedError(self.system_label, feed, cause, url)

    async def fetch(
        self,
        feed: str,
        url: str,
        *,
        optional: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchedBody | None:
        """GET ``url``; ``None`` for an optional feed that is missing.

        With ``etag`` / ``last_modified`` from an earlier fetch the request is
        conditional, and a 304 comes back as ``not_modified`` without a body.
        """
        request_headers = conditional_headers(etag, last_modified)
        problem = check_http_url(url)
        if problem is not None:
            raise self.error(feed, problem, url[:200])
        started = time.perf_counter()
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            status, body, headers = await self._get(feed, url, request_headers)
            if status == 429 and attempt < RATE_LIMIT_RETRIES:
                delay = retry_after_s(headers.get("retry-after"))
                if delay is not None and delay <= MAX_RETRY_AFTER_S:
                    await self.runtime.sleep(delay)
                    continue
            break
        log.debug(
            "%s %s: HTTP %d, %d bytes, %.0f ms%s",
            feed, url, status, len(body), (time.perf_counter() - started) * 1000,
            " (conditional)" if request_headers else "",
        )  # fmt: skip
        if optional and status in (404, 410):
            return None
        if status == 304 and request_headers:
            return FetchedBody(
                url=url,
                etag=headers.get("etag", etag),
                last_modified=headers.get("last-modified", last_modified),
                not_modified=True,
            )
        if status >= 400:
            raise self.error(feed, http_cause(status, headers), url)
        return FetchedBody(
            url=url,
            body=body,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
        )

    async def _get(
        self, feed: str, url: str, request_headers: dict[str, str]
    ) -> tuple[int, bytes, httpx.Headers]:
        """One GET within the overall deadline, every failure turned into a FeedError."""
        import httpx

        if self.http is None:
            raise RuntimeError("FeedFetcher has no HTTP client attached")
        deadline_s = self.deadline_s or DEADLINE_TIMEOUTS * (
            self.http.timeout.read or DEFAULT_TIMEOUT_S
        )
        try:
            async with self.runtime.deadline(deadline_s):
                return await self._read(feed, url, request_headers)
        except TimeoutError:
            cause = f"timed out (no complete answer within {deadline_s:.0f} s)"
            raise self.error(feed, cause, url) from None
        except httpx.TooManyRedirects:
            raise self.error(feed, "too many redirects", url) from None
        except httpx.TimeoutException:
            raise self.error(feed, "timed out", url) from None
        except httpx.ConnectError as exc:
            raise self.error(feed, connect_cause(exc), url) from None
        except httpx.DecodingError:
            raise self.error(feed, "response body is corrupt (bad compression)", url) from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise self.error(feed, f"connection broken ({first_line(exc)})", url) from None
        except httpx.InvalidURL as exc:  # e.g. a redirect to an unusable Location
            raise self.error(feed, f"invalid URL ({first_line(exc)})", url) from None
        except httpx.HTTPError as exc:
            raise self.error(feed, f"network error ({first_line(exc)})", url) from None
        except ExceptionGroup as group:  # anyio's, e.g. a redirect to a port out of range
            first = group.exceptions[0]
            raise self.error(feed, f"network error ({first_line(first)})", url) from None

    def headers_for(self, url: str) -> dict[str, str]:
        """The configured headers ``url`` may receive: all of them on an allowed origin,
        none elsewhere."""
        if self.origin_headers and origin_of(url) in self.origins:
            return self.origin_headers
        return {}

    async def _read(
        self, feed: str, url: str, request_headers: dict[str, str]
    ) -> tuple[int, bytes, httpx.Headers]:
        """Follow redirects (each hop checked like a feed URL, configured headers only
        to allowed origins), then read the final answer."""
        import httpx

        assert self.http is not None  # checked by _get
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            headers = {**request_headers, **self.headers_for(current)}
            request = self.http.build_request("GET", current, headers=headers)
            response = await self.http.send(request, stream=True)
            try:
                location = response.headers.get("location")
                if not (response.is_redirect and location):
                    return await self._read_body(feed, url, response)
            finally:
                await response.aclose()
            current = urljoin(str(response.url), location.strip())
            problem = check_http_url(current)
            if problem is not None:
                raise self.error(feed, f"redirected to an unusable URL: {problem}", url)
        raise httpx.TooManyRedirects("too many redirects", request=request)

    async def _read_body(
        self, feed: str, url: str, response: HttpResponse
    ) -> tuple[int, bytes, httpx.Headers]:
        """Status, body (decoded, at most ``max_bytes``; none for an error status) and
        headers. Compressed bodies are inflated here as they stream, never past the cap."""
        if response.status_code >= 400:
            return response.status_code, b"", response.headers
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self.error(feed, f"response too large ({int(declared):,} bytes)", url)
        if response.is_stream_consumed:  # built in memory (MockTransport): no stream
            if len(response.content) > self.max_bytes:
                raise self.error(feed, f"response larger than {self.max_bytes // 2**20} MB", url)
            return response.status_code, response.content, response.headers
        try:
            decoder = BoundedDecoder(response.headers.get("content-encoding", ""), self.max_bytes)
            chunks: list[bytes] = []
            async for chunk in response.aiter_raw():
                chunks.append(decoder.feed(chunk))
                if self.on_bytes is not None:
                    self.on_bytes(decoder.total)
            chunks.append(decoder.finish())
        except BodyTooLarge:
            cause = f"response larger than {self.max_bytes // 2**20} MB"
            raise self.error(feed, cause, url) from None
        except BadEncoding as exc:
            raise self.error(feed, str(exc), url) from None
        return response.status_code, b"".join(chunks), response.headers


class BodyTooLarge(Exception):
    """A body decoded to more bytes than allowed."""


class BadEncoding(Exception):
    """A body whose Content-Encoding cannot be decoded."""


class BoundedDecoder:
    """Undoes a response's Content-Encoding layers (gzip, deflate, identity) as chunks
    stream in, counting every layer's output against ``limit``: a small body that
    inflates (or inflates twice) into gigabytes is stopped at the cap, not in memory."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        names = [name.strip().lower() for name in content_encoding.split(",") if name.strip()]
        # Encodings are listed in the order they were applied: undo the last first.
        self._layers = [_Inflater(name, limit) for name in reversed(names) if name != "identity"]
        self._limit = limit
        self._total = 0

    def feed(self, chunk: bytes) -> bytes:
        for layer in self._layers:
            chunk = layer.inflate(chunk)
        return self._count(chunk)

    def finish(self) -> bytes:
        chunk = b""
        for layer in self._layers:
            chunk = layer.inflate(chunk) + layer.finish()
        return self._count(chunk)

    @property
    def total(self) -> int:
        """Decoded bytes so far."""
        return self._total

    def _count(self, chunk: bytes) -> bytes:
        self._total += len(chunk)
        if self._total > self._limit:
            raise BodyTooLarge
        return chunk


class _Inflater:
    """One gzip or deflate layer, never producing more than ``limit`` bytes in all."""

    def __init__(self, encoding: str, limit: int) -> None:
        if encoding in ("gzip", "x-gzip"):
            wbits = 16 + zlib.MAX_WBITS
        elif encoding == "deflate":
            wbits = zlib.MAX_WBITS  # zlib-wrapped, as HTTP says; raw deflate tried on error
        else:
            raise BadEncoding(f"unsupported Content-Encoding {encoding[:40]!r}")
        self._encoding = encoding
        self._inflater = zlib.decompressobj(wbits)
        self._budget = limit
        self._started = False

    def inflate(self, data: bytes) -> bytes:
        if not data:
            return b""
        try:
            out = self._inflater.decompress(data, self._budget + 1)
        except zlib.error:
            if self._encoding == "deflate" and not self._started:
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                self._encoding = "raw deflate"
                return self.inflate(data)
            raise BadEncoding("response body is corrupt (bad compression)") from None
        self._started = True
        self._budget -= len(out)
        if self._budget < 0 or self._inflater.unconsumed_tail:
            raise BodyTooLarge
        return out

    def finish(self) -> bytes:
        if not self._started:
            return b""
        try:
            out = self._inflater.flush()
        except zlib.error:
            raise BadEncoding("response body is corrupt (bad compression)") from None
        if not self._inflater.eof:
            raise BadEncoding("response body is corrupt (compressed data cut short)")
        self._budget -= len(out)
        if self._budget < 0:
            raise BodyTooLarge
        return out


def connect_cause(exc: httpx.ConnectError) -> str:
    text = str(exc).lower()
    if (
        "name or service not known" in text
        or "nodename nor servname" in text
        or ("temporary failure in name resolution" in text)
        or "no address associated" in text
    ):
        return "cannot resolve host (offline or wrong URL?)"
    if "refused" in text or "all connection attempts failed" in text:
        return "connection refused"
    return f"cannot connect ({first_line(exc)})"


def http_cause(status: int, headers: httpx.Headers) -> str:
    """A rider-readable cause for an HTTP error status."""
    import httpx

    phrase = httpx.codes.get_reason_phrase(status)  # "" for a status it does not know
    cause = f"HTTP {status} {phrase}".strip()
    if status in (401, 403):
        cause += " (the system may require a Client-Identifier or key: try --client-id)"
    elif status == 429:
        delay = retry_after_s(headers.get("retry-after"))
        cause += f" (rate limited; retry after {delay:.0f} s)" if delay else " (rate limited)"
    return cause


def retry_after_s(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date; ``None`` for a value
    no clock can hold (NaN, infinity, a year beyond 9999), which is never waited for."""
    if not value:
        return None
    value = value.strip()[:100]
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def decode_json(body: bytes, error: Any) -> Any:
    """Decode a JSON body, turning every kind of garbage into a precise cause, raised
    as ``error(cause)``."""
    try:
        return decode_document(body, "")
    except FeedFormatError as exc:
        raise error(exc.reason) from None
