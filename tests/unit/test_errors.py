"""One error root: every exception the station defines that a face may show is a
StationError (station/store/errors.py), so the CLI, the screens and the web page need catch
only that one class to show a refusal instead of a traceback."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import station
from station.store.errors import DatabaseBusy, DatabaseUnavailable, StationError

# Exceptions that never reach a person, each with the reason; keep this list short.
INTERNAL = {
    # PrintSpooler.submit after close(): only while the app shuts down; callers drop the job.
    "station.printing.spooler.SpoolerClosed",
}


def _station_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(station.__path__, "station."):
        if info.name.startswith("station.migrations"):
            continue  # alembic scripts, run only inside alembic
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
            ):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def test_every_exception_a_face_may_show_is_a_station_error() -> None:
    found = _station_exceptions()
    # the walk really reaches every layer (a broken walk must not pass by finding nothing)
    for name in (
        "station.cli.common.Refusal",
        "station.queue.rules.QueueError",
        "station.letters.store.LetterRefusal",
        "station.letters.errors.FieldErrors",
        "station.home.config.ConfigError",
        "station.office.sign_in.LoginError",
        "station.register.importing.files.ImportFormatError",
        "station.reports.skm.SurveyError",
        "station.printing.faults.PrinterFault",
    ):
        assert name in found, name
    outside = sorted(
        name
        for name, cls in found.items()
        if not issubclass(cls, StationError) and name not in INTERNAL
    )
    assert outside == [], f"not a StationError (nor listed as internal): {outside}"
    assert found.keys() >= INTERNAL, "an internal exception listed here no longer exists"


def test_the_eligibility_reason_is_no_exception() -> None:
    """``letters.Ineligibility`` (once ``letters.Refusal``) is data, not a refusal to raise;
    its old name no longer clashes with the CLI's exception."""
    import station.letters as letters

    assert not hasattr(letters, "Refusal")
    assert not issubclass(letters.Ineligibility, BaseException)


def test_a_station_error_keeps_message_code_and_extra() -> None:
    exc = StationError("Loket 3 tidak ada.", "unknown_counter", known=[1, 2])
    assert str(exc) == exc.message == "Loket 3 tidak ada."
    assert exc.code == "unknown_counter" and exc.extra == {"known": [1, 2]}
    assert exc.to_dict() == {
        "error": "Loket 3 tidak ada.",
        "code": "unknown_counter",
        "known": [1, 2],
    }
    bare = StationError("Ditolak.")
    assert bare.code is None and bare.extra == {} and bare.to_dict() == {"error": "Ditolak."}


@pytest.mark.parametrize(
    ("cls", "code", "words"),
    [
        (DatabaseBusy, "db_busy", "sedang dipakai"),
        (DatabaseUnavailable, "db_unavailable", "tidak dapat dihubungi"),
    ],
)
def test_database_trouble_has_its_code_and_an_indonesian_message(
    cls: type[StationError], code: str, words: str
) -> None:
    exc = cls()
    assert isinstance(exc, StationError) and exc.code == code and words in str(exc)


def test_subclasses_keep_their_own_attributes() -> None:
    from station.office.opening_hours import OpeningHoursError
    from station.office.sign_in import LoginError
    from station.printing.faults import PrinterFault
    from station.queue.rules import QueueError
    from station.register.codes import CodeError

    assert QueueError("Antrean kosong.", "empty").code == "empty"
    assert QueueError("Ditolak.").code == "refused"
    login = LoginError("PIN salah.", "bad_pin", attempts_left=2)
    assert login.code == "bad_pin" and login.attempts_left == 2
    fault = PrinterFault("paper_out", "sensor")
    assert fault.kind == fault.code == "paper_out" and fault.detail == "sensor"
    assert fault.message == str(fault) and fault.to_dict()["fault"] == "paper_out"
    code = CodeError("religion", "X", "Agama tidak dikenal.")
    assert isinstance(code, ValueError) and code.kind == "religion" and str(code) == code.message
    hours = OpeningHoursError("kiosk.opening_hours[1].open", "jam tidak ada")
    assert isinstance(hours, ValueError) and hours.key == "kiosk.opening_hours[1].open"
    assert hours.reason == "jam tidak ada" and str(hours) == hours.message
