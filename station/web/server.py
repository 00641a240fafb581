"""Running the verification page: uvicorn with the bounds a public page needs.

Kept in the web face (not the CLI) so Starlette and uvicorn stay under ``station.web``
(docs/architecture.md); ``station serve`` only parses its options and calls :func:`serve`.

Why protocol classes of our own (docs/security.md §2.5):

- uvicorn's httptools protocol has no limit on the request head at all: a 64 MB header was
  answered 200 and a hundred half-sent 20 MB headers grew the server to over 2 GB.
  :class:`BoundedHttpToolsProtocol` (the one served: httptools parses in C; the page serves
  about a quarter more requests per second than on h11, bench/verify_bench.py) counts the
  bytes of a head still incomplete and measures a head once parsed, refusing either beyond
  ``MAX_HEADER_BYTES`` with 431 before the app runs.
  :class:`BoundedH11Protocol` is the same bound on uvicorn's pure-Python h11 protocol
  (``PROTOCOL`` names the one used; the server tests run both): h11's own buffer limit for a
  head arriving in pieces, checked here for a head that came whole in one read (h11 only
  limits an *incomplete* head).
- A request head must be complete within ``HEAD_TIMEOUT_S``: a client trickling one byte at
  a time (slowloris) no longer holds a connection for ever.
- The answers uvicorn writes itself (400 for a request it cannot read, 431 for a head too
  long, 503 when the connection cap is reached) never pass through the app, so they would
  lack the page's security headers; here they carry the same ones (``SECURITY_HEADERS``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from station.web.verify_page import SECURITY_HEADERS, create_app

MAX_CONNECTIONS = 256
KEEP_ALIVE_S = 5
MAX_HEADER_BYTES = 16 * 1024
HEAD_TIMEOUT_S = 10.0

REFUSALS = {
    400: (b"Bad Request", "Permintaan tidak dapat dibaca.\n"),
    431: (b"Request Header Fields Too Large", "Kepala permintaan terlalu besar.\n"),
    503: (b"Service Unavailable", "Layanan sedang sibuk. Coba lagi sebentar lagi.\n"),
}


def _refusal_headers(status: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = REFUSALS[status][1].encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"connection", b"close"),
        *SECURITY_HEADERS,
    ]
    if status == 503:
        headers.append((b"retry-after", b"5"))
    return headers, body


async def busy(scope: Any, receive: Any, send: Any) -> None:
    """The answer beyond ``MAX_CONNECTIONS`` (uvicorn's own has no security headers)."""
    headers, body = _refusal_headers(503)
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _head_bytes(request: h11.Request) -> int:
    """The size of a parsed request head, near enough to the bytes it came in."""
    size = len(request.method) + len(request.target) + 12
    for name, value in request.headers:
        size += len(name) + len(value) + 4
    return size


class BoundedConnection(h11.Connection):
    """h11's server side, also refusing a *complete* head over ``MAX_HEADER_BYTES`` (h11
    limits only what it holds while a head is incomplete, so a 64 KB head read in one piece
    would pass), and remembering the status its refusal deserves (431 or 400)."""

    def __init__(self, max_head: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_head)
        self.max_head = max_head
        self.refusal = 400
        self.on_request: Any = None

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.refusal = 431 if exc.error_status_hint == 431 else 400
            raise
        if isinstance(event, h11.Request):
            if _head_bytes(event) > self.max_head:
                self.refusal = 431
                raise h11.RemoteProtocolError("request head too long", error_status_hint=431)
            if self.on_request is not None:
                self.on_request()
        return event


class _Bounds:
    """What both bounded protocols add to uvicorn's: the connection cap answered by ``busy``
    (with our headers), and the time limit for receiving a request head. Mixed in front of
    uvicorn's protocol class, which provides ``app``, ``loop``, ``transport``, ``cycle``,
    ``connections``, ``tasks`` and ``limit_concurrency``."""

    app: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    connections: Any
    tasks: Any
    limit_concurrency: int | None

    def _install_bounds(self) -> None:
        self._head_timer: asyncio.TimerHandle | None = None
        # uvicorn's own over-the-cap answer is a module function without our headers: the
        # same test is made here, in front of the app, answered by `busy`.
        self.connection_cap = self.limit_concurrency
        self.limit_concurrency = None
        inner = self.app

        async def app(scope: Any, receive: Any, send: Any) -> None:
            cap = self.connection_cap
            # This request's task is already in `tasks`, hence `>` where uvicorn has `>=`.
            if cap is not None and (len(self.connections) >= cap or len(self.tasks) > cap):
                await busy(scope, receive, send)
                return
            await inner(scope, receive, send)

        self.app = app

    # --- the time limit for a request head -------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)  # type: ignore[misc]

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT_S, self._head_too_slow)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_received(self) -> None:
        self._cancel_head_timer()

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.cycle is None or self.cycle.response_complete:
            # No request in progress: a head still trickling in (or never started).
            self.transport.close()

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _data_arrives(self) -> None:
        if self._head_timer is None and self._between_requests():
            # The first bytes of a next request on a kept-alive connection.
            self._arm_head_timer()


class BoundedH11Protocol(_Bounds, H11Protocol):
    """uvicorn's h11 protocol with a bounded request head, a time limit for receiving it, and
    security headers on the answers uvicorn writes without the app."""

    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.bounded = BoundedConnection(MAX_HEADER_BYTES)
        self.bounded.on_request = self._head_received
        self.conn = self.bounded
        self._install_bounds()

    def data_received(self, data: bytes) -> None:
        self._data_arrives()
        super().data_received(data)

    # --- uvicorn's own refusals, with our headers ------------------------------------------

    def send_400_response(self, msg: str) -> None:
        status = self.bounded.refusal
        headers, body = _refusal_headers(status)
        try:
            for event in (
                h11.Response(status_code=status, headers=headers, reason=REFUSALS[status][0]),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event) or b"")
        except h11.LocalProtocolError:
            pass  # a response was already under way: nothing more can be said on this one
        self.transport.close()


class BoundedHttpToolsProtocol(_Bounds, HttpToolsProtocol):
    """uvicorn's httptools protocol with the same bounds as :class:`BoundedH11Protocol`.

    httptools (llhttp) keeps a header line it has not finished in memory without any limit,
    so the head is bounded here, in two ways: while a head is incomplete, every byte that
    arrives counts, and beyond ``MAX_HEADER_BYTES`` the connection is answered 431 and closed
    (so at most the bound plus one read of the socket is ever held); a head that completes is
    measured as parsed (request line and headers) before the app is started, and over the
    bound it is refused the same way, the app never seeing it."""

    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._install_bounds()
        self._head_open = True  # bytes now arriving belong to a request head
        self._head_seen = 0  # bytes of the incomplete head so far
        self.refusal = 400

    def data_received(self, data: bytes) -> None:
        self._data_arrives()
        open_before = self._head_open
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._head_open:
            # Still within a head: all of this read counts (an upper bound of its bytes). A
            # head begun after the end of a previous request in the same read counts from
            # the next read on.
            if open_before:
                self._head_seen += len(data)
            if self._head_seen > MAX_HEADER_BYTES:
                self.refusal = 431
                self.send_400_response("request head too long")

    def on_headers_complete(self) -> None:
        size = len(self.url) + 16  # method, the two spaces, "HTTP/1.1" and CRLF
        for name, value in self.headers:
            size += len(name) + len(value) + 4
        if size > MAX_HEADER_BYTES:
            self.refusal = 431
            # httptools stops on any error raised here; data_received answers 431 (refusal)
            raise ValueError("request head too long")
        self._head_open = False
        self._head_seen = 0
        self._head_received()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_open = True

    def send_400_response(self, msg: str) -> None:
        if not self._between_requests():
            # A response is under way: nothing more can be said on this connection.
            self.transport.close()
            return
        status = self.refusal
        headers, body = _refusal_headers(status)
        head = [b"HTTP/1.1 %d %s\r\n" % (status, REFUSALS[status][0])]
        head += [name + b": " + value + b"\r\n" for name, value in headers]
        self.transport.write(b"".join(head) + b"\r\n" + body)
        self.transport.close()


# The protocol `serve` runs (the server tests start each in turn).
PROTOCOL: type[asyncio.Protocol] = BoundedHttpToolsProtocol


def forwarding_options(trusted_proxies: Sequence[str]) -> dict[str, Any]:
    """uvicorn's proxy settings: ``X-Forwarded-For``/``-Proto`` are believed only from the
    addresses in ``[web] trusted_proxies``; with none (the default), never, so a client cannot
    name itself another address and escape the rate limit."""
    if not trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(trusted_proxies)}


def serve(station: Any, *, host: str, port: int, rate_limit_per_minute: int) -> None:
    """Serve ``/v/TOKEN`` for ``station`` until interrupted."""
    app = create_app(station, rate_limit_per_minute=rate_limit_per_minute)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
        http=PROTOCOL,
        ws="none",
        # A page anyone on the internet can hit: bounded connections and idle time, so a
        # flood of slow clients cannot hold the office server (see docs/security.md).
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=KEEP_ALIVE_S,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        **forwarding_options(station.config.web.trusted_proxies),
    )
