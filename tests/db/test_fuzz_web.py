"""Hypothesis against every route of the verification page: any method, path, query string,
header or body gets an answer below 500, with the security headers, and the page never
echoes input unescaped.

The TestClient re-raises any exception inside the app (``raise_server_exceptions``), so a
bug that a handler would have turned into a 503 still fails here.  Limits are exercised
with inputs past them: a token past the seal's maximum, a 100 KB URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from station.home.context import Station
from station.letters.seal import MAX_INPUT_CHARS, MAX_TOKEN_CHARS, parse_qr
from station.web.verify_page import MAX_URL_BYTES, create_app
from tests.helpers.cli_auth import TEST_PIN, add_operators
from tests.helpers.letter_helpers import HEAD, add_residents, issue_args, run_cli
from tests.helpers.office import signed_template

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
XSS = ["<script>alert(1)</script>", '"><svg onload=alert(1)>', "'><img src=x onerror=1>",
       "javascript:alert(1)", "</title><script>", "<!--", "{{7*7}}"]  # fmt: skip
# ("//..." is not here: httpx would read it as a host; the raw-scope test sends it.)
PREFIXES = ["/", "/v/", "/V/", "/api/v/", "/API/V/", "/v", "/api/", "/x/", "/v//", "/%2e%2e/"]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "PROPFIND"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Station, Any]]:
    """One SQLite station with one issued letter, shared by the module (read-only tests)."""
    from station.home.context import init_station, open_station

    home = tmp_path_factory.mktemp("web") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STATION_HOME", str(home))
        for name in ("STATION_DATABASE_URL", "STATION_PRINTER"):
            patch.delenv(name, raising=False)
        patch.setenv("STATION_PIN", TEST_PIN)  # module-scoped: before the autouse fixture
        init_station(home, template=signed_template(home))
        station = open_station(home)
        try:
            add_residents(station.db, station.office_id)
            add_operators(station, "ani")
            _, letter = run_cli(*issue_args())
            yield TestClient(create_app(station, rate_limit_per_minute=0)), station, letter
        finally:
            station.close()


def _check(response: Any, sent: str) -> None:
    assert response.status_code < 500, (response.status_code, sent)
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.text
    lowered = body.lower()
    assert "<script" not in lowered and "<svg" not in lowered and "<img" not in lowered
    if any(ch in sent for ch in "<>\"'") and len(sent) > 3:
        assert sent not in body  # shown escaped if at all


_junk = st.one_of(st.text(max_size=200), st.sampled_from(XSS), st.binary(max_size=60).map(
    lambda b: "".join(f"%{x:02X}" for x in b)))  # fmt: skip


@FUZZ
@given(prefix=st.sampled_from(PREFIXES), junk=_junk, method=st.sampled_from(METHODS))
def test_any_path_and_method(
    site: tuple[TestClient, Station, dict[str, Any]], prefix: str, junk: str, method: str
) -> None:
    client, _, _ = site
    path = prefix + quote(junk, safe="/%:@!$&'()*+,;=~")
    _check(client.request(method, path), junk)


@FUZZ
@given(
    query=st.lists(st.tuples(_junk, _junk), max_size=4),
    fragment=st.text(max_size=20),
    mangle=st.sampled_from(["none", "lower", "flip", "cut", "extend", "slash"]),
    where=st.integers(0, 10_000),
)
def test_real_token_with_query_strings_and_changes(
    site: tuple[TestClient, Station, dict[str, Any]],
    query: list[tuple[str, str]],
    fragment: str,
    mangle: str,
    where: int,
) -> None:
    client, _, letter = site
    token = original = parse_qr(letter["qr"])
    at = where % len(token)
    token = {
        "none": token,
        "lower": token.lower(),
        "flip": token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :],
        "cut": token[:at],
        "extend": token + "A" * (where % 50),
        "slash": token + "/" + token,
    }[mangle]
    qs = "&".join(f"{quote(k)}={quote(v)}" for k, v in query)
    for route in ("/v/", "/api/v/"):
        response = client.get(f"{route}{token}?{qs}#{quote(fragment)}")
        _check(response, qs)
        if token.upper() != original:  # a changed token never shows the letter
            assert letter["number"] not in response.text


_header_value = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=300,
)


@FUZZ
@given(
    headers=st.dictionaries(
        st.sampled_from(["host", "x-forwarded-for", "x-real-ip", "cookie", "accept",
                         "accept-language", "user-agent", "referer", "range", "if-none-match",
                         "content-type", "x-custom", "forwarded", "origin"]),
        _header_value, max_size=6,
    ),
    body=st.binary(max_size=2000),
    method=st.sampled_from(["GET", "POST", "PUT"]),
)  # fmt: skip
def test_any_headers_and_body(
    site: tuple[TestClient, Station, dict[str, Any]],
    headers: dict[str, str],
    body: bytes,
    method: str,
) -> None:
    client, _, letter = site
    token = parse_qr(letter["qr"])
    encoded = {k: v.encode("latin-1") for k, v in headers.items()}
    response = client.request(method, f"/v/{token}", headers=encoded, content=body)
    _check(response, " ".join(headers.values()))
    if method == "GET":
        assert response.status_code == 200 and "ASLI" in response.text


def test_huge_urls_are_refused_quickly_not_parsed(
    site: tuple[TestClient, Station, dict[str, Any]],
) -> None:
    """Past the limits a URL is refused before any decoding or database work: 414 past
    ``MAX_URL_BYTES``, 400 past the seal's token length (the 100 KB ones go straight to the
    ASGI app: httpx itself refuses URLs over 64 KB)."""
    _, station, letter = site
    app = create_app(station, rate_limit_per_minute=0)
    token = parse_qr(letter["qr"])
    for path, query, expected in (
        ("/v/" + "A" * (MAX_TOKEN_CHARS + 1), b"", 400),
        ("/v/" + "A" * (MAX_INPUT_CHARS + 1), b"", 400),
        (f"/v/{token}", b"utm_source=" + b"y" * 2000, 200),
        ("/api/v/" + "A" * 100_000, b"", 414),
        (f"/v/{token}", b"x=" + b"y" * 100_000, 414),
        ("/v/" + "%41" * 3000, b"", 414),
        ("/" + "a/" * 50_000, b"", 414),
    ):
        status, body = anyio.run(_raw, app, _scope(path, query))
        assert status == expected, (path[:40], status)
        assert (letter["number"] in body.decode()) == (status == 200)
        assert len(body) < 20_000
    assert MAX_URL_BYTES < 3 * 3000


def test_nothing_enumerates_letters_by_number(
    site: tuple[TestClient, Station, dict[str, Any]],
) -> None:
    client, _, letter = site
    number = letter["number"]
    plain = quote(number, safe="")
    for path in (f"/v/{plain}", f"/api/v/{plain}", f"/?number={plain}", f"/v/?nik={HEAD}",
                 "/api/v/1", "/letters"):  # fmt: skip
        response = client.get(path)
        assert response.status_code in (200, 400, 404)
        assert number not in response.text and HEAD not in response.text


async def _raw(app: Any, scope: dict[str, Any]) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body


@pytest.mark.parametrize(
    ("path", "raw_path"),
    [
        ("/v/\udcff\udcfe", b"/v/%ff%fe"),
        ("/v/\x00", b"/v/%00"),
        ("/v/ABC\n<script>", b"/v/ABC%0A%3Cscript%3E"),
        ("", b""),
        ("v/ABC", b"v/ABC"),
        ("//evil.example/v/ABC", b"//evil.example/v/ABC"),
        ("/v/ABC", b"/v/ABC\xff"),
    ],
)
def test_odd_asgi_scopes(site: tuple[TestClient, Station, dict[str, Any]], path: str,
                         raw_path: bytes) -> None:  # fmt: skip
    """What a server may hand over: undecodable bytes, no client address, no leading slash."""
    _, station, _ = site
    app = create_app(station, rate_limit_per_minute=5)
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": raw_path, "root_path": "",
        "query_string": b"\xff\xfe=%ZZ", "headers": [(b"host", b"\xff")], "client": None,
        "server": None,
    }  # fmt: skip
    status, body = anyio.run(_raw, app, scope)
    assert status < 500 and b"<script" not in body


def _scope(path: str, query: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query, "headers": [(b"host", b"verifikasi")],
        "client": ("192.0.2.1", 1234), "server": ("127.0.0.1", 80),
    }  # fmt: skip


def test_rate_limit_counts_per_client_and_answers_without_work(
    site: tuple[TestClient, Station, dict[str, Any]],
) -> None:
    _, station, letter = site
    client = TestClient(create_app(station, rate_limit_per_minute=2))
    token = parse_qr(letter["qr"])
    codes = [client.get(f"/v/{token}").status_code for _ in range(3)]
    junk = client.get("/v/" + "A" * 10_000)
    assert codes == [200, 200, 429] and junk.status_code == 429
    assert junk.headers["retry-after"] == "60"
    assert "default-src 'none'" in junk.headers["content-security-policy"]


def test_homepage_is_static(
    site: tuple[TestClient, Station, dict[str, Any]], tmp_path: Path
) -> None:
    client, _, _ = site
    first = client.get("/?q=<script>alert(1)</script>")
    assert first.status_code == 200 and "<script>alert" not in first.text
    assert first.text == client.get("/").text  # the query string is never echoed
