"""The command palette (Ctrl+P): the operator's actions, the letter types, and residents.

Residents are found without touching the register from the palette itself: a full NIK or a
name typed there opens the lookup screen, which performs the (audited) lookup or search. So
every keystroke in the palette does not become an access to personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from station.register.nik import normalize_nik
from station.register.residents import name_tokens
from station.screens.base import StationScreen
from station.screens.operator.host import OperatorHost

# (label, help, the main screen's action name)
ACTIONS = (
    ("Panggil berikutnya", "F2 · panggil tiket berikutnya ke loket ini", "queue('call_next')"),
    ("Panggil ulang", "F3 · umumkan lagi tiket yang dipegang", "queue('recall')"),
    ("Mulai layani", "F4 · penduduk sudah di loket", "queue('start')"),
    ("Selesai", "F5 · selesaikan tiket dan pilih hasilnya", "finish"),
    ("Tidak hadir", "F6 · tiket dipanggil tetapi orangnya tidak datang", "queue('no_show')"),
    ("Cari penduduk", "F7 · cari dengan NIK atau nama", "lookup"),
    ("Alihkan tiket", "F8 · ke layanan atau loket lain", "transfer"),
    ("Ambil alih tiket", "F9 · dari loket yang ditutup", "takeover"),
    ("Mode bantu (semua layanan)", "M · loket ini melayani semua layanan", "cover"),
    ("Hari ini", "H · surat dan tiket hari ini; cetak ulang", "today"),
    ("Admin", "A · petugas, loket, layanan, kunci (khusus admin)", "admin"),
    ("Kunci layar", "Ctrl+L · kunci sekarang; buka dengan PIN", "lock"),
    ("Keluar", "F10 · tutup loket dan keluar", "logout"),
)


class StationCommands(StationScreen[OperatorHost], Provider):
    """The palette's provider; ``station_app`` as for the screens (``StationScreen``)."""

    def _run_action(self, action: str) -> Callable[[], Any]:
        async def run() -> None:
            from station.screens.operator.main import MainScreen

            main = next((s for s in self.app.screen_stack if isinstance(s, MainScreen)), None)
            if main is None:
                self.app.notify("Masuk dulu ke loket.", severity="warning")
                return
            while self.app.screen is not main:
                self.app.pop_screen()
            await main.run_action(action)

        return run

    def _lookup(self, *, nik: str = "", name: str = "", type_code: str = "") -> Callable[[], Any]:
        async def run() -> None:
            from station.screens.operator.main import MainScreen

            main = next((s for s in self.app.screen_stack if isinstance(s, MainScreen)), None)
            if main is None:
                self.app.notify("Masuk dulu ke loket.", severity="warning")
                return
            main.open_lookup(nik=nik, name=name, type_code=type_code)

        return run

    def _hits(self) -> list[tuple[str, str, Callable[[], Any]]]:
        hits = [(label, help_text, self._run_action(a)) for label, help_text, a in ACTIONS]
        catalogue = self.station_app.letter_catalogue()
        for lt in catalogue:
            hits.append(
                (
                    f"Surat: {lt.name} ({lt.code})",
                    "cari penduduknya dulu; surat ini sudah terpilih",
                    self._lookup(type_code=lt.code),
                )
            )
        return hits

    async def discover(self) -> Hits:
        for label, help_text, callback in self._hits()[: len(ACTIONS)]:
            yield DiscoveryHit(label, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, callback in self._hits():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, help=help_text)
        digits = normalize_nik(query)
        if digits.isdigit() and len(digits) == 16:
            yield Hit(1.0, f"Cari penduduk NIK {digits}", self._lookup(nik=digits))
        elif not digits.isdigit() and len(query.strip()) >= 3 and name_tokens(query):
            yield Hit(
                0.5,
                f"Cari penduduk bernama “{query.strip()}”",
                self._lookup(name=query.strip()),
                help="pencarian nama di register (tercatat di log audit)",
            )
