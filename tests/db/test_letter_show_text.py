"""``station letter show`` as an operator reads it: the status and the channel in Indonesian
(a Service Box letter says it came through the Layanan Mandiri), the JSON keeps the codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from station.home.context import Station, init_station, open_station
from station.letters.store import CHANNEL_BOX, IssueRequest, LetterSettings, issue_letter
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, add_residents, issue_args, run_cli
from tests.helpers.office import signed_template


@pytest.fixture
def station(home: Path) -> Iterator[Station]:
    init_station(home, template=signed_template(home))
    opened = open_station(home)
    add_residents(opened.db, opened.office_id)
    add_operators(opened, "ani")
    try:
        yield opened
    finally:
        opened.close()


def _shown(number: str) -> str:
    from station.cli import cli

    result = CliRunner().invoke(cli, ["letter", "show", number], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_counter_letter_reads_issued_at_the_counter(station: Station) -> None:
    result, issued = run_cli(*issue_args())
    assert result.exit_code == 0, result.output
    text = _shown(issued["number"])
    assert "Status: terbit;" in text and "di loket;" in text
    assert "issued" not in text and "Layanan Mandiri" not in text


def test_a_box_letter_reads_through_the_layanan_mandiri(station: Station) -> None:
    settings = LetterSettings.from_config(station.config)
    request = IssueRequest(
        type_code="SKD",
        nik=HEAD,
        operator="layanan-mandiri",
        fields={},
        purpose="Melamar pekerjaan",
        channel=CHANNEL_BOX,
    )
    with station.db.write() as session:
        made = issue_letter(session, station.office_id, settings, request, now=station.clock.now())
    text = _shown(made.number)
    assert "melalui Layanan Mandiri;" in text and "di loket" not in text
    _, data = run_cli("letter", "show", made.number)
    assert (data["status"], data["channel"]) == ("issued", "box")
