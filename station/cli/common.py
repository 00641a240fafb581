"""What every command shares: ``--json``, refusals as exit 1, who acted, opening the station.

Command modules import this, never the root group (``station.cli``), so the root can import
every command module without a cycle (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from station.store.errors import StationError, storage_refusal

F = TypeVar("F", bound=Callable[..., Any])


class Refusal(StationError):
    """Stops a command with exit status 1 and a message for the user (``code`` and
    ``extra`` go into the ``--json`` answer)."""


# A web server's limit per client address (``station serve``, ``station city serve``).
rate_limit_option = click.option(
    "--rate-limit",
    "rate_limit",
    default=120,
    show_default=True,
    type=click.IntRange(0, None),
    help="Permintaan per menit per alamat klien (0 = tanpa batas).",
)


def _print_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


def command_output(func: F) -> F:
    """Adds ``--json``; turns every refusal (a StationError: database trouble included) into
    exit 1 with its message; ``--json`` prints ``{"error": message, "code": ..., **extra}``.
    A file that cannot be written because the disk is full or read-only is a refusal too."""

    @click.option("--json", "as_json", is_flag=True, help="Cetak satu objek JSON.")
    @wraps(func)
    def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> None:
        click.get_current_context().meta["station_json"] = as_json
        try:
            data, human = func(*args, **kwargs)
        except StationError as exc:
            if exc.code == "not_admin":
                _record_refused_admin(exc)
            _fail(exc, as_json)
        except OSError as exc:
            refusal = storage_refusal(exc)
            if refusal is None:
                raise
            _fail(refusal, as_json)
        if as_json:
            _print_json(data)
        elif human:
            click.echo(human)

    return wrapper  # type: ignore[return-value]


def _record_refused_admin(refusal: StationError) -> None:
    """An admin act refused to someone else is audited (who asked, what, channel ``cli``, the
    OS user) in a transaction of its own; the refusal stands even when that cannot be
    written (no station here, a busy database)."""
    from station.office.operators import NotAdmin, record_refused_admin

    if not isinstance(refusal, NotAdmin):
        return
    try:
        station = open_station()
    except StationError:
        return
    try:
        with station.db.write() as session:
            record_refused_admin(session, station.office_id, refusal)
    except StationError:
        pass
    finally:
        station.close()


def _fail(exc: StationError, as_json: bool) -> NoReturn:
    if as_json:
        _print_json(exc.to_dict())
    else:
        click.echo(f"Gagal: {exc.message}", err=True)
    sys.exit(1)


def refuse_undecodable_arguments(argv: list[str]) -> None:
    """Refuse (exit 1) a command line with an argument that is not UTF-8 text.

    Python hands such bytes over as lone surrogates (``surrogateescape``); stored, printed or
    sent to the database they end in a ``UnicodeEncodeError`` traceback. Checked once, before
    click parses anything; ``--json`` anywhere on the line gives the JSON answer.
    """
    bad = [arg for arg in argv if _undecodable(arg)]
    if not bad:
        return
    shown = bad[0].encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    refusal = StationError(
        f'Argumen "{shown}" bukan teks UTF-8 yang sah (mungkin salah salin atau papan ketik '
        "berpengaturan lain). Ketik ulang argumen itu, lalu coba lagi.",
        "bad_argument",
        argument=shown,
    )
    _fail(refusal, "--json" in argv)


def _undecodable(arg: str) -> bool:
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def operator_name(operator: str | None) -> str:
    """Who the audit trail names when no operator is given: the shell user. With an operator,
    use :func:`acting_operator`, which checks their PIN first."""
    if operator:
        return operator
    try:
        return f"shell:{getpass.getuser()}"
    except (KeyError, OSError):
        return "shell"


PIN_ENV = "STATION_PIN"
PIN_NEEDED = (
    "PIN petugas {username} diperlukan, tetapi tidak ada terminal untuk memintanya. "
    "Untuk skrip, isi variabel lingkungan STATION_PIN dengan PIN petugas itu."
)


def operator_pin(username: str) -> str:
    """The named operator's PIN: ``STATION_PIN`` when set (scripts), else asked hidden on the
    terminal. Never read from piped stdin: some commands read their own input there (the
    resident's new PIN of ``residents pin set``, the new operator's PIN of ``operators add``),
    so with stdin not a terminal and no ``STATION_PIN`` the command is refused (exit 1)."""
    pin = os.environ.get(PIN_ENV)
    if pin is not None:
        return pin.strip()
    if not sys.stdin.isatty():
        raise Refusal(PIN_NEEDED.format(username=username), "pin_required")
    return str(click.prompt(f"PIN petugas {username}", hide_input=True, err=True)).strip()


def authenticate_operator(station: Any, username: str) -> Any:
    """Check ``--operator USER`` as the operator app's sign-in does (station.office.sign_in):
    the same PIN, the same lockout counted in the database (five wrong PINs lock the account;
    a locked or inactive operator is refused even with the right PIN), the same words for an
    unknown user and a wrong PIN, every attempt audited with the ``cli`` channel. Returns the
    signed-in operator (``SignedIn``); a refusal ends the command with exit 1."""
    from station.office.sign_in import sign_in

    return sign_in(station, username, operator_pin(username))


def acting_operator(station: Any, operator: str | None) -> str:
    """The name the audit trail and the core get for who acts: with ``--operator USER``, USER
    once their PIN is checked (:func:`authenticate_operator`); without it, the shell user
    (``shell:NAME``), which no act that needs an operator or an admin accepts."""
    if not operator:
        return operator_name(None)
    return str(authenticate_operator(station, operator).username)


CHANNEL = "cli"  # how the audit trail names acts done from the command line


def open_station(*, daily_backup: bool = False) -> Any:
    """The station of ``STATION_HOME``, opened as the ``cli`` channel (imported late:
    ``--help`` needs no database)."""
    from station.home import context

    return context.open_station(daily_backup=daily_backup, channel=CHANNEL)


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
