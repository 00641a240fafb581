"""The signed end-of-day summary on the receipt printer (station.reports.day_summary).

The printout shows the figures and, at the bottom, the key id and the Ed25519 signature in
base32 (upper case, no padding) in groups of four, so the filed paper can be compared with
``station day verify`` of the saved JSON; the same figures sign the same way everywhere.
"""

from __future__ import annotations

import base64
from typing import Any

from station.printing.layout import Cut, Feed, Op, PrintSettings, Text, _centered, _lines

LABELS = (
    ("taken", "Diambil"),
    ("served", "Dilayani"),
    ("no_show", "Tidak hadir"),
    ("cancelled", "Dibatalkan"),
    ("not_served", "Tidak terlayani"),
)


def _pair(label: str, value: Any, width: int) -> Text:
    right = str(value)
    return Text(f"{label[: width - len(right) - 1]:<{width - len(right)}}{right}")


def signature_groups(signed: dict[str, Any]) -> str:
    text = signed["signature"]
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    b32 = base64.b32encode(raw).decode("ascii").rstrip("=")
    return " ".join(b32[i : i + 4] for i in range(0, len(b32), 4))


def summary_ops(signed: dict[str, Any], settings: PrintSettings) -> list[Op]:
    """Print operations of a signed summary (``{"summary", "key_id", "signature"}``)."""
    width = settings.columns
    s = signed["summary"]
    ops: list[Op] = []
    ops += _centered(f"Kelurahan {s['office_name']}", width, bold=True)
    ops += _centered("RINGKASAN AKHIR HARI", width, bold=True)
    ops += _centered(s["day"], width)
    ops += [Text("-" * width)]
    for prefix, counts in s["services"].items():
        ops += _lines(f"{prefix} - {counts['name']}", width, bold=True)
        for key, label in LABELS:
            ops.append(_pair(f"  {label}", counts[key], width))
    ops += [Text("-" * width)]
    ops += _lines("Jumlah", width, bold=True)
    for key, label in LABELS:
        ops.append(_pair(f"  {label}", s["total"][key], width))
    rate = s["completion_rate"]
    ops.append(_pair("Selesai 1 kunjungan", "-" if rate is None else f"{rate:.2f}%", width))
    ops += [Feed(1)]
    letters = s["letters"]
    ops.append(_pair("Surat diterbitkan", letters["count"], width))
    if letters["first"]:
        ops += _lines(f"Pertama: {letters['first']}", width)
        ops += _lines(f"Terakhir: {letters['last']}", width)
    ops += [Feed(1)]
    ops += _lines("Petugas bertugas:", width, bold=True)
    for operator in s["operators"] or [{"name": "-"}]:
        ops += _lines(f"- {operator['name']}", width)
    ops += [Text("-" * width)]
    head = s.get("audit_head")
    if head:  # the anchor of the audit trail (docs/security.md)
        ops += _lines(f"Jejak audit: {head['events']} peristiwa, kepala:", width)
        digest = head["hash"]
        ops += _lines(" ".join(digest[i : i + 8] for i in range(0, len(digest), 8)), width)
    ops += _lines(f"Tanda tangan Ed25519, kunci {signed['key_id']}:", width)
    ops += _lines(signature_groups(signed), width)
    ops += _lines(f"Dibuat {s['generated_at']}", width)
    ops += [Feed(2), Cut()]
    return ops


def print_summary(signed: dict[str, Any], printer: Any, *, connection: Any = None) -> bytes:
    """Lay out, build and send the job; raises PrinterFault (Indonesian) on a printer fault."""
    from station.printing import build_job, send_job

    settings = PrintSettings.from_config(printer)
    job = build_job(summary_ops(signed, settings), settings)
    send_job(job, printer, connection=connection)
    return job
