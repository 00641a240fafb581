"""The mayor's view served alone (``station city serve``): ``/kota`` and nothing else, in a
process that opened only the city's read-only role (``[database] city_url``), so the process
behind the page holds no URL that can read a resident (docs/city.md). ``station serve --city``
also serves ``/kota`` beside the verification page, which needs the administrator's URL."""

from __future__ import annotations

from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from station.web.city_page import Sessions, _page, city_routes
from station.web.server import (
    KEEP_ALIVE_S,
    MAX_CONNECTIONS,
    MAX_HEADER_BYTES,
    BoundedH11Protocol,
    forwarding_options,
)
from station.web.verify_page import RateLimit, RequestGuard, SecurityHeaders


def kota_app(
    server: Any, *, rate_limit_per_minute: int = 120, sessions: Sessions | None = None
) -> Any:
    """The mayor's view alone (``station city serve``): ``/kota`` and nothing else, for a
    process that opened only the city's read-only role (``[database] city_url``), so the
    process behind the page holds no URL that can read a resident (docs/city.md). The same
    middleware as the verification page: security headers, rate limit, request guard."""

    async def home(request: Request) -> Response:
        return RedirectResponse("/kota", status_code=303)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        status = status if status in (404, 405) else 404
        return _page("Tidak ditemukan", "<p>Halaman tidak ditemukan.</p>", status)

    async def failure(request: Request, exc: Exception) -> Response:
        return _page("Gangguan", "<p>Layanan sedang terganggu. Coba lagi nanti.</p>", 503)

    app = Starlette(
        routes=[Route("/", home, methods=["GET"]), *city_routes(server, sessions)],
        exception_handlers={HTTPException: not_found, Exception: failure},
    )
    return SecurityHeaders(RateLimit(RequestGuard(app), rate_limit_per_minute))


def serve_kota(server: Any, *, host: str, port: int, rate_limit_per_minute: int) -> None:
    """Serve :func:`kota_app` until interrupted, bounded like the verification page."""
    uvicorn.run(
        kota_app(server, rate_limit_per_minute=rate_limit_per_minute),
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
        http=BoundedH11Protocol,
        ws="none",
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=KEEP_ALIVE_S,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        **forwarding_options(server.config.web.trusted_proxies),
    )
