"""Driving the operator app in tests: sign-in, settling workers, reading widgets.

pytest-asyncio is not installed: each test runs its coroutine with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.worker import WorkerCancelled, WorkerError, WorkerFailed

from station.home.context import Station
from station.register.residents import index_names, search_text
from station.screens.operator.app import OperatorApp
from station.screens.operator.login import LoginScreen
from station.store.models import AuditEvent, Resident

SIZE = (100, 30)


async def wait_for_workers(app: App[Any], pilot: Pilot[Any]) -> None:
    """``app.workers.wait_for_complete()``, robust to the app's own timers.

    A poll started by a timer may be still PENDING when we start waiting (Textual then raises
    WorkerError) or be replaced by the next one (an exclusive worker, WorkerCancelled); both
    are normal for the app, so wait again. A worker that *failed* is still raised.
    """
    for _ in range(100):
        try:
            await app.workers.wait_for_complete()
            return
        except (WorkerError, WorkerCancelled) as exc:
            if isinstance(exc, WorkerFailed):
                raise
            await pilot.pause(0.01)
    await app.workers.wait_for_complete()


async def until(pilot: Pilot[Any], check: Callable[[], object], seconds: float = 10.0) -> bool:
    """Pause until ``check()`` holds or ``seconds`` pass (monotonic: fine under faketime);
    returns whether it held, for an ``assert`` that names what never came."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        await pilot.pause(0.02)
    return bool(check())


async def settle(app: App[Any], pilot: Pilot[Any], rounds: int = 3) -> None:
    """Wait until the workers started by the last keys (and those they start) are done."""
    for _ in range(rounds):
        await wait_for_workers(app, pilot)
        await pilot.pause()


async def login(
    app: OperatorApp,
    pilot: Pilot[None],
    pin: str = "2468",
    counter: str = "1",
    username: str = "sari",
) -> None:
    screen = app.screen
    assert isinstance(screen, LoginScreen)
    screen.query_one("#counter", Input).value = counter
    screen.query_one("#username", Input).value = username
    screen.query_one("#pin", Input).focus()
    screen.query_one("#pin", Input).value = pin
    await pilot.press("enter")
    await settle(app, pilot)


async def to_lookup(app: OperatorApp, pilot: Pilot[None]) -> None:
    """Signed in at loket 1 as sari, on the resident lookup screen (F7)."""
    await pilot.pause()
    await login(app, pilot)
    await pilot.press("f7")
    await pilot.pause()


async def to_admin(app: OperatorApp, pilot: Pilot[None]) -> None:
    """Signed in as the admin of ``add_admin``, on the admin screen (A)."""
    await pilot.pause()
    await login(app, pilot, "9753", username="admin")
    await pilot.press("a")
    await settle(app, pilot)


def text(app: OperatorApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def notes(app: OperatorApp) -> list[str]:
    return [n.message for n in app._notifications]


def audit_actions(station: Station) -> list[str]:
    with station.db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def add_indexed_residents(station: Station, rows: list[dict[str, Any]]) -> None:
    """Residents as an import leaves them: with their name words in the search index."""
    with station.db.write() as session:
        added = []
        for data in rows:
            resident = Resident(
                office_id=station.office_id, search_text=search_text(data["name"]), **data
            )
            session.add(resident)
            added.append(resident)
        session.flush()
        if session.get_bind().dialect.name == "sqlite":
            index_names(session.connection(), [(r.id, r.search_text) for r in added])


def add_admin(station: Station, username: str = "admin", pin: str = "9753") -> None:
    """An admin operator beside the fixture's ``sari``."""
    from station.office.operators import add_operator

    with station.db.write() as session:
        add_operator(
            session,
            station.office_id,
            username=username,
            display_name="Admin Kantor",
            role="admin",
            pin=pin,
        )


def run(coro: Any) -> None:
    asyncio.run(coro)
