"""``BoardApp``: the waiting-room display (``station board``), meant for a TV.

Read-only: it never writes to the queue, so any number of boards may run. Calls made by any
process reach it through the database (polled twice a second) and are spoken by one
``Announcer`` thread, so announcements queue up and never overlap.
"""

from __future__ import annotations

from typing import Any

from station.home.context import Station
from station.queue.announce import Call, call_phrase, recent_calls
from station.queue.facade import Queue
from station.queue.view import PollCache, QueueStatus, queue_status
from station.screens.base import to_ui
from station.screens.board.board import BoardScreen
from station.screens.public import PublicApp
from station.screens.speech import Announcer


class BoardApp(PublicApp):
    """The host of ``BoardScreen``, which uses it through ``BoardHost``."""

    TITLE = "Station — Papan Antrean"

    def __init__(
        self,
        station: Station,
        *,
        refresh_seconds: float = 0.5,
        announcer: Announcer | None = None,
        voice: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """``voice`` False turns speech off for this run (``station board --no-voice``);
        ``announcer`` replaces the speaker (tests)."""
        super().__init__(**kwargs)
        self.station = station
        self.queue = Queue.for_station(station)
        self.refresh_seconds = refresh_seconds
        if voice is False:
            station.config.voice.enabled = False
        self.announcer = announcer or Announcer(
            station.config.voice, bell=self._bell_from_thread, on_error=self._sound_failed
        )
        self.announced: list[str] = []  # phrases handed to the announcer, in order
        self.poll_cache = PollCache(self.queue.office.office_id)
        self._sound_warned = False

    def on_mount(self) -> None:
        self.sub_title = f"Kelurahan {self.station.config.office.name}"
        self.announcer.start()
        self.push_screen(BoardScreen())

    def on_unmount(self) -> None:
        self.announcer.close()

    def read_board(self) -> tuple[QueueStatus, list[Call]]:
        """One consistent read for the board (worker thread). Re-read only when the office's
        change mark moved (``PollCache``): otherwise the previous result, the same object."""
        now = self.station.clock.now()
        office = self.queue.office

        def build(session: Any) -> tuple[QueueStatus, list[Call]]:
            status = queue_status(session, office, now)
            return status, recent_calls(session, office.office_id, status.day)

        return self.queue.read(lambda s: self.poll_cache.read(s, office.day(now), build))

    def announce(self, call: Call) -> None:
        """Queue the spoken call (UI thread; returns at once)."""
        voice = self.station.config.voice
        phrase = call_phrase(
            call.number, call.counter, service_name=call.service_name, phrase=voice.phrase
        )
        self.announced.append(phrase)
        self.announcer.say(phrase)

    def _bell_from_thread(self) -> None:
        to_ui(self, self.bell)

    def _sound_failed(self, exc: Exception) -> None:
        if self._sound_warned:
            return
        self._sound_warned = True
        to_ui(self, self.notify, f"Suara panggilan gagal: {exc}", severity="warning")
