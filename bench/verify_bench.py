"""The city verification page under load: ``station serve --city`` against many offices' letters.

    python bench/verify_bench.py [--offices 8] [--letters 4] [--seconds 8] [--rounds 3]
                                 [--baseline SRC] [--sqlite]

Builds one PostgreSQL database (a temporary cluster, as ``bench/city_bench.py`` does, without
the bulk history: the page reads one letter row per request by its number, an index look-up)
with ``--offices`` offices, each with its own signing key and ``--letters`` letters, then runs
``wrk -t2 -c32`` against the page, every request a different letter in turn (all offices).
With ``--sqlite``: one office's SQLite home and ``station serve`` (no city), its letters.

``--baseline SRC`` names another source tree of Station (e.g. ``git archive main`` unpacked in
/tmp): its server and this tree's are measured alternately, ``--rounds`` times each, with the
1-minute load average beside every figure, because the two cores are shared with other work.
Prints a table to paste into the README.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from city_bench import admin_database, fill_office, nik_for  # noqa: E402
from letters_bench import free_port, issue_letters  # noqa: E402

from station.home.context import init_station, office_template, open_station  # noqa: E402
from station.letters.seal import parse_qr  # noqa: E402
from station.office.registry import add_office  # noqa: E402
from station.register.kota_kupang import KELURAHAN  # noqa: E402
from station.register.residents import get_by_nik  # noqa: E402
from station.store.db import Database  # noqa: E402
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents  # noqa: E402
from tests.helpers.office import signed_template  # noqa: E402
from tests.helpers.pg import TempCluster, find_bindir  # noqa: E402


def build(tmp: Path, admin_url: str, offices: int, letters: int) -> tuple[Path, list[str]]:
    """``offices`` offices joined to the database, ``letters`` letters each; the home of the
    first (the city server's) and every letter's URL path."""
    admin = Database(admin_url)
    paths: list[str] = []
    first: Path | None = None
    for index, code in enumerate(sorted(KELURAHAN)[:offices]):
        with admin.write() as session:
            office_id = add_office(
                session, code, verify_base_url="https://verif.kupang.example/"
            ).id
        home = tmp / code.replace(".", "")
        template = office_template(home, admin_url, code)
        # letters are refused while the lurah is a placeholder (station.letters.signers)
        template.office.lurah_name = "Yohanes B. Manafe, S.Sos."
        template.office.lurah_nip = "197003151995031002"
        template.office.lurah_rank = "Pembina (IV/a)"
        init_station(home, template=template, join=True)
        first = first or home
        fill_office(admin, office_id, index, 2, 0, 0)
        station = open_station(home)
        niks = (nik_for(index, 0), nik_for(index, 1))
        with station.db.write() as session:
            for nik in niks:
                resident = get_by_nik(session, nik)
                assert resident is not None
                resident.address, resident.rt, resident.rw = "Jl. Uji 1", "001", "001"
        paths += [f"/v/{parse_qr(t)}" for t in issue_letters(station, letters, niks)["tokens"]]
        station.close()
    admin.dispose()
    assert first is not None
    # interleave the offices: consecutive requests name different offices' keys
    per = letters
    ordered = [paths[o * per + i] for i in range(per) for o in range(len(paths) // per)]
    return first, ordered


def build_sqlite(tmp: Path, letters: int) -> tuple[Path, list[str]]:
    """One office on SQLite with ``letters`` letters: its home and the letters' URL paths."""
    home = tmp / "sqlite-office"
    init_station(home, template=signed_template(home))
    station = open_station(home)
    add_residents(station.db, station.office_id)
    paths = [f"/v/{parse_qr(t)}" for t in issue_letters(station, letters, (HEAD, WIFE))["tokens"]]
    station.close()
    return home, paths


def run_server(
    home: Path, url: str | None, paths: list[str], seconds: int, tmp: Path, source: Path
) -> tuple[float, float, str]:
    """Requests/s, the 1-minute load at the end, and the p99 latency wrk reports (``url``:
    the city database, served with ``--city``; None: the home's own database)."""
    import httpx

    port = free_port()
    env = dict(os.environ, STATION_HOME=str(home), PYTHONPATH=str(source))
    if url is not None:
        env["STATION_DATABASE_URL"] = url
    city = ["--city"] if url is not None else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "station", "serve", *city, "--port", str(port),
         "--rate-limit", "0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=source,
    )  # fmt: skip
    script = tmp / "rotate.lua"
    quoted = ", ".join(f'"{p}"' for p in paths)
    script.write_text(
        f"paths = {{{quoted}}}\ni = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(400):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "") from None
                time.sleep(0.05)
        for path in paths[: min(len(paths), 16)]:  # every office answers green before the run
            assert "ASLI" in httpx.get(base + path).text, path
        out = subprocess.run(
            ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", str(script), base],
            capture_output=True, text=True, timeout=seconds + 60,
        ).stdout  # fmt: skip
        load = os.getloadavg()[0]
        found = re.search(r"Requests/sec:\s+([\d.]+)", out)
        p99 = re.search(r"99%\s+(\S+)", out)
        if re.search(r"Non-2xx", out):
            raise RuntimeError("non-2xx answers under load:\n" + out)
        return (float(found.group(1)) if found else 0.0), load, (p99.group(1) if p99 else "?")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offices", type=int, default=8)
    parser.add_argument("--letters", type=int, default=4, help="per office")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another source tree to compare with")
    parser.add_argument("--hold", action="store_true", help="print the home and URL, then wait")
    parser.add_argument("--sqlite", action="store_true", help="one office on SQLite instead")
    args = parser.parse_args()
    assert shutil.which("wrk"), "wrk is needed"
    # stopped from outside (kill, or Ctrl+C when not in the foreground): still stop the cluster
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    os.environ.pop("STATION_DATABASE_URL", None)
    tmp = Path(tempfile.mkdtemp(prefix="verify-bench-"))
    cluster: TempCluster | None = None
    try:
        url: str | None = None
        if args.sqlite:
            home, paths = build_sqlite(tmp, args.letters)
            print(f"one office on SQLite, {args.letters} letters; {os.cpu_count()} cores")
        else:
            bindir = find_bindir()
            assert bindir is not None, "PostgreSQL binaries needed"
            cluster = TempCluster(bindir)
            cluster.start()
            url, _ = admin_database(cluster)
            home, paths = build(tmp, url, args.offices, args.letters)
            print(f"{args.offices} offices × {args.letters} letters; {os.cpu_count()} cores")
        if args.hold:
            (tmp / "paths.txt").write_text("\n".join(paths) + "\n")
            print(f"STATION_HOME={home} STATION_DATABASE_URL={url or ''}")
            print(f"paths: {tmp / 'paths.txt'}  (Ctrl+C or kill {os.getpid()} to stop)")
            while True:
                time.sleep(1)
        trees = [("this tree", ROOT)]
        if args.baseline is not None:
            trees.insert(0, ("baseline", args.baseline.resolve()))
        rows: list[tuple[str, int, float, float, str]] = []
        for round_ in range(args.rounds):
            for name, source in trees:
                rps, load, p99 = run_server(home, url, paths, args.seconds, tmp, source)
                rows.append((name, round_ + 1, rps, load, p99))
                print(f"  {name} round {round_ + 1}: {rps:,.0f} req/s, p99 {p99}, load {load:.1f}")
        print()
        print("| server | round | req/s (wrk -t2 -c32) | p99 | 1-min load |")
        print("|---|---|---|---|---|")
        for name, round_, rps, load, p99 in rows:
            print(f"| {name} | {round_} | {rps:,.0f} | {p99} | {load:.1f} |")
    except KeyboardInterrupt:
        pass
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
