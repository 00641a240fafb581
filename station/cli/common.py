"""What every command shares: ``--json``, refusals as exit 1, who acted, opening the station.

Command modules import this, never the root group (``station.cli``), so the root can import
every command module without a cycle (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class Refusal(Exception):
    """Stops a command with exit status 1 and a message for the user."""

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.extra = extra


def _print_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


def command_output(func: F) -> F:
    """Adds ``--json``; turns refusals and known errors into exit 1 with a clear message."""

    @click.option("--json", "as_json", is_flag=True, help="Cetak satu objek JSON.")
    @wraps(func)
    def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> None:
        from sqlalchemy.exc import DBAPIError

        from station.home.config import ConfigError
        from station.home.context import NotInitialised
        from station.home.keys import KeyFileError
        from station.store.db import database_trouble

        click.get_current_context().meta["station_json"] = as_json
        try:
            data, human = func(*args, **kwargs)
        except (Refusal, ConfigError, NotInitialised, KeyFileError) as exc:
            extra = getattr(exc, "extra", {})
            _fail(str(exc), as_json, extra)
        except DBAPIError as exc:  # locked past the busy timeout, or the server out of reach
            trouble = database_trouble(exc)
            if trouble is None:
                raise
            _fail(trouble[1], as_json, {"code": trouble[0]})
        if as_json:
            _print_json(data)
        elif human:
            click.echo(human)

    return wrapper  # type: ignore[return-value]


def _fail(message: str, as_json: bool, extra: dict[str, Any]) -> NoReturn:
    if as_json:
        _print_json({"error": message, **extra})
    else:
        click.echo(f"Gagal: {message}", err=True)
    sys.exit(1)


def operator_name(operator: str | None) -> str:
    """Who the audit trail names: the given operator, else the shell user (trust boundary)."""
    if operator:
        return operator
    try:
        return f"shell:{getpass.getuser()}"
    except (KeyError, OSError):
        return "shell"


def open_station() -> Any:
    """The station of ``STATION_HOME`` (imported late: ``--help`` needs no database)."""
    from station.home import context

    return context.open_station()


def office_today(station: Any) -> dt.date:
    return station.clock.today()


def installed_command() -> str:
    """How the person at this terminal runs Station: ``station`` when that is on PATH and is
    this program, else the path that was run (``.venv/bin/station``), else ``python -m
    station``. Hints printed for the user must work when pasted."""
    import shutil

    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    on_path = shutil.which("station")
    if argv0 is not None and argv0.name == "station":
        if on_path and Path(on_path).resolve() == argv0.resolve():
            return "station"
        return str(argv0.resolve())
    return f"{sys.executable} -m station"
