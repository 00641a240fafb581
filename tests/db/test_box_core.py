"""The Service Box's core on SQLite and PostgreSQL: the letter's channel, the lurah's
self-service overrides, the box's refusals audited without a NIK, and the catalogue keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy import select, update

from station.home.context import Station, open_station
from station.letters import CatalogueError
from station.letters.box import (
    BoxRefusal,
    GuessGuard,
    box_modes,
    change_self_service,
    issue,
    request,
    sign_in,
)
from station.letters.catalogue import parse_letter_type_text
from station.letters.desk import issue as counter_issue
from station.letters.desk import today_view
from station.letters.requests import RequestRefusal, create_request
from station.letters.store import IssueRequest, LetterSettings
from station.office.clock import OfficeClock
from station.office.operators import NotAdmin
from station.register.pins import set_pin
from station.store import audit
from station.store.models import AuditEvent, Letter, LetterRequest, Resident
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, add_residents

T0 = dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.UTC)  # 23:30 WITA
PIN = "482913"


@pytest.fixture
def office(station_home: Path) -> Iterator[Station]:
    station = open_station(station_home)
    station.clock = OfficeClock(station.config.tz, lambda: T0)
    add_residents(station.db, station.office_id)
    with station.db.write() as session:
        session.execute(update(Resident).where(Resident.nik == HEAD).values(ektp_recorded=True))
        set_pin(session, station.office_id, HEAD, PIN, operator="ani", now=T0)
    add_operators(station, "kepala", role="admin")  # the lurah's choices are an admin's
    yield station
    station.close()


def test_counter_letters_say_counter_and_box_letters_say_box(office: Station) -> None:
    settings = LetterSettings.from_config(office.config)
    counter = counter_issue(
        office, settings, IssueRequest("SKD", HEAD, "ani", purpose="Melamar pekerjaan")
    )
    visitor = sign_in(office, settings, HEAD, PIN, terminal="box-1", guard=GuessGuard()).visitor
    assert visitor is not None and visitor.nik_masked == "5371********0001"
    boxed = issue(
        office, settings, visitor, "SKD", fields={}, purpose="Melamar pekerjaan", terminal="box-1"
    )
    with office.db.read() as session:
        channels = dict(session.execute(select(Letter.number, Letter.channel)).all())
    assert channels == {counter.number: "counter", boxed.number: "box"}
    assert any("Layanan Mandiri" in getattr(b, "text", "") for b in boxed.document.body)
    assert not any("Layanan Mandiri" in getattr(b, "text", "") for b in counter.document.body)
    letters, _ = today_view(office)  # the Today screen names the box, not an operator
    assert {(t.number, t.operator) for t in letters} == {
        (counter.number, "-"),  # "ani" is no operator row here
        (boxed.number, "Layanan Mandiri"),
    }
    with pytest.raises(BoxRefusal, match="daftar"):  # no free text at the box
        issue(office, settings, visitor, "SKD", fields={}, purpose="apa saja", terminal="box-1")


def test_the_lurah_s_override_wins_and_is_checked_again_when_issuing(office: Station) -> None:
    settings = LetterSettings.from_config(office.config)
    assert box_modes(office, settings)["SKBM"] == "issue"
    visitor = sign_in(office, settings, HEAD, PIN, terminal="box-1", guard=GuessGuard()).visitor
    assert visitor is not None
    # the lurah withdraws Domisili from the box while this resident is at it
    assert change_self_service(office, settings, "SKD", "no", operator="kepala") == "issue"
    assert "SKD" not in box_modes(office, settings) or box_modes(office, settings)["SKD"] == "no"
    with pytest.raises(BoxRefusal):
        issue(
            office, settings, visitor, "SKD", fields={}, purpose="Melamar pekerjaan",
            terminal="box-1",
        )  # fmt: skip
    with office.db.read() as session:
        assert session.scalars(select(Letter)).all() == []
        refused = session.scalars(select(AuditEvent).where(AuditEvent.action == "box.refused"))
        [event] = refused.all()
    assert event.subject is None and event.details["reason"] == "not_offered"
    assert event.operator == "layanan-mandiri" and HEAD not in str(event.details)
    with pytest.raises(BoxRefusal):
        change_self_service(office, settings, "SKD", "maybe", operator="kepala")
    with pytest.raises(NotAdmin):  # an operator may not change what the box issues
        change_self_service(office, settings, "SKD", "issue", operator="ani")


def test_a_tenth_box_type_is_refused_not_dropped_unseen(office: Station) -> None:
    """The box has one digit per type, 1-9: the lurah who offers a tenth is told so and
    nothing changes (the box used to cut the list and the tenth type never showed)."""
    settings = LetterSettings.from_config(office.config)
    offered = [c for c, m in box_modes(office, settings).items() if m != "no"]
    spare = [c for c, m in box_modes(office, settings).items() if m == "no"]
    assert len(offered) == 9 and spare
    with pytest.raises(BoxRefusal, match="hanya dapat menawarkan 9") as refused:
        change_self_service(office, settings, spare[0], "request", operator="kepala")
    assert refused.value.code == "box_full"
    assert box_modes(office, settings)[spare[0]] == "no"
    # one type out, the other in: allowed
    change_self_service(office, settings, offered[0], "no", operator="kepala")
    change_self_service(office, settings, spare[0], "request", operator="kepala")
    assert box_modes(office, settings)[spare[0]] == "request"


def test_the_guard_pauses_after_refusals_within_a_minute(office: Station) -> None:
    guard = GuessGuard(max_failures=3, window=60, pause=60)
    at = [T0]

    def fail() -> bool:
        with office.db.write() as session:
            return guard.failed(session, office.office_id, "box-1", at[0])

    def paused() -> int:
        with office.db.read() as session:
            return guard.paused_for(session, office.office_id, "box-1", at[0])

    assert not fail()
    at[0] = T0 + dt.timedelta(seconds=61)  # the first one is out of the window
    assert not fail() and not fail()
    assert paused() == 0
    assert fail()
    assert paused() == 60
    with office.db.read() as session:  # another box is not paused by this one
        assert guard.paused_for(session, office.office_id, "box-2", at[0]) == 0
    at[0] += dt.timedelta(seconds=60)
    assert paused() == 0


def test_the_guard_outlives_a_restart_and_its_refusals_reach_the_report(
    office: Station, station_home: Path, request: pytest.FixtureRequest
) -> None:
    """A box restarted (a new process: a new station and a new guard) is still paused, and
    the attempts refused while paused are counted for the lurah without a NIK."""
    from station.reports.statistics import Period, build_report

    settings = LetterSettings.from_config(office.config)
    guard = GuessGuard(max_failures=3)
    # the audit stamps its events with the real clock: the box's night here
    stamp = mock.patch.object(audit, "utcnow", lambda: T0)
    stamp.start()
    request.addfinalizer(stamp.stop)
    for i in range(3):  # three NIKs guessed with one PIN
        nik = f"537103170890001{i + 2}"
        assert (
            sign_in(office, settings, nik, "590264", terminal="box-1", guard=guard).visitor is None
        )
    office.close()
    restarted = open_station(station_home)
    try:
        restarted.clock = OfficeClock(restarted.config.tz, lambda: T0 + dt.timedelta(seconds=30))
        result = sign_in(
            restarted, settings, HEAD, PIN, terminal="box-1", guard=GuessGuard(max_failures=3)
        )
        assert result.visitor is None and "30 detik" in result.message  # even the right PIN
        restarted.clock = OfficeClock(restarted.config.tz, lambda: T0 + dt.timedelta(seconds=61))
        result = sign_in(
            restarted, settings, HEAD, PIN, terminal="box-1", guard=GuessGuard(max_failures=3)
        )
        assert result.visitor is not None  # the pause is over
        day = T0.astimezone(restarted.config.tz).date()
        with restarted.db.read() as session:
            report = build_report(
                session, restarted.office_id, restarted.config.tz, Period(day, day), today=day
            )
            paused = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "box.paused")
            ).all()
        assert report["channels"]["refused"]["paused"] == 1
        assert report["channels"]["refused"]["wrong_pin"] == 3
        assert len(paused) == 1 and paused[0].details["terminal"] == "box-1"
        assert HEAD not in str(report) and HEAD not in str(paused[0].details)
    finally:
        restarted.close()


def test_the_catalogue_checks_self_service_and_box_purposes() -> None:
    base = 'code = "SKX"\ntitle = "X"\nclassification = "400.12.2.1"\n'
    parsed = parse_letter_type_text(
        base + 'self_service = "issue"\nbox_purposes = ["Melamar pekerjaan"]\n', "x.toml"
    )
    assert parsed.self_service == "issue" and parsed.box_purposes == ("Melamar pekerjaan",)
    assert parse_letter_type_text(base, "x.toml").self_service == "no"
    with pytest.raises(CatalogueError, match="self_service"):
        parse_letter_type_text(base + 'self_service = "yes"\n', "x.toml")
    with pytest.raises(CatalogueError, match="box_purposes"):
        parse_letter_type_text(base + f"box_purposes = {[str(i) for i in range(10)]}\n", "x")


def test_box_json_shows_what_the_box_would_run_with(office: Station) -> None:
    from click.testing import CliRunner

    from station.cli import cli

    result = CliRunner().invoke(cli, ["box", "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert data["app"] == "box" and data["idle_seconds"] == 60 and data["daily_limit"] == 3
    assert data["letters"]["SKD"] == "issue" and data["letters"]["SKTM"] == "request"
    assert "SKH" not in data["letters"]


CHILD = "5371035005190003"


def _add_child(station: Station) -> None:
    with station.db.write() as session:
        head = session.scalars(select(Resident).where(Resident.nik == HEAD)).one()
        session.add(
            Resident(
                office_id=station.office_id, nik=CHILD, kk_number=head.kk_number,
                name="PAULUS KEBAN", birth_place="KUPANG", birth_date=dt.date(2019, 5, 10),
                sex="L", address=head.address, religion="KATHOLIK",
                marital_status="BELUM KAWIN", family_relationship="ANAK",
            )
        )  # fmt: skip


def test_a_request_picks_what_it_can_and_leaves_the_typed_fields_to_the_counter(
    office: Station,
) -> None:
    """Usaha and Kelahiran at 23:30: the box offers them as requests; a date among a week, a
    number, a listed choice by digit; the typed fields are stored empty for the counter and
    the box says which; no value from outside the lists gets in."""
    settings = LetterSettings.from_config(office.config)
    visitor = sign_in(office, settings, HEAD, PIN, terminal="box-1", guard=GuessGuard()).visitor
    assert visitor is not None
    offers = {o.code: o for o in visitor.offers}
    for code in ("SKTM", "SKU", "SKL", "SKK", "SKP"):
        assert offers[code].mode == "request" and offers[code].allowed, offers[code].reason
    sku = offers["SKU"]
    assert [k for k, _ in sku.at_counter] == ["nama_usaha", "jenis_usaha", "alamat_usaha"]
    assert sku.counter_note() == "Nama Usaha, Jenis Usaha dan Alamat Usaha diisi petugas di loket."
    skl = offers["SKL"]
    picked = {f.key: f for f in skl.fields}
    assert list(picked) == [
        "jenis_kelamin_anak",
        "tanggal_lahir_anak",
        "anak_ke",
        "hubungan_pelapor",
    ]
    today = T0.astimezone(office.config.tz).date()  # Friday 4 December, 23:30 WITA
    dates = picked["tanggal_lahir_anak"]
    assert dates.choices[:2] == (today.isoformat(), (today - dt.timedelta(days=1)).isoformat())
    assert dates.shown[0] == "Hari ini, 4 Desember 2026" and dates.choices[-1] == ""
    assert "diisi petugas di loket" in dates.shown[-1] and len(dates.choices) == 8
    assert picked["anak_ke"].choices == ("1", "2", "3", "4", "5", "6", "7", "8", "")
    assert picked["jenis_kelamin_anak"].choices == ("LAKI-LAKI", "PEREMPUAN")  # complete
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    chosen = {
        "jenis_kelamin_anak": "PEREMPUAN",
        "tanggal_lahir_anak": yesterday,
        "anak_ke": "",  # "Lainnya": the counter asks
        "hubungan_pelapor": "AYAH",
        "nama_anak": "TYPED AT THE BOX",  # not in the offer: never stored
    }
    with pytest.raises(BoxRefusal, match="Tanggal Lahir"):
        request(
            office, settings, visitor, "SKL", terminal="box-1", purpose="",
            fields={**chosen, "tanggal_lahir_anak": "2020-01-01"},
        )  # fmt: skip
    made = request(office, settings, visitor, "SKL", fields=chosen, purpose="", terminal="box-1")
    assert made.ready_on == dt.date(2026, 12, 7)  # Monday's opening
    with office.db.read() as session:
        row = session.scalars(select(LetterRequest)).one()
    assert row.field_values == {
        "jenis_kelamin_anak": "PEREMPUAN",
        "tanggal_lahir_anak": yesterday,
        "hubungan_pelapor": "AYAH",
    }


def test_the_counter_path_still_needs_every_field_and_eligibility_still_applies(
    office: Station,
) -> None:
    _add_child(office)
    with pytest.raises(RequestRefusal) as missing:  # no at_counter: the CLI's request
        create_request(office, nik=HEAD, type_code="SKU", fields={}, purpose="Mengurus izin usaha")
    assert missing.value.code == "fields"
    # at_counter allows exactly the fields named, and checks what is given
    with pytest.raises(RequestRefusal) as wrong:
        create_request(
            office, nik=HEAD, type_code="SKL", purpose="",
            fields={"jenis_kelamin_anak": "PEREMPUAN", "hubungan_pelapor": "AYAH",
                    "tanggal_lahir_anak": "2027-12-31"},  # a birth in the future
            at_counter=["nama_anak", "tempat_lahir_anak", "anak_ke", "nama_ibu"],
        )  # fmt: skip
    assert set(wrong.value.extra["field_errors"]) == {"tanggal_lahir_anak"}
    with pytest.raises(RequestRefusal) as child:  # a child runs no business
        create_request(
            office, nik=CHILD, type_code="SKU", fields={}, purpose="Mengurus izin usaha",
            at_counter=["nama_usaha", "jenis_usaha", "alamat_usaha"],
        )  # fmt: skip
    assert child.value.code == "not_eligible" and "17 tahun" in str(child.value)
    with office.db.read() as session:
        assert session.scalars(select(LetterRequest)).all() == []


def test_a_child_of_the_kk_is_picked_by_digit_without_a_nik_on_screen(office: Station) -> None:
    """A field naming a child of the holder's KK (SKPOT's ``anak_dalam_kk``) lists the KK's
    children by first name; the NIK is the stored value, never a label."""
    _add_child(office)
    settings = LetterSettings.from_config(office.config)
    change_self_service(office, settings, "SKP", "no", operator="kepala")  # nine digits
    change_self_service(office, settings, "SKPOT", "request", operator="kepala")
    visitor = sign_in(office, settings, HEAD, PIN, terminal="box-1", guard=GuessGuard()).visitor
    assert visitor is not None
    skpot = next(o for o in visitor.offers if o.code == "SKPOT")
    [child] = [f for f in skpot.fields if f.key == "nik_anak"]
    assert child.choices == (CHILD, "")
    assert child.shown[0] == "PAULUS KEB. (lahir 2019)" and CHILD not in " ".join(child.shown)
    # the school, the income and the purpose need typing: the counter writes them
    assert [k for k, _ in skpot.at_counter] == ["sekolah", "penghasilan", "keperluan"]
    assert skpot.allowed and skpot.purposes == ()
    request(
        office, settings, visitor, "SKPOT", fields={"nik_anak": CHILD}, purpose="",
        terminal="box-1",
    )  # fmt: skip
    with office.db.read() as session:
        row = session.scalars(select(LetterRequest)).one()
    assert row.field_values["nik_anak"] == CHILD
