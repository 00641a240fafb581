"""The verification page: every route through Starlette's TestClient (junk never gives a
500), a real uvicorn process, and phone-size screenshots in headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from station.home.context import Station, open_station
from station.letters.seal import parse_qr
from station.web.verify_page import create_app
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents, issue_args, run_cli

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


@pytest.fixture
def letters(station_home: Path) -> Iterator[tuple[Station, dict[str, Any], dict[str, Any]]]:
    """A station with a valid letter and a revoked one."""
    station = open_station(station_home)
    add_residents(station.db, station.office_id)
    add_operators(station, "ani", role="admin")
    _, valid = run_cli(*issue_args())
    _, revoked = run_cli(*issue_args("SKD", WIFE))
    run_cli("letter", "revoke", revoked["number"], "--reason", "Data salah", "--operator", "ani")
    try:
        yield station, valid, revoked
    finally:
        station.close()


def _client(station: Station, **kw: Any) -> TestClient:
    return TestClient(create_app(station, **kw))


def _assert_headers(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


def test_valid_and_revoked_pages(letters: tuple[Station, dict[str, Any], dict[str, Any]]) -> None:
    station, valid, revoked = letters
    client = _client(station)
    token = parse_qr(valid["qr"])
    for path in (f"/v/{token}", f"/V/{token}", f"/v/{token.lower()}", f"/V/{token}/?utm=x"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_headers(response)
        page = response.text
        assert "ASLI" in page and valid["number"] in page
        assert 'name="viewport"' in page and "YOH. EMA. KEB." in page and "EMANUEL" not in page
        assert "5371********0001" in page and HEAD not in page
        assert "SURAT KETERANGAN DOMISILI" in page
        assert "http" not in page.split("<footer>")[0].replace(valid["qr"], "")  # no assets
    api = client.get(f"/api/v/{token}").json()
    assert api["status"] == "valid" and api["text_matches"] is True
    assert HEAD not in str(api) and "EMANUEL" not in str(api) and "text" not in api
    assert api["letter"]["holder_name"] == "YOH. EMA. KEB." and api["fields"] == []

    page = client.get(f"/v/{parse_qr(revoked['qr'])}")
    assert page.status_code == 200 and "DICABUT" in page.text and "Data salah" in page.text
    assert client.get(f"/api/v/{parse_qr(revoked['qr'])}").json()["status"] == "revoked"

    # Scanned green above (its seal and text now cached by the page), then revoked by the
    # office: the very next scan says so, with no wait for any cache.
    run_cli("letter", "revoke", valid["number"], "--reason", "Salah cetak", "--operator", "ani")
    page = client.get(f"/v/{token}")
    assert "DICABUT" in page.text and "Salah cetak" in page.text and "ASLI" not in page.text
    assert client.get(f"/api/v/{token}").json()["status"] == "revoked"


def test_changed_token_shows_nothing(
    letters: tuple[Station, dict[str, Any], dict[str, Any]],
) -> None:
    station, valid, _ = letters
    client = _client(station)
    token = parse_qr(valid["qr"])
    changed = token[:60] + ("A" if token[60] != "A" else "B") + token[61:]
    response = client.get(f"/v/{changed}")
    assert response.status_code in (200, 400)
    assert "TIDAK VALID" in response.text
    assert valid["number"] not in response.text and "KEBAN" not in response.text
    data = client.get(f"/api/v/{changed}").json()
    assert data["status"] == "invalid" and data.get("letter") is None


@pytest.mark.parametrize(
    "path",
    [
        "/v/",
        "/v/!!!",
        "/v/" + "A" * 5000,
        "/v/400.12.2.1%2F001%2FKEL.OSP%2FI%2F2026",
        "/v/1",
        "/api/v/1",
        "/api/v/%00%ff",
        "/v/../../etc/passwd",
        "/letters/1",
        "/api/letters?number=1",
    ],
)
def test_malformed_and_lookups_by_number_are_refused(
    letters: tuple[Station, dict[str, Any], dict[str, Any]], path: str
) -> None:
    station, valid, _ = letters
    response = _client(station).get(path)
    assert response.status_code in (400, 404)
    _assert_headers(response)
    assert valid["number"] not in response.text and "KEBAN" not in response.text


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prefix=st.sampled_from(["/v/", "/V/", "/api/v/", "/", "/x/"]),
    junk=st.text(min_size=0, max_size=300),
    method=st.sampled_from(["GET", "POST", "HEAD", "PUT"]),
)
def test_junk_never_gives_500(
    letters: tuple[Station, dict[str, Any], dict[str, Any]], prefix: str, junk: str, method: str
) -> None:
    station, _, _ = letters
    client = _client(station, rate_limit_per_minute=0)
    path = prefix + quote(junk, safe="/%:@!$&'()*+,;=~")  # raw '%' gives broken escapes too
    response = client.request(method, path)
    assert response.status_code < 500


def test_rate_limit(letters: tuple[Station, dict[str, Any], dict[str, Any]]) -> None:
    station, valid, _ = letters
    client = _client(station, rate_limit_per_minute=3)
    codes = [client.get("/v/" + parse_qr(valid["qr"])).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


# --- a real server -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(
    letters: tuple[Station, dict[str, Any], dict[str, Any]],
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    _, valid, revoked = letters
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "station", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read() if proc.stderr else "") from None
                time.sleep(0.05)
        yield base, valid, revoked
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_real_uvicorn(server: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    base, valid, revoked = server
    response = httpx.get(f"{base}/V/{parse_qr(valid['qr'])}")
    assert response.status_code == 200 and "ASLI" in response.text
    _assert_headers(response)
    assert "server" not in response.headers
    assert httpx.get(f"{base}/api/v/{parse_qr(revoked['qr'])}").json()["status"] == "revoked"
    assert httpx.get(f"{base}/v/%ff%fe").status_code == 400


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_phone_screenshots(
    server: tuple[str, dict[str, Any], dict[str, Any]], tmp_path: Path
) -> None:
    base, valid, revoked = server
    from PIL import Image

    shots = {}
    for name, letter in (("valid", valid), ("revoked", revoked)):
        shot = tmp_path / f"{name}.png"
        subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp_path / ('profile-' + name)}",
                f"--screenshot={shot}",
                "--window-size=390,844",
                f"{base}/v/{parse_qr(letter['qr'])}",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        image = Image.open(shot).convert("RGB")
        assert image.size == (390, 844)
        shots[name] = image
        if keep := os.environ.get("STATION_SCREENSHOT_DIR"):
            shutil.copy(shot, Path(keep) / shot.name)
    # the verdict box's colour: green for ASLI, purple for DICABUT (the page was rendered)
    green = shots["valid"].getpixel((30, 30))
    purple = shots["revoked"].getpixel((30, 30))
    assert green[1] > green[0] and green[1] > green[2], green
    assert purple[2] > purple[1] and purple[0] > purple[1], purple
