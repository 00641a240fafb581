"""Running the verification page: uvicorn with the bounds a public page needs.

Kept in the web face (not the CLI) so Starlette and uvicorn stay under ``station.web``
(docs/architecture.md); ``station serve`` only parses its options and calls :func:`serve`.
"""

from __future__ import annotations

from typing import Any

import uvicorn

from station.web.verify_page import create_app

MAX_CONNECTIONS = 256
KEEP_ALIVE_S = 5
MAX_HEADER_BYTES = 16 * 1024


def serve(station: Any, *, host: str, port: int, rate_limit_per_minute: int) -> None:
    """Serve ``/v/TOKEN`` for ``station`` until interrupted."""
    app = create_app(station, rate_limit_per_minute=rate_limit_per_minute)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
        # A page anyone on the internet can hit: bounded connections and idle time, so a
        # flood of slow clients cannot hold the office server (see docs/security.md).
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=KEEP_ALIVE_S,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
    )
