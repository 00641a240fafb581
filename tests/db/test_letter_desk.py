"""``station.letters.desk``: offers ranked by use with eligibility, the form check, the draft
that previews exactly what prints, and the day's letters and served tickets (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from station.home.context import Station, open_station
from station.letters import desk as letter_desk
from station.letters import load_catalogue
from station.letters.store import IssueRequest, LetterRefusal, LetterSettings
from station.office.operators import add_operator
from station.printing import PrintSettings, letter_ops
from station.printing.preview import preview_text
from station.queue.facade import Queue
from station.store.models import AuditEvent, Letter
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, WIFE, add_residents

CATALOGUE = load_catalogue()
CODES = [t.code for t in CATALOGUE]


@given(st.dictionaries(st.sampled_from(CODES), st.integers(min_value=0, max_value=5)))
def test_rank_most_used_first_then_catalogue_order(counts: dict[str, int]) -> None:
    ranked = letter_desk.rank_types(CATALOGUE, counts)
    assert sorted(t.code for t in ranked) == sorted(CODES)  # every type, once
    used = [counts.get(t.code, 0) for t in ranked]
    assert used == sorted(used, reverse=True)
    for n in set(used):  # among equally used types, the catalogue's own order is kept
        same = [t.code for t in ranked if counts.get(t.code, 0) == n]
        assert same == [c for c in CODES if c in same]


def test_filter_by_code_or_name_words() -> None:
    offers = [letter_desk.LetterOffer(t, 0, True) for t in CATALOGUE]
    assert [o.code for o in letter_desk.filter_offers(offers, "domisili")] == ["SKD"]
    assert [o.code for o in letter_desk.filter_offers(offers, "skd")] == ["SKD"]
    assert [o.code for o in letter_desk.filter_offers(offers, "tidak mampu")] == ["SKTM"]
    assert len(letter_desk.filter_offers(offers, "  ")) == len(CODES)
    assert letter_desk.filter_offers(offers, "zzz") == []


def test_check_form_messages_are_indonesian() -> None:
    skd = CATALOGUE.require("SKD")
    today = dt.date(2026, 11, 29)
    errors = letter_desk.check_form(skd, {"lama_tinggal": ""}, "", today=today, resident=None)
    assert errors == {"keperluan": "Keperluan surat wajib diisi."}
    errors = letter_desk.check_form(
        skd, {"lama_tinggal": "x" * 31}, "Melamar kerja", today=today, resident=None
    )
    assert (
        list(errors) == ["lama_tinggal"] and "paling banyak 30 karakter" in errors["lama_tinggal"]
    )
    assert letter_desk.check_form(skd, {}, "Melamar kerja", today=today, resident=None) == {}


@pytest.fixture
def opened(station_home: Path) -> Iterator[Station]:
    station = open_station(station_home)
    add_residents(station.db, station.office_id)
    with station.db.write() as session:
        add_operator(
            session, station.office_id, username="sari", display_name="Sari Ndun",
            role="operator", pin="2468",
        )  # fmt: skip
    add_operators(station, "kepala", role="admin")  # revoking is an admin's
    try:
        yield station
    finally:
        station.close()


def _issue(station: Station, code: str, nik: str = HEAD, **kw: str) -> letter_desk.IssuedLetter:
    settings = LetterSettings.from_config(station.config)
    request = IssueRequest(code, nik, "sari", purpose="Melamar kerja", **kw)
    return letter_desk.issue(station, settings, request)


def test_offers_most_used_first_with_eligibility(opened: Station) -> None:
    settings = LetterSettings.from_config(opened.config)
    with opened.db.read() as session:
        fresh = letter_desk.letter_offers(session, opened.office_id, settings, HEAD)
    assert fresh.offers[0].code == "SKD"  # nothing issued yet: the catalogue's order
    assert [o.code for o in fresh.offers] == [t.code for t in settings.catalogue.active_types()]
    old = _issue(opened, "SKTM")
    for _ in range(2):
        _issue(opened, "SKTM")
    _issue(opened, "SKD")
    with opened.db.write() as session:  # issued long ago: outside the 90-day window
        session.execute(
            update(Letter)
            .where(Letter.number == old.number)
            .values(issued_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=120))
        )
    with opened.db.read() as session:
        start = letter_desk.letter_offers(session, opened.office_id, settings, WIFE)
    codes = [o.code for o in start.offers]
    assert codes[:2] == ["SKTM", "SKD"]
    by_code = {o.code: o for o in start.offers}
    assert by_code["SKTM"].used == 2 and by_code["SKU"].used == 0
    assert not by_code["SKTM"].allowed  # the wife is not the kepala keluarga
    assert "kepala keluarga" in by_code["SKTM"].reason
    assert by_code["SKD"].allowed and by_code["SKD"].reason == ""
    assert start.resident.name == "MARIA KEBAN"
    with opened.db.read() as session, pytest.raises(LetterRefusal, match="tidak terdaftar"):
        letter_desk.letter_offers(session, opened.office_id, settings, "5371030101990001")


def test_draft_previews_exactly_what_is_printed(opened: Station) -> None:
    settings = LetterSettings.from_config(opened.config)
    request = IssueRequest("SKD", HEAD, "sari", fields={"lama_tinggal": "5 tahun"}, purpose="Bank")
    with opened.db.write() as session:
        draft = letter_desk.draft_letter(session, opened.office_id, settings, request)
    issued = letter_desk.issue(opened, settings, request)
    assert draft.expected_number == issued.number
    printer = PrintSettings(58)
    draft_text = preview_text(letter_ops(draft.document, printer), printer)
    assert draft_text == preview_text(letter_ops(issued.document, printer), printer)
    assert "selama kurang lebih 5 tahun" in draft_text.replace("\n", " ")
    with opened.db.read() as session:  # the preview showed the resident's data: logged
        purposes = [
            e.details.get("purpose")
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "resident.lookup")
            )
        ]
    assert "pratinjau surat SKD" in purposes


def test_draft_refusals_carry_field_errors(opened: Station) -> None:
    settings = LetterSettings.from_config(opened.config)
    with opened.db.write() as session, pytest.raises(LetterRefusal) as info:
        letter_desk.draft_letter(
            session, opened.office_id, settings, IssueRequest("SKD", HEAD, "sari")
        )
    assert info.value.extra["field_errors"] == {"keperluan": "Keperluan surat wajib diisi."}
    with opened.db.write() as session, pytest.raises(LetterRefusal, match="BELUM KAWIN"):
        letter_desk.draft_letter(
            session, opened.office_id, settings, IssueRequest("SKBM", HEAD, "sari", purpose="x")
        )


def test_today_letters_and_served_tickets(opened: Station) -> None:
    queue = Queue.for_station(opened)
    queue.open_counter(1, "sari")
    served = queue.take_ticket("A").ticket.number
    missed = queue.take_ticket("A").ticket.number
    queue.call_next(1, "sari")
    queue.start(1, "sari")
    issued = _issue(opened, "SKD", ticket=served)
    queue.finish(1, "sari", outcome="letter_issued")
    queue.call_next(1, "sari")
    for _ in range(2):  # no-show only after three calls
        queue.recall(1, "sari")
    queue.no_show(1, "sari")
    queue.take_ticket("A")  # still waiting: not served
    assert letter_desk.record_letter_print(opened, issued.number, operator="sari") == 1
    other = _issue(opened, "SKD", nik=WIFE)
    assert (
        letter_desk.revoke(opened, other.number, reason="Salah data", operator="kepala")
        == "revoked"
    )

    tz = opened.config.tz
    letters, tickets = letter_desk.today_view(opened)
    assert [(x.number, x.status, x.print_count) for x in letters] == [
        (other.number, "revoked", 0),
        (issued.number, "issued", 1),
    ]
    first = letters[1]
    assert (first.type_code, first.name, first.operator) == (
        "SKD",
        "YOHANES EMANUEL KEBAN",
        "Sari Ndun",
    )
    assert first.nik_masked == "5371********0001"
    assert first.issued_at.tzinfo is not None
    assert [(t.number, t.outcome, t.letters) for t in tickets] == [
        (missed, "tidak hadir", ()),
        (served, "Surat diterbitkan", (issued.number,)),
    ]
    assert tickets[1].operator == "Sari Ndun"
    assert [t.served for t in tickets] == [False, True]
    assert letter_desk.served_count(tickets) == 1  # the no-show is listed, not served
    tomorrow = dt.datetime.now(tz).date() + dt.timedelta(days=1)
    assert letter_desk.today_view(opened, day=tomorrow) == ([], [])


def test_reprint_document_is_the_original_until_a_print_reached_paper(opened: Station) -> None:
    """The first print that reaches paper is the original; only later ones are copies,
    ``SALINAN n`` with ``n`` the prints that reached paper before (a failed one counts none)."""
    issued = _issue(opened, "SKD")  # issued, never printed (a printer fault, say)

    def reprint() -> str:
        number, doc = letter_desk.reprint_document(opened, issued.number, operator="sari")
        assert number == issued.number and doc.qr_text == issued.qr  # same number and seal
        return doc.copy_marker

    assert reprint() == ""  # the original
    assert reprint() == ""  # its print did not reach paper either: still the original
    letter_desk.record_letter_print(opened, issued.number, operator="sari")
    assert reprint() == "SALINAN 1"
    assert reprint() == "SALINAN 1"  # that copy never reached paper: the same copy again
    letter_desk.record_letter_print(opened, issued.number, operator="sari")
    assert reprint() == "SALINAN 2"
    with opened.db.read() as session:
        letter = session.scalars(select(Letter).where(Letter.number == issued.number)).one()
        copies = [
            e.details["copy"]
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "letter.reprint")
                .order_by(AuditEvent.id)
            )
        ]
    assert (letter.print_count, letter.copies) == (2, 2)
    assert copies == [0, 0, 1, 1, 2]
