"""Benchmark of letters end to end: issue latency, verification rate, verification page.

    python bench/letters_bench.py [--letters 400] [--seconds 3] [--wrk-seconds 5] [--postgres]

Prints one markdown table. Targets (issue 4, 2-core machine): letter issue (number + render +
seal + store + audit, committed) p99 <= 20 ms; offline verification >= 5,000/s; verification
page >= 1,000 requests/s measured with wrk against a real uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # residents for the letters, the PostgreSQL helper

from station.home.context import init_station, open_station  # noqa: E402
from station.home.keys import public_keys  # noqa: E402
from station.letters.seal import Verifier, parse_qr  # noqa: E402
from station.letters.store import IssueRequest, LetterSettings, issue_letter  # noqa: E402
from station.letters.verify import register_check  # noqa: E402
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rate(action, items: list[str], seconds: float) -> float:  # type: ignore[no-untyped-def]
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for item in items:
            action(item)
        count += len(items)
    return count / (time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrk(url: str, seconds: int) -> float | None:
    """Requests/s from wrk (2 threads, 32 connections, loopback only)."""
    if shutil.which("wrk") is None:
        return None
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"warning: {non2xx.group(1)} non-2xx answers from {url}", file=sys.stderr)
    return float(found.group(1)) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--wrk-seconds", type=int, default=5)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp:
            rows += run_backend(backend, Path(tmp), args)
    print("| measure | target | measured |")
    print("|---|---|---|")
    for name, target, value in rows:
        print(f"| {name} | {target} | {value} |")


def run_backend(backend: str, tmp: Path, args: argparse.Namespace) -> list[tuple[str, str, str]]:
    home = tmp / "home"
    os.environ["STATION_HOME"] = str(home)
    os.environ.pop("STATION_DATABASE_URL", None)
    cluster = None
    if backend == "postgresql":
        from tests.helpers.pg import TempCluster, find_bindir

        bindir = find_bindir()
        if bindir is None:
            return [(f"{backend}: skipped", "", "no PostgreSQL binaries")]
        cluster = TempCluster(bindir)
        cluster.start()
        os.environ["STATION_DATABASE_URL"] = cluster.create_database("bench_letters")
    try:
        from tests.helpers.office import signed_template  # a real lurah: the placeholder is refused

        init_station(home, template=signed_template(home))
        station = open_station(home)
        add_residents(station.db, station.office_id)
        issue = issue_letters(station, args.letters)
        verify = verification_rates(station, issue["tokens"], args.seconds)
        page, api = serve_and_load(issue["tokens"][0], args.wrk_seconds)
        station.close()
    finally:
        if cluster is not None:
            cluster.stop()
    timings = issue["timings"]
    offline, registered = verify["offline_rate"], verify["register_rate"]
    n = args.letters
    fmt = "n/a (wrk missing)"
    return [
        (f"{backend}: letter issue p50 ({n} letters)", "", f"{percentile(timings, 50):.2f} ms"),
        (f"{backend}: letter issue p99", "<= 20 ms", f"{percentile(timings, 99):.2f} ms"),
        (f"{backend}: offline verification", ">= 5,000/s", f"{offline:,.0f}/s"),
        (f"{backend}: verification + register lookup", "", f"{registered:,.0f}/s"),
        (
            f"{backend}: GET /v/TOKEN (wrk -t2 -c32, uvicorn)",
            ">= 1,000 req/s",
            f"{page:,.0f} req/s" if page else fmt,
        ),
        (f"{backend}: GET /api/v/TOKEN (wrk)", "", f"{api:,.0f} req/s" if api else fmt),
    ]


def issue_letters(station: Any, count: int, niks: tuple[str, str] = (HEAD, WIFE)) -> dict[str, Any]:
    """Issue ``count`` SKD letters (number + render + seal + store + audit, each committed);
    ``timings`` in ms, the ``tokens`` and the last ``document``."""
    settings = LetterSettings.from_config(station.config)
    timings, tokens = [], []
    document = None
    for i in range(count):
        request = IssueRequest("SKD", niks[i % 2], "bench", purpose="Uji")
        start = time.perf_counter()
        with station.db.write() as session:
            issued = issue_letter(session, station.office_id, settings, request)
        timings.append((time.perf_counter() - start) * 1000)
        tokens.append(issued.token)
        document = issued.document
    return {"timings": timings, "tokens": tokens, "document": document}


def verification_rates(station: Any, tokens: list[str], seconds: float) -> dict[str, float]:
    """Offline checks per second, and checks with the register's status per second."""
    with station.db.read() as session:
        verifier = Verifier(public_keys(session, station.office_id))
    offline = rate(lambda t: verifier.verify(t), tokens, seconds)

    def with_register(token: str) -> None:
        seal = verifier.verify(token)
        with station.db.read() as session:
            register_check(session, station.office_id, token, seal)

    registered = rate(with_register, tokens[:200], seconds)
    return {"offline_rate": offline, "register_rate": registered}


def serve_and_load(token: str, seconds: int) -> tuple[float | None, float | None]:
    """``station serve`` (uvicorn) for the home in the environment, loaded with wrk:
    requests/s of the page and of the JSON API for one letter."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "station", "serve", "--port", str(port), "--rate-limit", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import httpx

        base = f"http://127.0.0.1:{port}"
        for _ in range(400):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        page = wrk(f"{base}/v/{parse_qr(token)}", seconds)
        api = wrk(f"{base}/api/v/{parse_qr(token)}", seconds)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return page, api


if __name__ == "__main__":
    main()
