"""Benchmark of printing: job size and build time of a real sealed letter and a ticket.

    python bench/print_bench.py [--runs 300]

Issues one real SKD letter (SQLite, temp home) so the QR carries a real seal, then builds the
ESC/POS job (layout + python-escpos ``Dummy``) ``--runs`` times per configuration. Prints one
markdown table. Targets (issue 5): letter job with native QR <= 2 KB, with image QR <= 8 KB;
building a job <= 10 ms p99. Then the same letter as a PDF on F4 and A4 (issue 17: <= 100 KB,
<= 150 ms p99) and the length of the 58 mm receipt on the preview picture (< 200 mm).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(Path.home() / ".cache" / "station"))

from station.home.context import init_station, open_station  # noqa: E402
from station.letters.store import IssueRequest, LetterSettings, issue_letter  # noqa: E402
from station.printing import build_job, letter_ops, ticket_ops  # noqa: E402
from station.printing.pdf import letter_pdf  # noqa: E402
from station.printing.preview import preview_png  # noqa: E402

WITA = ZoneInfo("Asia/Makassar")
from station.printing.layout import PrintSettings  # noqa: E402
from tests.helpers.letter_helpers import HEAD, add_residents  # noqa: E402
from tests.helpers.printing_samples import sample_ticket  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        os.environ["STATION_HOME"] = str(home)
        os.environ.pop("STATION_DATABASE_URL", None)
        from tests.helpers.office import signed_template  # a real lurah: the placeholder is refused

        init_station(home, template=signed_template(home))
        station = open_station(home)
        try:
            add_residents(station.db, station.office_id)
            with station.db.write() as session:
                issued = issue_letter(
                    session,
                    station.office_id,
                    LetterSettings.from_config(station.config),
                    IssueRequest("SKD", HEAD, "bench", purpose="Melamar pekerjaan"),
                )
            doc = issued.document
        finally:
            station.close()

    print(f"QR payload: {len(doc.qr_text)} characters\n")
    print("| job | paper | profile | QR | bytes | target | build p50 ms | build p99 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for job in print_jobs(doc, args.runs):
        name, mode = job["job"], job["qr"]
        target = "" if name == "ticket" else ("<= 2048" if mode == "native" else "<= 8192")
        print(
            f"| {name} | {job['paper']} mm | {job['profile'] or 'default'} | {mode} "
            f"| {job['bytes']} | {target} | {job['p50']:.2f} | {job['p99']:.2f} (<= 10) |"
        )
    print("\n| PDF | bytes | target | p50 ms | p99 ms | CPU p99 ms |")
    print("|---|---|---|---|---|---|")
    for job in pdf_jobs(doc, args.runs):
        print(
            f"| {job['paper'].upper()} | {job['bytes']:,} | <= 100,000 | {job['p50']:.1f} "
            f"| {job['p99']:.1f} (<= 150) | {job['cpu_p99']:.1f} |"
        )
    print(f"\n58 mm receipt of this letter: {receipt_mm(doc):.0f} mm long (< 200)")


def pdf_jobs(doc: Any, runs: int) -> list[dict[str, Any]]:
    """Bytes and time (ms) of the letter ``doc`` as a PDF on F4 and A4 (after one warm-up:
    fpdf2 and fontTools imported, the font's glyph table read). ``cpu_p99`` is the process's
    CPU time: what the PDF costs when other work shares the cores."""
    out = []
    for paper in ("f4", "a4"):
        letter_pdf(doc, paper)
        timings, cpu = [], []
        size = 0
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            data = letter_pdf(doc, paper)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            size = len(data)
        out.append(
            {"paper": paper, "bytes": size, "p50": percentile(timings, 50),
             "p99": percentile(timings, 99), "cpu_p99": percentile(cpu, 99)}
        )  # fmt: skip
    return out


def receipt_mm(doc: Any, width: int = 58) -> float:
    """The letter's length on ``width`` mm paper, from the preview picture (printer dots)."""
    settings = PrintSettings(width)
    return preview_png(letter_ops(doc, settings), settings).height / settings.dpi * 25.4


CONFIGS = [
    (58, "", "native"),
    (80, "", "native"),
    (80, "TM-T88V", "native"),
    (58, "POS-5890", "image"),
    (80, "simple", "image"),
]


def print_jobs(doc: Any, runs: int) -> list[dict[str, Any]]:
    """Bytes and build time (ms) of the letter ``doc`` and a sample ticket, per printer
    configuration (paper width, python-escpos profile, native or image QR)."""
    out = []
    for width, profile, mode in CONFIGS:
        settings = PrintSettings(width, profile)
        for name, make in (
            ("letter", lambda s=settings: letter_ops(doc, s)),
            (
                "ticket",
                lambda s=settings: ticket_ops(sample_ticket(), "Kelurahan Oesapa", s, tz=WITA),
            ),
        ):
            build_job(make(), settings)  # warm-up: escpos import, profile load
            timings = []
            size = 0
            for _ in range(runs):
                start = time.perf_counter()
                job = build_job(make(), settings)
                timings.append((time.perf_counter() - start) * 1000)
                size = len(job)
            out.append(
                {
                    "job": name,
                    "paper": width,
                    "profile": profile,
                    "qr": mode,
                    "bytes": size,
                    "p50": percentile(timings, 50),
                    "p99": percentile(timings, 99),
                }
            )
    return out


if __name__ == "__main__":
    main()
