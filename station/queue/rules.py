"""The queue's vocabulary and rules shared by transitions, views and the CLI: statuses,
reasons, outcomes, the office's policy, the office's day, and when a counter counts as alive.

Imports nothing heavy, so ``station --help`` and unrelated commands stay fast."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from station.store.errors import StationError

if TYPE_CHECKING:  # no SQLAlchemy import at runtime: the CLI reads these words when it starts
    from station.store.models import Counter

WAITING = "waiting"
CALLED = "called"
SERVING = "serving"
DONE = "done"
NO_SHOW = "no_show"
CANCELLED = "cancelled"
NOT_SERVED = "not_served"  # still waiting or called when the day ended
STATUSES = (WAITING, CALLED, SERVING, DONE, NO_SHOW, CANCELLED, NOT_SERVED)
ACTIVE = (CALLED, SERVING)  # held by a counter
FINAL = (DONE, NO_SHOW, CANCELLED, NOT_SERVED)

STATUS_LABELS = {
    WAITING: "menunggu",
    CALLED: "dipanggil",
    SERVING: "dilayani",
    DONE: "selesai",
    NO_SHOW: "tidak hadir",
    CANCELLED: "dibatalkan",
    NOT_SERVED: "tidak terlayani",
}

PRIORITY_REASONS = {
    "lansia": "Lansia (60 tahun ke atas)",
    "disabilitas": "Penyandang disabilitas",
    "ibu_hamil": "Ibu hamil",
    "lainnya": "Kebutuhan khusus lainnya",
}

LETTER_ISSUED = "letter_issued"  # an outcome that is a fact: a letter for the ticket exists
LETTER_REVOKED = "revoked"  # Letter.status of a withdrawn letter (station.letters.store)
OUTCOMES = {
    LETTER_ISSUED: "Surat diterbitkan",
    "information_given": "Informasi diberikan",
    "referred": "Dirujuk ke instansi lain",
    "documents_incomplete": "Berkas belum lengkap",
}

# What each queue event leaves the ticket as; None: the status does not change.
EVENT_STATUS: dict[str, str | None] = {
    "issued": WAITING,
    "called": CALLED,
    "recalled": CALLED,
    "started": SERVING,
    "finished": DONE,
    "no_show": NO_SHOW,
    "reactivated": WAITING,
    "transferred": WAITING,
    "taken_over": None,
    "returned": WAITING,
    "cancelled": CANCELLED,
    "not_served": NOT_SERVED,
    "nik_attached": None,
    "released": None,
}

DEFAULT_DAY_END_REASON = "Jam layanan berakhir; belum terlayani hari ini"


class QueueError(StationError):
    """A refusal worded for the operator or resident (Bahasa Indonesia); ``code`` is for
    programs (``empty``, ``not_found``, ``counter_busy``, ...)."""

    code: str

    def __init__(self, message: str, code: str = "refused", **extra: Any) -> None:
        super().__init__(message, code, **extra)


@dataclass(frozen=True)
class QueuePolicy:
    """Office rules that an admin may tune."""

    no_show_calls: int = 3  # calls before a ticket may be marked no-show
    stale_minutes: int = 5  # a counter without heartbeat this long may be taken over
    history_size: int = 20  # finished tickets in the "recent median" service time
    history_days: int = 14  # ... and how far back they may lie
    claim_wait_seconds: float = 2.0  # PostgreSQL: wait for rows locked by other counters


@dataclass(frozen=True)
class OfficeQueue:
    """Which office, its time zone (what "today" means) and its policy."""

    office_id: int
    tz: ZoneInfo
    policy: QueuePolicy = field(default_factory=QueuePolicy)

    def day(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.tz).date()


def resolve_now(now: dt.datetime | None) -> dt.datetime:
    """The given moment (must be aware) or the real clock."""
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return now


def policy_from_config(config: Any) -> QueuePolicy:
    """Policy from an optional ``[queue]`` section of the station config, else the defaults."""
    section = getattr(config, "queue", None)
    if section is None:
        return QueuePolicy()
    defaults = QueuePolicy()
    return QueuePolicy(
        no_show_calls=int(getattr(section, "no_show_calls", defaults.no_show_calls)),
        stale_minutes=int(getattr(section, "stale_minutes", defaults.stale_minutes)),
    )


def is_live(counter: Counter, now: dt.datetime, policy: QueuePolicy) -> bool:
    """Open, and its operator's app has shown a sign of life within the stale window."""
    if not counter.is_open or counter.heartbeat_at is None:
        return False
    return counter.heartbeat_at >= now - dt.timedelta(minutes=policy.stale_minutes)


def ticket_subject(day: dt.date, number: str) -> str:
    """The audit subject of a ticket: numbers restart daily, so the day is part of it."""
    return f"ticket:{day.isoformat()}:{number}"
