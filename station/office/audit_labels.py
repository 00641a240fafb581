"""Indonesian names of the audit trail's actions, for the people who read it (the admin's
audit viewer). The stored codes (``queue.taken_over``) stay what the filters and exports use;
an action without a name here reads as its group's name with the code.

Core module: no Textual import (docs/architecture.md §Import contracts).
"""

from __future__ import annotations

import json
from typing import Any

ACTION_LABELS: dict[str, str] = {
    # queue (station.queue.transactions.record writes queue.<transition>)
    "queue.issued": "Tiket diambil",
    "queue.called": "Tiket dipanggil",
    "queue.recalled": "Tiket dipanggil ulang",
    "queue.started": "Tiket mulai dilayani",
    "queue.finished": "Tiket selesai dilayani",
    "queue.outcome": "Hasil layanan dicatat",
    "queue.no_show": "Tiket tidak hadir",
    "queue.transferred": "Tiket dialihkan ke loket lain",
    "queue.taken_over": "Tiket diambil alih loket lain",
    "queue.released": "Tiket dilepas ke antrean",
    "queue.cancelled": "Tiket dibatalkan",
    "queue.not_served": "Tiket tidak terlayani",
    "queue.counter_opened": "Loket dibuka",
    "queue.counter_closed": "Loket ditutup",
    "queue.closed": "Antrean ditutup",
    "queue.close_day": "Hari antrean ditutup",
    # residents
    "resident.lookup": "Data penduduk dilihat (NIK)",
    "resident.search": "Pencarian nama penduduk",
    "resident.register": "Penduduk baru didaftarkan",
    "resident.update": "Data penduduk diperbarui",
    "resident.ektp_recorded": "Perekaman KTP-el dicatat",
    "resident.pin_set": "PIN mandiri dipasang",
    "resident.pin_reset": "PIN mandiri diganti",
    "resident.pin_clear": "PIN mandiri dihapus",
    "residents.import": "Impor register penduduk",
    "regions.import": "Impor tabel wilayah",
    "ektp.export": "Ekspor daftar belum rekam KTP-el",
    # letters
    "letter.issue": "Surat diterbitkan",
    "letter.print": "Surat dicetak",
    "letter.reprint": "Surat dicetak ulang",
    "letter.revoke": "Surat dicabut",
    "keys.rotate": "Kunci segel diganti",
    "keys.revoke": "Kunci segel dicabut",
    # operators and the office
    "operator.login": "Petugas masuk",
    "operator.login_failed": "Gagal masuk (PIN salah)",
    "operator.locked": "Akun petugas terkunci",
    "operator.logout": "Petugas keluar",
    "operator.add": "Petugas ditambahkan",
    "operator.activate": "Petugas diaktifkan",
    "operator.deactivate": "Petugas dinonaktifkan",
    "operator.reset_pin": "PIN petugas diganti",
    "app.exit": "Aplikasi ditutup",
    "app.exit_refused": "Penutupan aplikasi ditolak",
    "counter.add": "Loket ditambahkan",
    "counter.edit": "Loket diubah",
    "counter.remove": "Loket dihapus",
    "counter.services": "Layanan loket diubah",
    "service.open": "Layanan dibuka/ditutup",
    "office.settings": "Pengaturan kantor diubah",
    "station.init": "Station dipasang",
    "station.backup": "Cadangan dibuat",
    "day.summary": "Rekap harian",
    "skm.response": "Survei kepuasan diisi",
    "box.pin_ok": "Layanan Mandiri: PIN benar",
    "box.pin_refused": "Layanan Mandiri: PIN ditolak",
    "box.paused": "Layanan Mandiri: mesin berhenti (tebakan NIK)",
    "admin.refused": "Tindakan admin ditolak (bukan admin)",
}

GROUP_LABELS: dict[str, str] = {
    "queue": "Antrean",
    "resident": "Penduduk",
    "residents": "Penduduk",
    "regions": "Wilayah",
    "ektp": "KTP-el",
    "letter": "Surat",
    "keys": "Kunci segel",
    "operator": "Petugas",
    "app": "Aplikasi",
    "counter": "Loket",
    "service": "Layanan",
    "office": "Kantor",
    "station": "Station",
    "day": "Hari",
    "skm": "Survei",
    "box": "Layanan Mandiri",
}

# Names of the detail keys the trail writes most; others are shown as stored.
DETAIL_LABELS: dict[str, str] = {
    "counter": "Loket",
    "status": "Status",
    "found": "Ditemukan",
    "purpose": "Keperluan",
    "terminal": "Terminal",
    "query": "Kata cari",
    "results": "Hasil",
    "name": "Nama",
    "warnings": "Peringatan",
    "reason": "Alasan",
    "changes": "Perubahan",
    "old": "Lama",
    "new": "Baru",
    "from_counter": "Dari loket",
    "to_counter": "Ke loket",
    "outcome": "Hasil layanan",
    "type": "Jenis",
    "number": "Nomor",
    "copies": "Salinan",
    "rows": "Baris",
    "imported": "Baru",
    "updated": "Diperbarui",
    "rejected": "Ditolak",
}


def action_label(action: str) -> str:
    """``queue.taken_over`` → "Tiket diambil alih loket lain"; an unknown code keeps itself
    after its group's name ("Antrean: queue.xyz")."""
    label = ACTION_LABELS.get(action)
    if label is not None:
        return label
    group = GROUP_LABELS.get(action.partition(".")[0])
    return f"{group}: {action}" if group else action


def details_summary(details: dict[str, Any] | None, width: int = 80) -> str:
    """One line for the table: ``Loket 2 · Status called``; cut with an ellipsis (the whole
    details are in the detail view)."""
    if not details:
        return "-"
    parts = [f"{DETAIL_LABELS.get(key, key)}: {_short(value)}" for key, value in details.items()]
    text = " · ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


def details_lines(details: dict[str, Any] | None) -> list[str]:
    """Every detail, one per line, nested values as indented JSON (nothing cut)."""
    if not details:
        return ["(tidak ada rincian)"]
    lines: list[str] = []
    for key, value in details.items():
        label = DETAIL_LABELS.get(key, key)
        if isinstance(value, dict | list):
            shown = json.dumps(value, ensure_ascii=False, indent=2, default=str)
            lines.append(f"{label}:")
            lines.extend("  " + line for line in shown.splitlines())
        else:
            lines.append(f"{label}: {_short(value)}")
    return lines


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if value is None or value == "":
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
