"""A fixed clock given to the operator app reaches every place that dates something: the
letter issued on the letter screen takes its day, Roman month and ``issued_at`` from the
app's clock, as its preview does, whatever the machine's date (docs/architecture.md, "Time").

The clock stands at 31 December 16:30 UTC, which is already 1 January 00:30 in Kupang (WITA).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from station.home.context import Station
from station.screens.operator.app import OperatorApp
from station.screens.operator.letter import LetterScreen
from tests.helpers.letter_helpers import HEAD
from tests.helpers.operator_pilot import settle
from tests.screens.test_letter_screen import SIZE, desk, letters, sign_in, text_of, to_preview

__all__ = ["desk"]  # the fixture, shared with the letter screen's tests

NEW_YEAR_NIGHT = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)  # 1 Jan 2027 00:30 WITA


def test_a_letter_issued_on_a_fixed_clock_is_dated_by_it(desk: Station) -> None:
    seen: dict[str, Any] = {}

    async def main() -> None:
        app = OperatorApp(desk, counter=1, clock=lambda: NEW_YEAR_NIGHT)
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(app, pilot)
            results: list[Any] = []
            app.push_screen(LetterScreen(HEAD, None), results.append)
            await settle(app, pilot)
            await to_preview(app, pilot, [])
            seen["preview"] = text_of(app, "#preview-text")
            await pilot.press("enter")  # issue and print
            await settle(app, pilot)
            seen["issued"] = results[0]

    asyncio.run(main())
    issued = seen["issued"]
    assert issued.number.endswith("/I/2027"), issued.number
    assert issued.number in seen["preview"]  # the preview's expected number is the one taken
    [stored] = letters(desk)
    assert stored.issued_at == NEW_YEAR_NIGHT
    assert stored.document["issued_on"] == "2027-01-01"
    assert "1 Januari 2027" in seen["preview"]
