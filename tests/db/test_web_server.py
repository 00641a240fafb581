"""`station serve` as the internet meets it: the real server in its own process on a free
loopback port, spoken to over raw sockets (a client library would refuse to send what an
attacker sends). Every loop is bounded; nothing leaves 127.0.0.1.

What is checked (docs/security.md §2.5):
the request head is bounded whether it comes whole or never ends, half-sent heads do not
grow the server, a head trickled in too slowly is cut off, ``X-Forwarded-For`` is believed
only from a configured proxy, and the answers uvicorn writes itself (400, 431, 503) carry the
page's security headers.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from pathlib import Path
from types import SimpleNamespace

import pytest

from station.home.context import init_station

Start = Callable[..., tuple[int, subprocess.Popen[bytes]]]

# Launch through the CLI, as an office does; `HEAD_TIMEOUT_S` may be shortened for one test,
# and each test runs with both bounded protocols (httptools, the one served, and h11).
LAUNCHER = (
    "import sys; import station.web.server as server; "
    "server.HEAD_TIMEOUT_S = float(sys.argv[1]); "
    "server.PROTOCOL = getattr(server, sys.argv[2]); "
    "sys.argv = ['station', *sys.argv[3:]]; from station.cli import main; main()"
)
PROTOCOLS = ["BoundedHttpToolsProtocol", "BoundedH11Protocol"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(params=PROTOCOLS)
def start(home: Path, request: pytest.FixtureRequest) -> Iterator[Start]:
    """Start `station serve` on a free port (``proxies``: ``[web] trusted_proxies``); wait
    until it accepts connections without spending a request of the rate limit."""
    init_station(home)
    procs: list[subprocess.Popen[bytes]] = []

    def _start(
        *args: str, proxies: str = "", head_timeout: float = 10.0
    ) -> tuple[int, subprocess.Popen[bytes]]:
        if proxies:
            path = home / "station.toml"
            text = path.read_text(encoding="utf-8")
            assert "\ntrusted_proxies = []\n" in text
            text = text.replace("\ntrusted_proxies = []\n", f"\ntrusted_proxies = {proxies}\n")
            path.write_text(text, encoding="utf-8")
        port = _free_port()
        command = ["serve", "--host", "127.0.0.1", "--port", str(port), *args]
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(head_timeout), request.param, *command],
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        procs.append(proc)
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port, proc
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read() if proc.stderr else b"") from None
                time.sleep(0.05)
        raise AssertionError("the server did not start")

    try:
        yield _start
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


def _exchange(port: int, data: bytes, *, timeout: float = 10.0) -> bytes:
    """Send ``data``, read until the server closes (or, with a complete answer, stops)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        # Refused before all was sent: the answer may still be readable.
        with suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


def _get(port: int, path: str = "/", headers: str = "") -> bytes:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n"
    return _exchange(port, request.encode("latin-1"))


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer[9:12])


def _headers(answer: bytes) -> dict[str, str]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {name.lower(): value.strip() for name, _, value in (h.partition(":") for h in head)}


def _assert_security_headers(answer: bytes) -> None:
    headers = _headers(answer)
    assert "default-src 'none'" in headers["content-security-policy"], headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert "server" not in headers


def test_an_oversized_request_head_is_refused(start: Start) -> None:
    port, _ = start()
    ok = _get(port, headers="X-Small: " + "a" * 4000 + "\r\n")
    assert _status(ok) == 200
    # 64 KB arrives in pieces; 20 KB may come in one read, complete (h11 alone lets it pass).
    for size in (64 * 1024, 20 * 1024):
        answer = _get(port, headers="X-Big: " + "a" * size + "\r\n")
        assert _status(answer) in (400, 431), (size, answer[:200])
        _assert_security_headers(answer)
        assert "Kepala permintaan terlalu besar" in answer.decode("utf-8", "replace")
    assert _status(_get(port)) == 200  # and the server still serves


def test_a_head_is_bounded_on_a_kept_alive_connection(start: Start) -> None:
    """After a first answer on the same connection, a next head growing past the bound in
    pieces is refused (the count starts again for every request, and does not stop)."""
    port, _ = start()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while b"</html>" not in first:
            chunk = sock.recv(65536)
            assert chunk, first
            first += chunk
        assert _status(first) == 200
        answer = b""
        with suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            for _ in range(40):  # 40 × 1 KB header lines, each read on its own
                sock.sendall(b"X-Piece: " + b"a" * 1024 + b"\r\n")
                time.sleep(0.01)
            sock.sendall(b"\r\n")
        with suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
    assert _status(answer) == 431, answer[:200]
    _assert_security_headers(answer)
    assert _status(_get(port)) == 200


def test_serve_runs_the_bounded_httptools_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn is never left to pick a protocol: `station serve` runs the bounded httptools
    one (faster than h11, as bounded; docs/security.md §2.5)."""
    import uvicorn

    from station.web import server

    ran: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(options))
    monkeypatch.setattr(server, "create_app", lambda station, **options: None)

    station = SimpleNamespace(config=SimpleNamespace(web=SimpleNamespace(trusted_proxies=[])))
    server.serve(station, host="127.0.0.1", port=1, rate_limit_per_minute=0)
    assert ran["http"] is server.BoundedHttpToolsProtocol
    assert ran["http"] is not server.HttpToolsProtocol


def test_half_sent_heads_do_not_grow_the_server(start: Start) -> None:
    port, proc = start("--rate-limit", "0")
    assert _status(_get(port)) == 200
    before = _rss_mib(proc.pid)
    piece = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (2 << 20)  # never ends
    with ExitStack() as stack:
        for _ in range(50):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
            with suppress(OSError):  # the server stopped reading and closed: as it should
                sock.sendall(piece)
        time.sleep(0.5)
        grown = _rss_mib(proc.pid) - before
    # 50 × 2 MB held would be 100 MB or more; a bounded head keeps it to a few MB.
    assert grown < 32, f"the server grew by {grown:.0f} MiB"
    assert _status(_get(port)) == 200


def test_a_request_head_trickled_too_slowly_is_cut_off(start: Start) -> None:
    port, _ = start(head_timeout=1.0)
    with socket.create_connection(("127.0.0.1", port), timeout=8) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        closed = False
        for _ in range(6):  # one header line a second: each resets no timer
            time.sleep(0.5)
            try:
                sock.sendall(b"X-A: b\r\n")
            except OSError:
                closed = True
                break
        if not closed:
            sock.settimeout(5)
            try:
                closed = sock.recv(100) == b""
            except ConnectionResetError:
                closed = True
        assert closed and time.monotonic() - started < 6
    assert _status(_get(port)) == 200


def test_a_forwarded_for_header_does_not_escape_the_rate_limit(start: Start) -> None:
    port, _ = start("--rate-limit", "3")
    codes = [_status(_get(port, headers=f"X-Forwarded-For: 198.51.100.{i}\r\n")) for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_trusted_proxy_names_the_client(start: Start) -> None:
    port, _ = start("--rate-limit", "2", proxies='["127.0.0.1"]')
    spread = [_status(_get(port, headers=f"X-Forwarded-For: 198.51.100.{i}\r\n")) for i in range(4)]
    assert spread == [200, 200, 200, 200]  # four clients behind the proxy, one request each
    same = [_status(_get(port, headers="X-Forwarded-For: 203.0.113.7\r\n")) for _ in range(3)]
    assert same == [200, 200, 429]


def test_uvicorns_own_answers_carry_the_security_headers(start: Start) -> None:
    port, _ = start()
    bad = _exchange(port, b"NOT HTTP AT ALL\r\n\r\n")
    assert _status(bad) == 400
    _assert_security_headers(bad)
    assert "Permintaan tidak dapat dibaca" in bad.decode("utf-8")

    # The connection cap: 256 open connections that send nothing, then one more request.
    from station.web.server import MAX_CONNECTIONS

    with ExitStack() as stack:
        for _ in range(MAX_CONNECTIONS):
            stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
        busy = b""
        for _ in range(40):  # until the server has accepted them all
            busy = _get(port)
            if _status(busy) == 503:
                break
            time.sleep(0.1)
        assert _status(busy) == 503
        _assert_security_headers(busy)
        assert _headers(busy)["retry-after"] == "5"
    for _ in range(40):  # the idle connections are gone: served again
        if _status(_get(port)) == 200:
            break
        time.sleep(0.1)
    assert _status(_get(port)) == 200


@pytest.mark.parametrize(
    ("proxies", "refused"),
    [
        ('["*"]', "'*' bukan alamat IP"),
        ('["localhost"]', "'localhost' bukan alamat IP"),
        ('["10.0.0.1/8"]', "'10.0.0.1/8' bukan alamat IP"),  # host bits: uvicorn would ignore it
        ("[1]", "harus daftar alamat IP"),
        ('"127.0.0.1"', "harus berupa daftar"),
    ],
)
def test_trusted_proxies_must_be_addresses(home: Path, proxies: str, refused: str) -> None:
    from station.home.config import ConfigError, load_config

    init_station(home)
    path = home / "station.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("trusted_proxies = []", f"trusted_proxies = {proxies}"), "utf-8")
    with pytest.raises(ConfigError, match=re.escape(refused)):
        load_config(home)
    path.write_text(text.replace("trusted_proxies = []", 'trusted_proxies = ["10.0.0.0/8"]'))
    assert load_config(home).web.trusted_proxies == ["10.0.0.0/8"]
