"""Exceptions of the letter core; every message is Indonesian and meant for the office."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from station.store.errors import StationError


class LetterError(StationError):
    """A refusal to show to the operator or admin (exit status 1 in the CLI)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class CatalogueError(LetterError):
    """One or more letter-type files are wrong; ``problems`` names file and key for each."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


class FieldErrors(LetterError):
    """Field values that do not pass validation: ``errors`` maps field key -> message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {msg}" for key, msg in self.errors.items()))


class NumberingError(LetterError):
    """A letter-number pattern or scope that cannot give unique numbers."""
