"""The public verification page: ``GET /v/{TOKEN}`` (HTML for a phone) and ``/api/v/{TOKEN}``.

Anyone who scans a letter's QR lands here. The page shows a letter only for a token whose
signature checks with one of the office's keys: the lookup number comes from the signed
payload, so there is no way to enumerate letters by number or id. Everything shown is the
public view (masked NIK, birth dates hidden). Any input gets an answer, never a 500; one
client is rate-limited; the page loads nothing from elsewhere (CSP ``default-src 'none'``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from station.letters.catalogue import load_catalogue
from station.letters.formats import format_date_id, mask_name
from station.letters.seal import SealFormatError, Verification, Verifier, decode_token
from station.letters.verify import (
    DocumentCache,
    Issuer,
    LetterCheck,
    city_verifier,
    issuer_mismatch,
    offline_check,
    register_check,
)
from station.store.errors import DatabaseBusy, DatabaseUnavailable

KEY_REFRESH_SECONDS = 30.0
SEAL_CACHE_SIZE = 4096
# Register look-ups at once (threads, and PostgreSQL connections of the page's own pool): a
# few keep a remote database busy; more only make threads wait for the GIL and the 2 cores.
LOOKUP_THREADS = 4
# The longest URL served: a QR's URL is about 310 characters; 8 KB leaves room for tracking
# parameters a messenger app may add, and nothing more is ever read.
MAX_URL_BYTES = 8192

STYLE = """
body{margin:0;font:18px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1a1a1a;background:#f4f4f4}
main{max-width:40rem;margin:0 auto;padding:1rem}
.v{border-radius:.6rem;padding:1rem 1.2rem;color:#fff;margin-bottom:1rem}
.v h1{margin:0;font-size:2.2rem;letter-spacing:.05em}
.v p{margin:.3rem 0 0;font-size:1.05rem}
.ok{background:#1b7a35}.bad{background:#b3261e}.warn{background:#9a5b00}.rev{background:#5b2a86}
dl{background:#fff;border-radius:.6rem;padding:.8rem 1.2rem;margin:0 0 1rem}
dt{font-size:.85rem;color:#555;margin-top:.5rem}dd{margin:0;font-size:1.15rem;font-weight:600;
overflow-wrap:anywhere}
pre{background:#fff;border-radius:.6rem;padding:1rem;white-space:pre-wrap;
font:15px/1.4 ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:1.2rem 0 .5rem}footer{font-size:.85rem;color:#555}
""".strip()
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

# Only "valid" is green: the seal checks AND the register holds the letter unrevoked.
CLASSES = {
    "valid": "ok",
    "expired": "warn",
    "revoked": "rev",
    "unrecorded": "warn",
    "unconfirmed": "warn",
}
HEADLINES = {
    "valid": "Surat ini asli dan tercatat di kantor.",
    "expired": "Surat ini asli, tetapi masa berlakunya sudah habis.",
    "revoked": "Surat ini asli, tetapi telah DICABUT oleh kantor dan tidak berlaku lagi.",
    "unknown_key": "Kode QR ini tidak ditandatangani oleh kunci kantor ini.",
    "invalid": "Kode QR ini bukan segel surat yang sah atau telah diubah.",
    "compromised": "Kunci penanda tangan surat ini telah dinyatakan bocor: surat ini tidak dapat "
    "dipercaya.",
    "unrecorded": "Tanda tangan cocok, tetapi surat ini TIDAK TERCATAT di register kantor. "
    "Jangan terima surat ini; tanyakan ke kelurahan.",
    "unconfirmed": "Tanda tangan sah, tetapi register kantor sedang tidak dapat dihubungi: "
    "status surat BELUM DAPAT DIPASTIKAN. Periksa lagi nanti.",
}


# ------------------------------------------------------------------------------------------
# Middleware


Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


class SecurityHeaders:
    """Adds the security headers to every response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                # A page with a policy of its own (/kota: forms post to this site) keeps it.
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class RateLimit:
    """At most ``per_minute`` requests per client address in a fixed one-minute window
    (0 = no limit). The address is the connection's, or behind a proxy listed in
    ``[web] trusted_proxies`` the one its ``X-Forwarded-For`` names (station/web/server.py);
    a forwarded header from anyone else is ignored."""

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app = app
        self.per_minute = per_minute
        self._window = 0
        self._counts: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.per_minute <= 0:
            await self.app(scope, receive, send)
            return
        window = int(time.monotonic() // 60)
        if window != self._window:
            self._window, self._counts = window, {}
        client = (scope.get("client") or ("?", 0))[0]
        count = self._counts.get(client, 0) + 1
        self._counts[client] = count
        if count > self.per_minute:
            response = _page(
                429,
                "Terlalu banyak permintaan",
                "<p>Terlalu banyak pemeriksaan dari alamat ini. Coba lagi sebentar lagi.</p>",
            )
            response.headers["retry-after"] = "60"
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class RequestGuard:
    """Refuses, before any routing, what no QR can produce: a URL longer than
    ``MAX_URL_BYTES`` (414) and a path or query string that is not UTF-8 or does not start
    with ``/`` (400). Starlette itself would raise on an undecodable query string while
    building a 404's redirect, which is an error page instead of a plain refusal."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or str(scope.get("path", "")).encode("utf-8", "replace")
        query = scope.get("query_string") or b""
        response: Response | None = None
        if len(raw_path) + len(query) > MAX_URL_BYTES:
            response = _page(414, "Alamat terlalu panjang", "<p>Alamat terlalu panjang.</p>")
        else:
            try:
                query.decode("utf-8")
                raw_path.decode("utf-8")
                ok = str(scope.get("path", "")).startswith("/")
            except UnicodeDecodeError:
                ok = False
            if not ok:
                response = malformed_page()
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


# ------------------------------------------------------------------------------------------
# Pages


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _page(status: int, title: str, body: str) -> HTMLResponse:
    text = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{_e(title)}</title>'
        f"<style>{STYLE}</style></head><body><main>{body}"
        "<footer>Verifikasi surat elektronik kelurahan. Data pribadi disamarkan sesuai "
        "UU 27/2022.</footer></main></body></html>"
    )
    return HTMLResponse(text, status_code=status)


def _verdict_box(status: str, verdict: str, message: str) -> str:
    css = CLASSES.get(status, "bad")
    return f'<div class="v {css}"><h1>{_e(verdict)}</h1><p>{_e(message)}</p></div>'


def _date(value: Any) -> str:
    return format_date_id(value) if value else "tidak dibatasi"


def letter_page(check: LetterCheck, office: dict[str, str], tz: Any) -> HTMLResponse:
    """``tz``: the office's time zone; a stored moment (the revocation) is shown as the office's
    day, like the letter's own date (docs/architecture.md, "Time")."""
    parts = [_verdict_box(check.status, check.verdict, HEADLINES[check.status])]
    payload = check.seal.payload
    if check.shows_letter and payload is not None:
        rows = [
            ("Nomor surat", payload.number),
            ("Jenis surat", check.document.title if check.document else payload.type_code),
            ("Tanggal surat", _date(payload.issued_on)),
            ("Berlaku sampai", _date(payload.valid_until)),
            ("Diterbitkan oleh", office.get("name", payload.office_code)),
        ]
        if check.signer is not None:
            name, position = check.signer
            on_behalf = check.document.signer.on_behalf if check.document else ""
            if on_behalf:  # a delegate: "SEKRETARIS KELURAHAN, a.n. LURAH OESAPA"
                position = f"{position}, {on_behalf}"
            rows.append(("Ditandatangani", f"{name} ({position})" if position else name))
        holder = mask_name(payload.holder_name) + ("…" if payload.name_truncated else "")
        rows += [("Atas nama", holder), ("NIK", payload.nik_masked)]
        rows += list(check.public_fields)
        if check.revoked_at is not None:
            rows.append(("Dicabut", format_date_id(check.revoked_at.astimezone(tz).date())))
            rows.append(("Alasan pencabutan", check.revoke_reason or "-"))
        parts.append(
            "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows) + "</dl>"
        )
        parts.append(f"<p>{_e(check.message)}</p>")
        if check.text_matches is False:
            parts.append(
                "<p>Perhatian: isi surat di register tidak cocok dengan segel. Tanyakan ke "
                "kantor kelurahan.</p>"
            )
        parts.append(
            "<p>Nama dan NIK disamarkan. Cocokkan nomor, tanggal dan nama dengan surat kertas "
            "dan KTP pemegangnya.</p>"
        )
    else:
        parts.append(f"<p>{_e(check.message)}</p>")
        parts.append(
            "<p>Jangan menerima surat ini sebagai surat asli. Tanyakan langsung ke kantor "
            "kelurahan.</p>"
        )
    return _page(200, f"{check.verdict} - Verifikasi Surat", "".join(parts))


def malformed_page() -> HTMLResponse:
    body = _verdict_box(
        "invalid",
        "TIDAK VALID",
        "Alamat ini tidak memuat kode QR surat yang dapat dibaca.",
    )
    return _page(400, "TIDAK VALID - Verifikasi Surat", body)


# ------------------------------------------------------------------------------------------
# The app


class VerificationService:
    """Every public key the database user may read, refreshed every 30 s so a rotation is
    seen, with the office each key belongs to, and the register lookups; a register that
    cannot be reached gives the offline verdict.

    One page serves one office or a whole city (docs/city.md): the key id in the token names
    the key, the key names its office, and the letter is looked up in that office's register.
    On an office PC whose role row security confines to its office, only its own keys load."""

    def __init__(self, station: Any) -> None:
        self.station = station
        self._lock = threading.Lock()
        self._verifier = Verifier({})
        self.issuers: dict[str, Issuer] = {}
        self._loaded_at = -1e9
        self.documents = DocumentCache()
        # Which fields of each type are public (built-in types plus the home's own).
        self.catalogue = load_catalogue([Path(station.config.home) / "letters"])
        # token -> (day, seal verdict): a pure function of token, keys and day; cleared with
        # every key reload so a rotation or a new day is seen within KEY_REFRESH_SECONDS.
        self._seals: OrderedDict[str, tuple[Any, Verification]] = OrderedDict()
        # The checks' own threads (a plain executor: less handing over than anyio's pool).
        self.threads = ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="verify")
        self._lookups = _lookup_engine(station.db.engine)

    def _register(self, office_id: int, text: str, seal: Verification) -> LetterCheck:
        """The register's word on one letter. On PostgreSQL one statement in autocommit on the
        page's own pool (one round trip: no BEGIN/COMMIT, no ping), retried once on a fresh
        connection when the one it had was dropped (the server restarted); on SQLite a read
        transaction as everywhere else."""
        if self._lookups is None:
            with self.station.db.read() as session:
                return self._register_in(session, office_id, text, seal)
        for attempt in (1, 2):
            try:
                with Session(self._lookups) as session:
                    return self._register_in(session, office_id, text, seal)
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def _register_in(
        self, session: Session, office_id: int, text: str, seal: Verification
    ) -> LetterCheck:
        return register_check(
            session, office_id, text, seal, cache=self.documents, catalogue=self.catalogue
        )

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._loaded_at < KEY_REFRESH_SECONDS:
            return
        with self._lock, self.station.db.read() as session:
            verifier, issuers = city_verifier(session)
        self._verifier = verifier
        self.issuers = issuers
        self._seals = OrderedDict()
        self._loaded_at = now

    def _seal(self, token: str, today: Any) -> Verification:
        found = self._seals.get(token)
        if found is not None and found[0] == today:
            return found[1]
        seal = self._verifier.verify(token, today=today)
        self._seals[token] = (today, seal)
        if len(self._seals) > SEAL_CACHE_SIZE:
            self._seals.popitem(last=False)
        return seal

    async def run(self, token: str) -> LetterCheck:
        """:meth:`check` on one of the ``LOOKUP_THREADS`` threads (the event loop never waits
        for the database)."""
        return await asyncio.get_running_loop().run_in_executor(self.threads, self.check, token)

    def seen(self, token: str) -> bool:
        """Whether ``token``'s seal verdict is cached (so it decoded)."""
        return token in self._seals

    def issuer(self, check: LetterCheck) -> Issuer | None:
        return self.issuers.get(check.seal.key_id or "")

    def office(self, check: LetterCheck) -> dict[str, str]:
        """What the page names as the issuer: the kelurahan the key belongs to."""
        issuer = self.issuer(check)
        return {"name": issuer.label, "code": issuer.code} if issuer is not None else {}

    def tz(self, check: LetterCheck) -> Any:
        issuer = self.issuer(check)
        if issuer is None:
            return self.station.clock.tz
        from zoneinfo import ZoneInfo

        return ZoneInfo(issuer.timezone)

    def check(self, text: str) -> LetterCheck:
        today = self.station_today()
        try:
            self._refresh()
        except (SQLAlchemyError, DatabaseBusy, DatabaseUnavailable):
            return offline_check(self._verifier.verify(text, today=today), reachable=False)
        seal = self._seal(text, today)
        issuer = self.issuers.get(seal.key_id or "")
        refused = issuer_mismatch(seal, issuer)
        if refused is not None:
            return refused
        try:
            return self._register(issuer.office_id if issuer is not None else -1, text, seal)
        except (SQLAlchemyError, DatabaseBusy, DatabaseUnavailable):
            return offline_check(seal, reachable=False)

    def station_today(self) -> Any:
        return self.station.clock.today()


def _lookup_engine(engine: Engine) -> Engine | None:
    """The page's own pool for register look-ups on PostgreSQL (None on SQLite): autocommit,
    as many connections as look-up threads, none opened or closed per request."""
    if engine.dialect.name != "postgresql":
        return None
    return create_engine(
        engine.url,
        isolation_level="AUTOCOMMIT",
        pool_size=LOOKUP_THREADS,
        max_overflow=0,
        pool_pre_ping=False,
    )


def _token(request: Request, service: VerificationService) -> str | None:
    """The token from the path, or None when it cannot be a token (→ 400). A token whose seal
    verdict is cached was decoded when it was verified: not decoded again."""
    raw = request.path_params.get("token", "")
    if service.seen(raw):
        return raw
    try:
        decode_token(raw)
    except (SealFormatError, ValueError, TypeError):
        return None
    return raw


def create_app(station: Any, *, rate_limit_per_minute: int = 120, city_sessions: Any = None) -> Any:
    """The ASGI app for ``station serve`` (and tests). On the city server (a station without
    an office of its own: ``station serve --city``) it also serves the mayor's view /kota."""
    service = VerificationService(station)

    async def verify_page(request: Request) -> Response:
        token = _token(request, service)
        if token is None:
            return malformed_page()
        check = await service.run(token)
        return letter_page(check, service.office(check), service.tz(check))

    async def verify_api(request: Request) -> Response:
        token = _token(request, service)
        if token is None:
            return JSONResponse(
                {"status": "invalid", "verdict": "TIDAK VALID", "error": "token tidak terbaca"},
                status_code=400,
            )
        check = await service.run(token)
        data = check.to_dict()
        issuer = service.issuer(check)
        if check.shows_letter and issuer is not None:
            data["office"] = {
                "code": issuer.code,
                "name": issuer.name,
                "kecamatan": issuer.kecamatan,
                "kota": issuer.kota,
            }
        return Response(
            json.dumps(data, ensure_ascii=False, default=str),
            media_type="application/json",
        )

    async def home(request: Request) -> Response:
        body = (
            "<h1>Verifikasi Surat</h1><p>Pindai kode QR pada surat dengan kamera ponsel. "
            "Alamat yang terbuka menunjukkan apakah surat itu asli.</p>"
        )
        return _page(200, "Verifikasi Surat", body)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        if status == 405:
            return _page(405, "Tidak didukung", "<p>Hanya GET yang didukung.</p>")
        return _page(404, "Tidak ditemukan", "<p>Halaman tidak ditemukan.</p>")

    async def failure(request: Request, exc: Exception) -> Response:
        return _page(503, "Gangguan", "<p>Layanan sedang terganggu. Coba lagi nanti.</p>")

    routes = [
        Route("/", home, methods=["GET"]),
        Route("/v/{token:path}", verify_page, methods=["GET"]),
        Route("/V/{token:path}", verify_page, methods=["GET"]),
        Route("/api/v/{token:path}", verify_api, methods=["GET"]),
        Route("/API/V/{token:path}", verify_api, methods=["GET"]),
    ]
    if getattr(station, "office_id", 0) is None:
        from station.web.city_page import city_routes

        routes += city_routes(station, city_sessions)
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: not_found, Exception: failure},
    )
    limited = RateLimit(RequestGuard(app), rate_limit_per_minute)
    return SecurityHeaders(limited)
