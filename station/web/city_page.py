"""The mayor's view: ``/kota`` on the city server (``station serve --city``), read-only,
behind a login for city staff (docs/city.md).

- Sign-in: argon2id passwords and a lockout counted in the database
  (station.office.city_staff); a session is a random token in an ``HttpOnly``,
  ``SameSite=Strict`` cookie (``Secure`` over HTTPS), kept in memory, ending after
  ``IDLE_MINUTES`` without a request or ``MAX_HOURS`` after sign-in, whichever comes first.
- No JavaScript, nothing loaded from elsewhere: sorting is a link, charts are SVG drawn here.
  The CSP allows only this page's own style (by hash) and forms posting to this site.
- What it shows are counts and times per kelurahan (station.reports.city): never a resident.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from station.letters.formats import format_date_id
from station.office.city_staff import sign_in
from station.reports import city as city_reports
from station.reports.statistics import Period

IDLE_MINUTES = 30
MAX_HOURS = 8
DEFAULT_DAYS = 30
MAX_FORM_BYTES = 4096
REPORT_CACHE_SECONDS = 60.0
COOKIE = "kota_sesi"

STYLE = """
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1a1a1a;background:#f4f4f4}
main{max-width:76rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.2rem 0 .6rem}h2{font-size:1.15rem;margin:1.2rem 0 .4rem}
.card{background:#fff;border-radius:.5rem;padding:.8rem 1rem;margin:0 0 1rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.3rem .45rem;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
th a{color:#1a1a1a}tr.total td{font-weight:700;border-top:2px solid #333}
a{color:#0b57d0}svg{width:100%;max-width:44rem;height:auto;display:block}
form.inline{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}
label{display:block;font-size:.85rem;color:#444}
input{font:inherit;padding:.35rem;border:1px solid #999;border-radius:.3rem}
button{font:inherit;padding:.4rem .9rem;border:0;border-radius:.3rem;background:#0b57d0;color:#fff}
.err{background:#b3261e;color:#fff;padding:.5rem .8rem;border-radius:.4rem}
header{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
footer{font-size:.8rem;color:#555;margin-top:1rem}
""".strip()
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

SORTABLE = [key for key, _ in city_reports.COLUMNS]


def _day(value: object) -> str:
    """A day as people read it (``6 November 2026``); the query string keeps ISO dates."""
    if isinstance(value, str):
        try:
            return format_date_id(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return format_date_id(value) if isinstance(value, dt.date) else str(value)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", " ").rstrip("0").rstrip(".")
    return str(value)


class Sessions:
    """token -> (username, signed in at, last seen); ``clock``: monotonic seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._items: dict[str, tuple[str, float, float]] = {}
        self._lock = threading.Lock()

    def start(self, username: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._items[token] = (username, now, now)
        return token

    def user(self, token: str | None) -> str | None:
        if not token:
            return None
        now = self.clock()
        with self._lock:
            found = self._items.get(token)
            if found is None:
                return None
            username, started, seen = found
            if now - seen > IDLE_MINUTES * 60 or now - started > MAX_HOURS * 3600:
                del self._items[token]
                return None
            self._items[token] = (username, started, now)
            return username

    def end(self, token: str | None) -> None:
        with self._lock:
            self._items.pop(token or "", None)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    text = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{_e(title)}</title>'
        f"<style>{STYLE}</style></head><body><main>{body}"
        "<footer>Pandangan kota: hanya jumlah dan waktu per kelurahan; data penduduk tidak "
        "pernah keluar dari kantor kelurahannya.</footer></main></body></html>"
    )
    response = HTMLResponse(text, status_code=status)
    response.headers["content-security-policy"] = CSP
    return response


def bar_chart(title: str, items: list[tuple[str, float | None]], unit: str = "") -> str:
    """Horizontal bars, one per item, scaled to the largest; drawn as SVG (no script)."""
    row, label_w, bar_w, value_w = 24, 130, 190, 60
    width = label_w + bar_w + value_w
    height = row * max(len(items), 1) + 8
    top = max((v for _, v in items if v is not None), default=0) or 1
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}" '
        'xmlns="http://www.w3.org/2000/svg" font-size="14" font-family="sans-serif">'
        f"<title>{_e(title)}</title>"
    ]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        length = 0 if value is None else max(1.0, bar_w * value / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end">{_e(label[:18])}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
            'fill="#0b57d0"/>'
            f'<text x="{label_w + length + 4:.1f}" y="{y + 17}">{_e(_cell(value))}{unit}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(title: str, days: list[dict[str, Any]], key: str, colour: str) -> str:
    """One column per day (a kelurahan's trend), with the first and last day written under."""
    width, height, base = 600, 180, 150
    step = width / max(len(days), 1)
    top = max((d[key] for d in days), default=0) or 1
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}" '
        'xmlns="http://www.w3.org/2000/svg" font-size="12" font-family="sans-serif">'
        f"<title>{_e(title)}</title>"
        f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#999"/>'
        f'<text x="0" y="12">{_e(title)} (tertinggi {top})</text>'
    ]
    for i, day in enumerate(days):
        h = (base - 20) * day[key] / top
        parts.append(
            f'<rect x="{i * step + 1:.1f}" y="{base - h:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="{colour}">'
            f"<title>{_e(_day(day['day']))}: {day[key]}</title></rect>"
        )
    if days:
        first, last = _e(_day(days[0]["day"])), _e(_day(days[-1]["day"]))
        parts.append(f'<text x="0" y="{base + 18}">{first}</text>')
        parts.append(f'<text x="{width}" y="{base + 18}" text-anchor="end">{last}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _period(request: Request, today: dt.date) -> Period:
    def day(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.query_params.get(name, ""))
        except ValueError:
            return None

    end = day("sampai") or today
    start = day("dari") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end or (end - start).days > 366:
        start, end = end - dt.timedelta(days=DEFAULT_DAYS - 1), end
    return Period(start, end)


def city_routes(server: Any, sessions: Sessions | None = None) -> list[Route]:
    """The ``/kota`` routes for ``server`` (a CityServer): they read and sign staff in through
    ``server.city_db``, the city's read-only role when configured (docs/city.md)."""
    sessions = sessions or Sessions()
    cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
    cache_lock = threading.Lock()

    def report(period: Period) -> dict[str, Any]:
        key = (period.start.isoformat(), period.end.isoformat())
        now = time.monotonic()
        with cache_lock:
            found = cache.get(key)
            if found is not None and now - found[0] < REPORT_CACHE_SECONDS:
                return found[1]
        with server.city_db.read() as session:
            data = city_reports.city_report(session, period, server.clock.today())
        with cache_lock:
            cache[key] = (now, data)
        return data

    def signed_in(request: Request) -> str | None:
        return sessions.user(request.cookies.get(COOKIE))

    def login_form(error: str = "", status: int = 200) -> HTMLResponse:
        note = f'<p class="err">{_e(error)}</p>' if error else ""
        body = (
            "<h1>Pandangan Kota — Masuk</h1>"
            f'<div class="card">{note}<form method="post" action="/kota/masuk">'
            '<p><label for="u">Nama pengguna</label>'
            '<input id="u" name="username" autocomplete="username" required></p>'
            '<p><label for="p">Kata sandi</label><input id="p" name="password" '
            'type="password" autocomplete="current-password" required></p>'
            "<p><button>Masuk</button></p></form></div>"
        )
        return _page("Masuk - Pandangan Kota", body, status)

    async def login_page(request: Request) -> Response:
        if request.method == "GET":
            return login_form()
        origin = request.headers.get("origin")
        if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
            return login_form("Permintaan ditolak.", 403)
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_FORM_BYTES:
                return login_form("Permintaan terlalu besar.", 413)
        form = parse_qs(raw.decode("utf-8", "replace"))
        username = (form.get("username") or [""])[0][:50]
        password = (form.get("password") or [""])[0][:200]
        from starlette.concurrency import run_in_threadpool

        def attempt() -> Any:
            with server.city_db.write() as session:
                return sign_in(session, username, password, server.clock.now())

        outcome = await run_in_threadpool(attempt)
        if outcome.staff is None:
            return login_form(outcome.error.message, 401)
        response = RedirectResponse("/kota", status_code=303)
        response.set_cookie(
            COOKIE,
            sessions.start(outcome.staff.username),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/kota",
        )
        return response

    async def logout(request: Request) -> Response:
        sessions.end(request.cookies.get(COOKIE))
        response = RedirectResponse("/kota/masuk", status_code=303)
        response.delete_cookie(COOKIE, path="/kota")
        return response

    def header(user: str, period: Period, action: str) -> str:
        return (
            f"<header><h1>Pandangan Kota {_e(_day(period.start))} s.d. {_e(_day(period.end))}</h1>"
            f'<form method="post" action="/kota/keluar"><span>{_e(user)}</span> '
            "<button>Keluar</button></form></header>"
            f'<div class="card"><form class="inline" method="get" action="{action}">'
            f'<p><label for="d">Dari</label><input id="d" name="dari" type="date" '
            f'value="{_e(period.start)}"></p><p><label for="s">Sampai</label>'
            f'<input id="s" name="sampai" type="date" value="{_e(period.end)}"></p>'
            "<p><button>Tampilkan</button></p></form></div>"
        )

    async def overview(request: Request) -> Response:
        user = signed_in(request)
        if user is None:
            return RedirectResponse("/kota/masuk", status_code=303)
        from starlette.concurrency import run_in_threadpool

        period = _period(request, server.clock.today())
        data = await run_in_threadpool(report, period)
        sort = request.query_params.get("urut", "completion_rate")
        sort = sort if sort in SORTABLE else "completion_rate"
        descending = request.query_params.get("arah", "naik") == "turun"
        present = [r for r in data["offices"] if r.get(sort) is not None]
        absent = [r for r in data["offices"] if r.get(sort) is None]
        rows = sorted(present, key=lambda r: r[sort], reverse=descending) + absent
        span = f"dari={period.start}&amp;sampai={period.end}"
        heads = []
        for key, label in city_reports.COLUMNS:
            direction = "naik" if key == sort and descending else "turun"
            mark = (" ▼" if descending else " ▲") if key == sort else ""
            heads.append(
                f'<th><a href="/kota?{span}&amp;urut={key}&amp;arah={direction}">'
                f"{_e(label)}{mark}</a></th>"
            )
        lines = []
        for row in rows:
            cells = []
            for key, _ in city_reports.COLUMNS:
                value = _e(_cell(row.get(key)))
                if key == "name":
                    value = f'<a href="/kota/k/{quote(row["code"])}?{span}">{_e(row["name"])}</a>'
                cells.append(f"<td>{value}</td>")
            lines.append("<tr>" + "".join(cells) + "</tr>")
        total = {**data["total"], "code": "", "name": "Jumlah kota", "kecamatan": ""}
        lines.append(
            '<tr class="total">'
            + "".join(f"<td>{_e(_cell(total.get(k)))}</td>" for k, _ in city_reports.COLUMNS)
            + "</tr>"
        )
        label = dict(city_reports.COLUMNS)[sort]
        chart_key = sort if sort not in ("code", "name", "kecamatan") else "completion_rate"
        charts = [
            bar_chart(
                dict(city_reports.COLUMNS)[chart_key],
                [(r["name"], r.get(chart_key)) for r in rows],
            ),
            bar_chart("Tiket per hari", [(r["name"], r["tickets_per_day"]) for r in rows]),
        ]
        body = (
            header(user, period, "/kota")
            + f'<div class="card scroll"><table><thead><tr>{"".join(heads)}</tr></thead>'
            f"<tbody>{''.join(lines)}</tbody></table></div>"
            f'<h2>Menurut: {_e(label)}</h2><div class="card">{charts[0]}</div>'
            f'<h2>Tiket per hari</h2><div class="card">{charts[1]}</div>'
        )
        return _page("Pandangan Kota", body)

    async def kelurahan(request: Request) -> Response:
        user = signed_in(request)
        if user is None:
            return RedirectResponse("/kota/masuk", status_code=303)
        from starlette.concurrency import run_in_threadpool

        period = _period(request, server.clock.today())
        code = request.path_params["code"]

        def load() -> Any:
            with server.city_db.read() as session:
                return city_reports.office_trend(session, code, period)

        trend = await run_in_threadpool(load)
        if trend is None:
            return _page("Tidak ditemukan", "<p>Kelurahan tidak ditemukan.</p>", 404)
        days = trend["days"]
        table = "".join(
            f"<tr><td>{_e(_day(d['day']))}</td><td>{d['taken']}</td><td>{d['completed']}</td>"
            f"<td>{d['letters']}</td></tr>"
            for d in days
        )
        body = (
            header(user, period, f"/kota/k/{quote(code)}")
            + f'<p><a href="/kota?dari={period.start}&amp;sampai={period.end}">← Semua '
            f"kelurahan</a></p><h2>Kelurahan {_e(trend['name'])}, Kecamatan "
            f"{_e(trend['kecamatan'])} ({_e(trend['code'])})</h2>"
            f'<div class="card">{column_chart("Tiket per hari", days, "taken", "#0b57d0")}</div>'
            f'<div class="card">{column_chart("Surat per hari", days, "letters", "#1b7a35")}'
            "</div>"
            f'<div class="card">'
            f"{column_chart('Selesai dalam satu kunjungan', days, 'completed', '#9a5b00')}</div>"
            '<div class="card scroll"><table><thead><tr><th>Tanggal</th><th>Tiket</th>'
            f"<th>Selesai 1 kunjungan</th><th>Surat</th></tr></thead><tbody>{table}"
            "</tbody></table></div>"
        )
        return _page(f"Kelurahan {trend['name']} - Pandangan Kota", body)

    return [
        Route("/kota", overview, methods=["GET"]),
        Route("/kota/masuk", login_page, methods=["GET", "POST"]),
        Route("/kota/keluar", logout, methods=["POST"]),
        Route("/kota/k/{code}", kelurahan, methods=["GET"]),
    ]
