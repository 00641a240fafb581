"""The main counter screen: header, the ticket this counter holds, the queue, function keys.

Thin: every action is one ``Queue`` call in a thread worker; refusals (``QueueError``) come
back as Indonesian notifications. The queue is re-read twice a second (an exclusive worker, so
a slow read is replaced, never piled up) and the counter's heartbeat is sent every 30 s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import deque
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from station.operator_session import record_logout
from station.queue_rules import OUTCOMES, STATUS_LABELS, QueueError

if TYPE_CHECKING:
    from station.apps import OperatorApp
    from station.queue_view import QueueStatus, TicketView

FINISH_OUTCOME = "information_given"  # first slice: the outcome chooser comes with letters

DONE_MESSAGES = {
    "call_next": "Memanggil {number}.",
    "recall": "{number} dipanggil ulang.",
    "start": "Mulai melayani {number}.",
    "finish": "{number} selesai.",
    "no_show": "{number} ditandai tidak hadir.",
}


def _minutes(since: dt.datetime, now: dt.datetime) -> int:
    return max(0, int((now - since).total_seconds() // 60))


class MainScreen(Screen[None]):
    CSS_PATH = "main.tcss"
    AUTO_FOCUS = ""  # nothing to type here: function keys only

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("f2", "queue('call_next')", "Panggil"),
        Binding("f3", "queue('recall')", "Ulang"),
        Binding("f4", "queue('start')", "Mulai"),
        Binding("f5", "queue('finish')", "Selesai"),
        Binding("f6", "queue('no_show')", "Tdk hadir"),
        Binding("f10", "logout", "Keluar"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status: QueueStatus | None = None
        self.current: TicketView | None = None
        self.generation = 0  # bumped by every action: older queue reads are dropped
        self.pending: deque[str] = deque()  # keys waiting for the running action
        self.busy = False

    @property
    def station_app(self) -> OperatorApp:
        return cast("OperatorApp", self.app)

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
        yield Footer()

    def on_mount(self) -> None:
        app = self.station_app
        user = app.user
        assert user is not None
        self.query_one("#top-office", Static).update(f"Kel. {app.station.config.office.name}")
        self.query_one("#top-counter", Static).update(f"Loket {app.counter}")
        self.query_one("#top-operator", Static).update(user.display_name)
        self.show_ticket(None)
        self.tick_clock()
        self.set_interval(1.0, self.tick_clock)
        self.set_interval(app.refresh_seconds, self.refresh_status)
        self.set_interval(app.heartbeat_seconds, self.heartbeat)
        self.refresh_status()

    # --- display (UI thread) -------------------------------------------------------------

    def _now_local(self) -> dt.datetime:
        return dt.datetime.now(self.station_app.station.config.tz)

    def tick_clock(self) -> None:
        self.query_one("#top-clock", Static).update(self._now_local().strftime("%H:%M:%S"))

    def show_ticket(self, ticket: TicketView | None) -> None:
        self.current = ticket
        box = self.query_one("#ticket", Static)
        if ticket is None:
            box.update("Belum ada tiket. Tekan F2 untuk memanggil berikutnya.")
            return
        now = self._now_local()
        issued = ticket.issued_at.astimezone(now.tzinfo)
        lines = [
            f"[b]{ticket.number}[/b]  {ticket.service} — {ticket.service_name}",
            f"Status: {STATUS_LABELS.get(ticket.status, ticket.status)}"
            f" (dipanggil {ticket.call_count}×)",
            f"Menunggu sejak {issued:%H:%M} ({_minutes(issued, now)} menit)",
        ]
        if ticket.priority:
            lines.append(f"Prioritas: {ticket.priority_reason or 'ya'}")
        box.update("\n".join(lines))

    def show_status(self, status: QueueStatus, generation: int) -> None:
        if not self.is_attached or generation != self.generation:
            return  # gone, or read before our own last action: the next refresh is current
        self.status = status
        counter = self.station_app.counter
        mine = next((t for t in status.called if t.counter == counter), None)
        if mine != self.current:
            self.show_ticket(mine)
        now = self._now_local()
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
        counters = "  ".join(
            f"L{c.number}: {c.operator or '-'}{' ' + c.ticket if c.ticket else ''}"
            for c in status.counters
            if c.open
        )
        lines.append("")
        lines.append(f"Loket buka: {counters or '-'}")
        self.query_one("#summary", Static).update("\n".join(lines))

    def _notify(self, message: str, severity: str = "information") -> None:
        self.app.notify(message, severity=severity)  # type: ignore[arg-type]

    # --- workers (threads: database) ------------------------------------------------------

    def _to_ui(self, callback: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.app.call_from_thread(callback, *args)

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def refresh_status(self) -> None:
        generation = self.generation
        try:
            status = self.station_app.queue.status()
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
            app.queue.touch(app.counter, app.user.username)
        except QueueError as exc:
            self._to_ui(self._notify, str(exc), "warning")
        except Exception as exc:
            self._to_ui(self._notify, f"Gagal mengirim tanda aktif: {exc}", "error")

    # Keys are queued and run one at a time in order, so F2 F4 typed ahead start the ticket
    # that F2 called instead of racing it in two threads.

    def action_queue(self, name: str) -> None:
        if name in DONE_MESSAGES:
            self.pending.append(name)
            self._run_next()

    def action_logout(self) -> None:
        self.pending.append("logout")
        self._run_next()

    def _run_next(self) -> None:
        if self.busy or not self.pending:
            return
        self.busy = True
        self.run_queue_action(self.pending.popleft())

    def _action_finished(self) -> None:
        self.busy = False
        self._run_next()

    @work(thread=True, group="action", exit_on_error=False)
    def run_queue_action(self, name: str) -> None:
        try:
            if name == "logout":
                self._logout()
            else:
                self._queue_action(name)
        finally:
            self._to_ui(self._action_finished)

    def _queue_action(self, name: str) -> None:  # worker thread
        app = self.station_app
        if app.user is None or app.counter is None:
            return
        kwargs: dict[str, Any] = {"outcome": FINISH_OUTCOME} if name == "finish" else {}
        try:
            ticket = getattr(app.queue, name)(app.counter, app.user.username, **kwargs)
        except QueueError as exc:
            self._to_ui(self._notify, str(exc), "warning")
            return
        except Exception as exc:  # shown, the app stays up
            self._to_ui(self._notify, f"Gagal: {exc}", "error")
            return
        self._to_ui(self._action_done, name, ticket)

    def _action_done(self, name: str, ticket: TicketView) -> None:
        self.generation += 1
        message = DONE_MESSAGES[name].format(number=ticket.number)
        if name == "finish":
            message += f" Hasil: {OUTCOMES[FINISH_OUTCOME]}."
        self._notify(message)
        self.show_ticket(None if name in ("finish", "no_show") else ticket)
        self.refresh_status()

    def _logout(self) -> None:  # worker thread
        app = self.station_app
        user, counter = app.user, app.counter
        if user is None or counter is None:
            return
        try:
            app.queue.close_counter(counter, user.username)
        except QueueError as exc:  # e.g. already closed by an admin: leave anyway
            self._to_ui(self._notify, str(exc), "warning")
        except Exception as exc:  # stay signed in; the operator may retry
            self._to_ui(self._notify, f"Gagal menutup loket: {exc}", "error")
            return
        with contextlib.suppress(Exception):  # the counter is closed; the audit is secondary
            record_logout(app.station.db, app.station.office_id, user.username, counter=counter)
        self.pending.clear()
        self._to_ui(app.signed_out)
