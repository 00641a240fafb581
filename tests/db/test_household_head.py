"""The death of a household head (issue 14, point 6): after the SKK for the kepala keluarga,
the widow acts for the household (her SKTM is not refused), every member's card says the KK
must be renewed at Dukcapil and offers the pengantar (SPKK), and recording the new head
(audited, old and new) fixes the household (station.register.household)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from station.home.context import Station, open_station
from station.register.desk import resident_card
from station.store.models import AuditEvent, Resident
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, KK, WIFE, add_residents, issue_args, run_cli

CHILD = "5371034403100003"  # a daughter on the same KK, 16 years old in 2026


@pytest.fixture
def station(station_home: Path) -> Iterator[Station]:
    opened = open_station(station_home)
    add_residents(opened.db, opened.office_id)
    add_operators(opened, "ani")  # --operator asks their PIN (STATION_PIN)
    with opened.db.write() as session:
        session.add(
            Resident(
                office_id=opened.office_id,
                nik=CHILD,
                kk_number=KK,
                name="ANGELA KEBAN",
                birth_place="KUPANG",
                birth_date=dt.date(2010, 3, 4),
                sex="P",
                address="Jl. Timor Raya No. 12",
                religion="KATHOLIK",
                marital_status="BELUM KAWIN",
                family_relationship="ANAK",
            )
        )
    try:
        yield opened
    finally:
        opened.close()


def _death_of_the_head(station: Station) -> None:
    died = (station.clock.today() - dt.timedelta(days=1)).isoformat()
    result, issued = run_cli(
        *issue_args(
            "SKK",
            HEAD,
            *("--field", f"tanggal_meninggal={died}"),
            *("--field", "tempat_meninggal=RSUD Kupang"),
            *("--field", "sebab_kematian=Sakit biasa/tua"),
            *("--field", "nama_pelapor=Maria Keban"),
            *("--field", f"nik_pelapor={WIFE}"),
            *("--field", "hubungan_pelapor=Istri"),
        )
    )
    assert result.exit_code == 0, result.output
    assert issued["effects"]  # the head is now recorded deceased


def _card(station: Station, nik: str):  # type: ignore[no-untyped-def]
    return resident_card(station, nik, operator="ani", today=station.clock.today())


def test_the_widow_gets_an_sktm_after_the_heads_death(station: Station) -> None:
    _death_of_the_head(station)
    result, sktm = run_cli(*issue_args("SKTM", WIFE, "--purpose", "Beasiswa anak"))
    assert result.exit_code == 0, sktm.get("error")
    _, shown = run_cli("letter", "show", sktm["number"], "--text")
    # She applies for the household: the daughter is her dependant, the dead husband is not.
    assert "ANGELA KEBAN" in shown["text"]
    assert "YOHANES EMANUEL KEBAN" not in shown["text"]
    # The daughter is not the one to apply: refused, saying the KK must be renewed.
    result, refused = run_cli(*issue_args("SKTM", CHILD, "--purpose", "Beasiswa"))
    assert result.exit_code == 1
    assert "kepala keluarga" in refused["error"] and "Dukcapil" in refused["error"]
    assert "SPKK" in refused["error"]


def test_members_cards_say_the_kk_must_be_renewed(station: Station) -> None:
    before = _card(station, WIFE)
    assert before is not None and not before.kk_renewal
    _death_of_the_head(station)
    for nik in (WIFE, CHILD):
        card = _card(station, nik)
        assert card is not None and card.kk_renewal
        warning = next(w for w in card.warnings if "Dukcapil" in w)
        assert "YOHANES EMANUEL KEBAN" in warning and "MENINGGAL" in warning
        assert "Surat Pengantar Perubahan KK (SPKK)" in warning
    # The pengantar it offers is a letter type of its own, listing the family.
    result, spkk = run_cli(
        *issue_args("SPKK", WIFE, "--field", "alasan=Kepala keluarga meninggal dunia")
    )
    assert result.exit_code == 0, spkk.get("error")
    _, shown = run_cli("letter", "show", spkk["number"], "--text")
    assert "Kepala keluarga meninggal dunia" in shown["text"]
    assert "ANGELA KEBAN" in shown["text"]


def test_recording_the_new_head_fixes_the_household(station: Station) -> None:
    # While the head lives, no one else can be recorded as head.
    result, refused = run_cli("residents", "head", WIFE, "--operator", "ani")
    assert result.exit_code == 1 and "masih memiliki kepala keluarga" in refused["error"]
    _death_of_the_head(station)
    result, changed = run_cli("residents", "head", WIFE, "--operator", "ani")
    assert result.exit_code == 0, changed
    assert changed["new_head"]["previous_relationship"] == "ISTRI"
    assert changed["former_heads"][0]["status"] == "deceased"
    with station.db.read() as session:
        widow = session.scalars(select(Resident).where(Resident.nik == WIFE)).one()
        assert widow.family_relationship == "KEPALA KELUARGA"
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "resident.head_changed")
        ).one()
    assert event.operator == "ani"
    assert event.details["old"] == [{"nik_masked": "5371********0001", "status": "deceased"}]
    assert event.details["new"] == {
        "nik_masked": "5371********0002",
        "was": "ISTRI",
        "now": "KEPALA KELUARGA",
    }
    for nik in (WIFE, CHILD):
        card = _card(station, nik)
        assert card is not None and not card.kk_renewal
        assert not any("Dukcapil" in w for w in card.warnings)
    # Now the daughter's refusal is the plain one: the household has its head again.
    _, refused = run_cli(*issue_args("SKTM", CHILD, "--purpose", "Beasiswa"))
    assert "Dukcapil" not in refused["error"]
    result, again = run_cli("residents", "head", CHILD, "--operator", "ani")
    assert result.exit_code == 1 and "MARIA KEBAN" in again["error"]
