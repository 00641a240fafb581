"""The main counter screen: header, the ticket this counter holds, the queue, function keys.

Thin: every action is one ``Queue`` call in a thread worker; refusals (``QueueError``) come
back as Indonesian notifications. The queue is re-read twice a second (an exclusive worker,
so a slow read is replaced, never piled up) and the counter's heartbeat is sent every 30 s.
Keys are queued and run one at a time in order, so F2 F4 typed ahead start the ticket that
F2 called instead of racing it in two threads.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from station.queue.rules import OUTCOMES, STATUS_LABELS
from station.queue.view import StatusPoller
from station.screens.base import StationScreen, joined, markup, plain
from station.screens.choice import ChoiceDialog
from station.screens.operator.host import OperatorHost
from station.store.errors import StationError

if TYPE_CHECKING:
    from textual.content import Content

    from station.letters.store import IssuedLetter
    from station.queue.view import CounterView, QueueStatus, TicketView

DONE_MESSAGES = {
    "call_next": "Memanggil {number}.",
    "recall": "{number} dipanggil ulang.",
    "start": "Mulai melayani {number}.",
    "finish": "{number} selesai.",
    "no_show": "{number} ditandai tidak hadir.",
    "transfer": "{number} dialihkan.",
    "takeover": "{number} diambil alih ke loket ini.",
}
# After these the counter holds no ticket any more.
RELEASING = {"finish", "no_show", "transfer"}


def transfer_message(ticket: TicketView) -> str:
    """Where a transferred ticket went: one counter, or a service's queue."""
    if ticket.target_counter is not None:
        return f"{ticket.number} dialihkan ke Loket {ticket.target_counter}."
    return f"{ticket.number} dialihkan ke antrean {ticket.service} — {ticket.service_name}."


def leaving_question(ticket: TicketView, counter: int | None) -> tuple[str, str]:
    """Title and text of the question before signing out while ``ticket`` is held: the
    ticket stays at this counter (``close_counter``) until another one takes it over."""
    status = STATUS_LABELS.get(ticket.status, ticket.status)
    return (
        f"Keluar dari Loket {counter}?",
        f"Loket ini masih memegang tiket {ticket.number} ({status}). Jika keluar sekarang, "
        f"{ticket.number} tertinggal di Loket {counter} sampai loket lain mengambil alihnya "
        "(F9). Selesaikan atau alihkan dahulu (F5/F8) bila bisa.",
    )


def _minutes(since: dt.datetime, now: dt.datetime) -> int:
    return max(0, int((now - since).total_seconds() // 60))


class MainScreen(StationScreen[OperatorHost], Screen[None]):
    CSS_PATH = "main.tcss"
    AUTO_FOCUS = ""  # nothing to type here: function keys only

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "queue('call_next')", "Panggil"),
        Binding("f3", "queue('recall')", "Ulang"),
        Binding("f4", "queue('start')", "Mulai"),
        Binding("f5", "finish", "Selesai"),
        Binding("f6", "queue('no_show')", "Tdk hadir"),
        Binding("f7", "lookup", "Cari NIK"),
        Binding("f8", "transfer", "Alihkan"),
        Binding("f9", "takeover", "Ambil alih"),
        Binding("f10", "logout", "Keluar"),
        Binding("m", "cover", "Mode bantu", show=False),
        Binding("h", "today", "Hari ini", show=False),
        Binding("a", "admin", "Admin", show=False),
        Binding("ctrl+l", "lock", "Kunci", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status: QueueStatus | None = None
        self.current: TicketView | None = None
        self.generation = 0  # bumped by every action: older queue reads are dropped
        self.pending: deque[tuple[str, dict[str, Any]]] = deque()
        self.busy = False
        self.letters: dict[str, list[str]] = {}  # ticket number -> letters issued for it

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static("", id="top-office")
            yield Static("", id="top-counter")
            yield Static("", id="top-operator")
            yield Static("", id="top-clock")
        with Vertical(id="ticket-box"):
            yield Static("Tiket saat ini", classes="box-title")
            yield Static("", id="ticket")
        with Vertical(id="queue-box"):
            yield Static("Antrean", classes="box-title")
            yield Static("Memuat…", id="summary")
            yield Static("Loket", classes="box-title")
            yield Static("", id="counters")
        yield Static(
            "F8 alihkan · F9 ambil alih · F10 keluar · M bantu · H hari ini · A admin",
            id="hints",
        )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        app = self.station_app
        user = app.user
        assert user is not None
        self.query_one("#top-office", Static).update(
            plain(f"Kel. {app.station.config.office.name}")
        )
        self.query_one("#top-counter", Static).update(f"Loket {app.counter}")
        self.query_one("#top-operator", Static).update(plain(user.display_name))
        self.show_ticket(None)
        self.tick_clock()
        self.set_interval(1.0, self.tick_clock)
        # Twice a second, but a poll that finds nothing changed (the audit head and the
        # counters' heartbeats) costs one small statement instead of the whole status.
        self.poller = StatusPoller(app.queue)
        self.set_interval(app.refresh_seconds, self.refresh_status)
        self.set_interval(app.heartbeat_seconds, self.heartbeat)
        self.refresh_status()

    # --- display (UI thread) -------------------------------------------------------------

    def tick_clock(self) -> None:  # minutes: a ticking second would redraw the top bar
        now = self.station_app.now()
        self.query_one("#top-clock", Static).update(now.strftime("%d-%m-%Y %H:%M"))

    def show_ticket(self, ticket: TicketView | None) -> None:
        self.current = ticket
        box = self.query_one("#ticket", Static)
        if ticket is None:
            box.update("Belum ada tiket. Tekan F2 untuk memanggil berikutnya.")
            return
        now = self.station_app.now()
        issued = ticket.issued_at.astimezone(now.tzinfo)
        lines: list[Content | str] = [
            markup(
                "[b]$number[/b]  $service — $name",
                number=ticket.number,
                service=ticket.service,
                name=ticket.service_name,
            ),
            f"Status: {STATUS_LABELS.get(ticket.status, ticket.status)}"
            f" (dipanggil {ticket.call_count}×)",
            f"Menunggu sejak {issued:%H:%M} ({_minutes(issued, now)} menit)",
        ]
        if ticket.priority:
            lines.append(f"Prioritas: {ticket.priority_reason or 'ya'}")
        if ticket.nik_masked:
            lines.append(f"Penduduk: NIK {ticket.nik_masked}")
        letters = self.letters.get(ticket.number)
        if letters:
            lines.append(f"Surat: {', '.join(letters)}")
        box.update(joined(lines))

    def _my_counter(self) -> CounterView | None:
        if self.status is None:
            return None
        return next((c for c in self.status.counters if c.number == self.station_app.counter), None)

    def show_status(self, status: QueueStatus, generation: int) -> None:
        if not self.is_attached or generation != self.generation:
            return  # gone, or read before our own last action: the next refresh is current
        self.status = status
        counter = self.station_app.counter
        mine = next((t for t in status.called if t.counter == counter), None)
        if mine != self.current:
            self.show_ticket(mine)
        now = self.station_app.now()
        lines = []
        for service in status.services:
            if not service["active"]:
                continue
            waiting = [t for t in status.waiting if t.service == service["prefix"]]
            longest = (
                f", terlama {_minutes(min(t.issued_at for t in waiting), now)} mnt"
                if waiting
                else ""
            )
            following = " ".join(t.number for t in waiting[:3])
            lines.append(
                f"{service['prefix']} {service['name'][:18]:<18} {len(waiting):>3} menunggu"
                f"{longest}" + (f"  berikut: {following}" if following else "")
            )
        self.query_one("#summary", Static).update(
            joined(lines) if lines else "Tidak ada layanan aktif."
        )
        rows = []
        for c in status.counters:
            if not c.open:
                rows.append(f"L{c.number}: tutup")
                continue
            serves = "semua (mode bantu)" if c.cover else ",".join(c.services) or "-"
            held = f" · {c.ticket}" if c.ticket else ""
            stale = "" if c.live else " · tidak aktif"
            rows.append(f"L{c.number}: {c.operator or '-'} · {serves}{held}{stale}")
        self.query_one("#counters", Static).update(joined(rows))

    # --- workers (threads: database) ------------------------------------------------------

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def refresh_status(self) -> None:
        generation = self.generation
        try:
            status = self.poller.status(**self.station_app.at_now())
        except Exception as exc:  # the next refresh tries again
            self._to_ui(self._notify, f"Gagal membaca antrean: {exc}", "error")
            return
        self._to_ui(self.show_status, status, generation)

    @work(thread=True, group="heartbeat", exit_on_error=False)
    def heartbeat(self) -> None:
        app = self.station_app
        if app.user is None or app.counter is None:
            return
        try:
            app.queue.touch(app.counter, app.user.username, **app.at_now())
        except StationError as exc:
            self._to_ui(self._notify, str(exc), "warning")
        except Exception as exc:
            self._to_ui(self._notify, f"Gagal mengirim tanda aktif: {exc}", "error")

    # --- actions: keys ---------------------------------------------------------------------

    def action_queue(self, name: str, **kwargs: Any) -> None:
        if name in DONE_MESSAGES or name == "cover":
            self.pending.append((name, kwargs))
            self._run_next()

    def action_finish(self) -> None:
        """F5: finish the held ticket; the outcome is chosen (Enter takes the suggestion)."""
        if self.current is None:
            self._notify("Loket ini tidak memegang tiket.", "warning")
            return
        number = self.current.number
        suggested = "letter_issued" if self.letters.get(number) else "information_given"
        options = list(OUTCOMES.items())

        def chosen(outcome: str | None) -> None:
            if outcome:
                self.action_queue("finish", outcome=outcome)

        self.app.push_screen(
            ChoiceDialog(f"Hasil layanan {number}", options, selected=suggested), chosen
        )

    def action_lookup(self) -> None:
        """F7: the resident lookup; for a ticket printed with a letter request (the Service
        Box, station.letters.requests) the letter screen opens filled from the request."""
        if self.current is None:
            self.open_lookup()
            return
        self.find_request(self.current.number)

    @work(thread=True, group="request", exit_on_error=False)
    def find_request(self, number: str) -> None:
        from station.letters.requests import held_request

        try:
            request = held_request(self.station_app.station, number)
        except Exception as exc:  # the ordinary lookup still works
            self._to_ui(self._notify, f"Gagal membaca permohonan: {exc}", "warning")
            request = None
        self._to_ui(self._open_for_ticket, number, request)

    def _open_for_ticket(self, number: str, request: Any) -> None:
        if request is None:
            self.open_lookup()
            return
        from station.screens.operator.letter import LetterScreen

        self._notify(f"Permohonan {request.type_code} (kode {request.pickup_code}) dari {number}.")
        self.app.push_screen(
            LetterScreen(request.nik, number, request=request),
            lambda letter: self._letter_issued(number, letter),
        )

    def open_lookup(self, *, nik: str = "", name: str = "", type_code: str = "") -> None:
        from station.screens.operator.lookup import LookupScreen

        number = self.current.number if self.current else None
        screen = LookupScreen(number, nik=nik, name=name, type_code=type_code)
        self.app.push_screen(screen, lambda letter: self._letter_issued(number, letter))

    def _letter_issued(self, number: str | None, letter: IssuedLetter | None) -> None:
        if letter is None:
            return
        if number:
            self.letters.setdefault(number, []).append(letter.number)
        if self.current is not None:
            self.show_ticket(self.current)
        self.refresh_status()

    def action_transfer(self) -> None:
        """F8: send the held ticket to another service's queue or to one counter."""
        if self.current is None or self.status is None:
            self._notify("Loket ini tidak memegang tiket.", "warning")
            return
        me = self.station_app.counter
        options = [
            (f"service:{s['prefix']}", f"Antrean {s['prefix']} — {s['name']}")
            for s in self.status.services
            if s["active"]
        ]
        options += [
            (f"counter:{c.number}", f"Loket {c.number} ({c.operator or 'tutup'})")
            for c in self.status.counters
            if c.number != me
        ]

        def chosen(key: str | None) -> None:
            if not key:
                return
            kind, _, value = key.partition(":")
            if kind == "service":
                self.action_queue("transfer", to_service=value)
            else:
                self.action_queue("transfer", to_counter=int(value))

        title = f"Alihkan {self.current.number} ke"
        self.app.push_screen(ChoiceDialog(title, options), chosen)

    def action_takeover(self) -> None:
        """F9: take a ticket held by another counter (closed, or silent for too long)."""
        if self.status is None:
            return
        me = self.station_app.counter
        options = [
            (t.number, f"{t.number} di Loket {t.counter} ({t.operator or '-'})")
            for t in self.status.called
            if t.counter != me
        ]
        if not options:
            self._notify("Tidak ada tiket di loket lain.", "warning")
            return

        def chosen(number: str | None) -> None:
            if number:
                self.action_queue("takeover", ticket=number)

        self.app.push_screen(ChoiceDialog("Ambil alih tiket", options), chosen)

    def action_cover(self) -> None:
        """M: cover mode on/off (serve every service while the colleague is away)."""
        mine = self._my_counter()
        self.action_queue("cover", cover=not (mine.cover if mine else False))

    def action_today(self) -> None:
        from station.screens.operator.today import TodayScreen

        self.app.push_screen(TodayScreen())

    def action_admin(self) -> None:
        user = self.station_app.user
        if user is None or user.role != "admin":
            self._notify("Menu admin hanya untuk petugas dengan peran admin.", "warning")
            return
        from station.screens.operator.admin import AdminScreen

        self.app.push_screen(AdminScreen())

    def action_lock(self) -> None:
        self.station_app.lock()

    def action_logout(self) -> None:
        """F10: sign out; while a ticket is held, ask first and name it."""
        if self.current is None:
            self._sign_out()
            return
        from station.screens.dialogs import ConfirmDialog

        title, message = leaving_question(self.current, self.station_app.counter)

        def answered(leave: bool | None) -> None:
            if leave:
                self._sign_out()

        self.app.push_screen(
            ConfirmDialog(title, message, yes="Tetap keluar", no="Batal"), answered
        )

    def _sign_out(self) -> None:
        self.pending.clear()
        self.station_app.sign_out()

    # --- actions: running them one at a time ------------------------------------------------

    def _run_next(self) -> None:
        if self.busy or not self.pending:
            return
        self.busy = True
        name, kwargs = self.pending.popleft()
        self.run_queue_action(name, kwargs)

    def _action_finished(self) -> None:
        self.busy = False
        self._run_next()

    @work(thread=True, group="action", exit_on_error=False)
    def run_queue_action(self, name: str, kwargs: dict[str, Any]) -> None:
        try:
            self._queue_action(name, kwargs)
        finally:
            self._to_ui(self._action_finished)

    def _queue_action(self, name: str, kwargs: dict[str, Any]) -> None:  # worker thread
        app = self.station_app
        if app.user is None or app.counter is None:
            return
        try:
            kwargs = {**kwargs, **app.at_now()}
            if name == "cover":
                view = app.queue.open_counter(app.counter, app.user.username, **kwargs)
                self._to_ui(self._cover_done, view.cover)
                return
            ticket = getattr(app.queue, name)(app.counter, app.user.username, **kwargs)
        except StationError as exc:
            self._to_ui(self._notify, str(exc), "warning")
            return
        except Exception as exc:  # shown, the app stays up
            self._to_ui(self._notify, f"Gagal: {exc}", "error")
            return
        self._to_ui(self._action_done, name, ticket)

    def _cover_done(self, cover: bool) -> None:
        self.generation += 1
        if cover:
            self._notify("Mode bantu aktif: loket ini memanggil semua layanan.")
        else:
            self._notify("Mode bantu mati: loket kembali ke layanannya sendiri.")
        self.refresh_status()

    def _action_done(self, name: str, ticket: TicketView) -> None:
        self.generation += 1
        message = DONE_MESSAGES[name].format(number=ticket.number)
        if name == "transfer":
            message = transfer_message(ticket)
        if name == "finish" and ticket.outcome:
            message += f" Hasil: {OUTCOMES.get(ticket.outcome, ticket.outcome)}."
        self._notify(message)
        self.show_ticket(None if name in RELEASING else ticket)
        self.refresh_status()
