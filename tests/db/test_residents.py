"""The register in the database: import (upsert, rejections, idempotence), lookup and search."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from station.home.context import Station, open_station
from station.home.demo_data import RESIDENT_COLUMNS, generate_residents
from station.register.importing.bulk import import_file
from station.register.residents import (
    RegisterError,
    find,
    lookup_nik,
    name_tokens,
    resident_dict,
    search_names,
)
from station.store.models import AuditEvent, Resident

TODAY = dt.date(2026, 1, 1)
HEADER = ["NIK", "No KK", "Nama Lengkap", "Tempat Lahir", "Tanggal Lahir", "Jenis Kelamin",
          "Agama", "RT", "RW", "Status Perkawinan", "Pekerjaan", "SHDK"]  # fmt: skip
GOOD = [
    ["5371031708900001", "5371030101100001", "Yohanes E. Keban", "Kupang", "17-08-1990", "L",
     "Katolik", "1", "2", "Kawin", "Nelayan/Perikanan", "Kepala Keluarga"],
    ["5371035708900002", "5371030101100001", "MARIA GORETI KEBAN", "Larantuka", "17/08/1990",
     "P", "3", "001", "002", "2", "MENGURUS RUMAH TANGGA", "ISTRI"],
    ["5371031203150003", "5371030101100001", "Fernández Ola Keban", "Kupang", "2015-03-12",
     "Laki-laki", "KATHOLIK", "1", "2", "BELUM KAWIN", "PELAJAR/MAHASISWA", "ANAK"],
    # date in the NIK (1990-08-18) differs from the register's corrected date: a warning only
    ["5371031808900004", "5371030202100002", "Selfina Nope", "Soe", "20-08-1990", "P",
     "KRISTEN", "3", "1", "KAWIN", "GURU", "KEPALA KELUARGA"],
]  # fmt: skip
BAD = [
    ["5371037102040005", "5371030202100002", "Tanggal Salah", "Kupang", "31-02-2004", "P",
     "KRISTEN", "3", "1", "BELUM KAWIN", "PELAJAR/MAHASISWA", "ANAK"],  # 31 Feb in the NIK
    ["5371031708900006", "53710302021", "KK Pendek", "Kupang", "17-08-1990", "L", "KRISTEN",
     "3", "1", "KAWIN", "PETANI/PEKEBUN", "KEPALA KELUARGA"],  # KK is 11 digits
    ["5371031708900007", "5371030202100003", "Agama Aneh", "Kupang", "17-08-1990", "L",
     "PASTAFARI", "3", "1", "KAWIN", "PETANI/PEKEBUN", "KEPALA KELUARGA"],  # unknown religion
    ["5371031708900008", "5371030202100004", "", "Kupang", "17-08-1990", "L", "KRISTEN", "3",
     "1", "KAWIN", "PETANI/PEKEBUN", "KEPALA KELUARGA"],  # name missing
]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def station(station_home: Path) -> Station:
    opened = open_station(station_home)
    yield opened
    opened.close()


def register(station: Station) -> dict[str, dict]:
    with station.db.read() as session:
        return {r.nik: resident_dict(r) for r in session.scalars(select(Resident))}


def do_import(station: Station, path: Path):  # type: ignore[no-untyped-def]
    return import_file(station.db, station.office_id, path, operator="admin", today=TODAY)


def test_import_keeps_good_rows_and_reports_bad_ones(station: Station, tmp_path: Path) -> None:
    rows = [GOOD[0], BAD[0], GOOD[1], BAD[1], GOOD[2], BAD[2], GOOD[3], BAD[3]]
    result = do_import(station, write_csv(tmp_path / "register.csv", rows))
    assert (result.imported, result.updated, result.rejected) == (4, 0, 4)
    assert [r.row_number for r in result.rejections] == [3, 5, 7, 9]  # header is row 1
    reasons = {r.row_number: r.reason.lower() for r in result.rejections}
    assert "nik" in reasons[3]
    assert "kk" in reasons[5]
    assert "pastafari" in reasons[7]
    assert "nama" in reasons[9]
    assert result.warnings >= 1  # the corrected birth date of row 8
    assert set(register(station)) == {row[0] for row in GOOD}
    report = list(csv.reader(result.report.open(encoding="utf-8-sig")))
    assert report[0] == ["baris", "nik", "status", "alasan"]
    assert [r[0] for r in report[1:] if r[2] == "ditolak"] == ["3", "5", "7", "9"]
    assert any(r[2] == "peringatan" and r[1] == "5371031808900004" for r in report[1:])

    keban = register(station)["5371031708900001"]
    assert keban["name"] == "YOHANES E. KEBAN"
    assert keban["birth_date"] == "1990-08-17" and keban["sex"] == "L"
    assert keban["religion"] == "KATHOLIK" and keban["rt"] == "001"
    nope = register(station)["5371031808900004"]
    assert nope["birth_date"] == "1990-08-20"  # the register's date is kept, never corrected


def test_xlsx_gives_the_same_register(
    station_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [GOOD[0], BAD[0], GOOD[1], GOOD[2], BAD[2], GOOD[3]]
    first = open_station(station_home)
    from_csv = do_import(first, write_csv(tmp_path / "a.csv", rows))
    csv_register = register(first)
    first.close()

    other_home = tmp_path / "other"
    monkeypatch.setenv("STATION_HOME", str(other_home))
    monkeypatch.delenv("STATION_DATABASE_URL", raising=False)
    from station.home.context import init_station

    init_station(other_home)
    second = open_station(other_home)
    from_xlsx = do_import(second, write_xlsx(tmp_path / "a.xlsx", rows))
    xlsx_register = register(second)
    second.close()

    assert from_xlsx.imported == from_csv.imported == 4
    assert [r.row_number for r in from_xlsx.rejections] == [
        r.row_number for r in from_csv.rejections
    ]

    def strip(reg: dict[str, dict]) -> dict[str, dict]:
        return {k: {f: v for f, v in r.items() if f != "updated_at"} for k, r in reg.items()}

    assert strip(xlsx_register) == strip(csv_register)


def test_reimport_changes_nothing_and_update_changes_only_what_differs(
    station: Station, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "register.csv", GOOD + BAD)
    do_import(station, path)
    before = register(station)
    again = do_import(station, path)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 4)
    assert register(station) == before

    changed = [list(row) for row in GOOD]
    changed[0][2] = "Yohanes Eduardus Keban"  # a corrected name
    changed[3][9] = "CERAI MATI"
    result = do_import(station, write_csv(tmp_path / "changed.csv", changed))
    assert (result.imported, result.updated, result.unchanged) == (0, 2, 2)
    after = register(station)
    assert after["5371031708900001"]["name"] == "YOHANES EDUARDUS KEBAN"
    assert after["5371031808900004"]["marital_status"] == "CERAI MATI"
    assert after["5371035708900002"] == before["5371035708900002"]
    with station.db.read() as session:
        assert [r.nik for r in search_names(session, "eduar keb").residents] == ["5371031708900001"]


def test_import_is_audited(station: Station, tmp_path: Path) -> None:
    do_import(station, write_csv(tmp_path / "register.csv", GOOD))
    with station.db.read() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "residents.import")
        ).all()
    assert len(events) == 1
    assert events[0].operator == "admin" and events[0].details["imported"] == 4


@pytest.fixture
def populated(station: Station, tmp_path: Path) -> Station:
    path = tmp_path / "demo.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=RESIDENT_COLUMNS)
        writer.writeheader()
        writer.writerows(generate_residents(1500, today=TODAY))
    result = do_import(station, write_csv(tmp_path / "register.csv", GOOD))
    assert result.imported == 4
    assert do_import(station, path).imported == 1500
    return station


@pytest.mark.parametrize(
    "query",
    ["keb yoh", "YOHANES KEBAN", "yohanes e keban", "keban, yohanes", "Yoh. E. Keb", "  yo   ke "],
)
def test_name_search_is_forgiving(populated: Station, query: str) -> None:
    with populated.db.read() as session:
        found = [r.nik for r in search_names(session, query, limit=50).residents]
    assert "5371031708900001" in found


def test_search_ignores_accents_and_ranks_whole_words_first(populated: Station) -> None:
    with populated.db.read() as session:
        found = search_names(session, "fernandez keban").residents
        assert [r.nik for r in found] == ["5371031203150003"]
        assert search_names(session, "FERNÁNDEZ").residents
        ranked = search_names(session, "maria keb", limit=50).residents
        assert "5371035708900002" in [r.nik for r in ranked]
        whole_words = [sum(w in ("maria", "keb") for w in name_tokens(r.name)) for r in ranked]
        assert whole_words == sorted(whole_words, reverse=True)
        assert whole_words[0] >= 1


def test_search_results_match_every_query_word(populated: Station) -> None:
    with populated.db.read() as session:
        everyone = session.scalars(select(Resident)).all()
        for query in ["ma", "yo ke", "nope", "a b", "ndoen mar"]:
            words = name_tokens(query)
            expected = {
                r.id
                for r in everyone
                if all(any(w.startswith(q) for w in name_tokens(r.name)) for q in words)
            }
            result = search_names(session, query, limit=10_000)
            got = {r.id for r in result.residents}
            assert got <= expected
            if len(expected) <= 400:  # below the candidate cap the search is exhaustive
                assert got == expected, query


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=40))
def test_search_never_crashes(populated: Station, query: str) -> None:
    with populated.db.read() as session:
        result = search_names(session, query)
    assert len(result.residents) <= 20


def test_find_by_nik_is_exact_and_audited(populated: Station) -> None:
    with populated.db.write() as session:
        found = find(session, populated.office_id, "5371 0317 0890 0001", operator="yohana")
        assert [r.name for r in found.residents] == ["YOHANES E. KEBAN"]
        with pytest.raises(RegisterError, match="16 digit"):
            find(session, populated.office_id, "53710317", operator="yohana")
        with pytest.raises(RegisterError):
            lookup_nik(session, populated.office_id, "5371031713900001", operator="yohana")
        assert (
            lookup_nik(session, populated.office_id, "5371031708900009", operator="yohana") is None
        )
    with populated.db.read() as session:
        lookups = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "resident.lookup")
        ).all()
        assert [(e.subject, e.details["found"], e.operator) for e in lookups] == [
            ("5371031708900001", True, "yohana"),
            ("5371031708900009", False, "yohana"),
        ]
        assert session.scalar(select(func.count()).select_from(Resident)) == 1504


def test_update_leaves_columns_the_file_lacks(station: Station, tmp_path: Path) -> None:
    """A later file without a status column must not bring a deceased resident back."""
    first = tmp_path / "with-status.csv"
    first.write_text(
        "NIK,No KK,Nama,Tanggal Lahir,JK,Status Dasar,Kewarganegaraan\n"
        "5371031708900001,5371030101100001,Yohanes Keban,17-08-1990,L,MATI,WNA\n",
        encoding="utf-8",
    )
    assert do_import(station, first).imported == 1
    second = tmp_path / "without-status.csv"
    second.write_text(
        "NIK,No KK,Nama,Tanggal Lahir,JK\n"
        "5371031708900001,5371030101100001,Yohanes E Keban,17-08-1990,L\n",
        encoding="utf-8",
    )
    assert do_import(station, second).updated == 1
    stored = register(station)["5371031708900001"]
    assert stored["status"] == "deceased" and stored["nationality"] == "WNA"
    assert stored["name"] == "YOHANES E KEBAN"


def test_big_file_validated_in_a_second_process_gives_the_same_result(
    station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files above the threshold are validated in a child process; the outcome (rows, order of
    rejections, notes, register) must be exactly what the in-process path gives."""
    import station.register.importing.bulk as bulk_module

    rows = list(generate_residents(6000, today=TODAY))
    rows[10]["nik"] = rows[10]["nik"][:15]  # broken NIK
    rows[4000]["religion"] = "PASTAFARI"  # unknown code
    rows[5000]["nik"] = rows[20]["nik"]  # duplicate of an earlier row
    path = tmp_path / "besar.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*RESIDENT_COLUMNS, "Dusun"])
        writer.writeheader()
        writer.writerows({**row, "Dusun": "I"} for row in rows)
    assert path.stat().st_size > bulk_module._PARALLEL_MIN_BYTES

    parallel = do_import(station, path)
    assert (parallel.imported, parallel.rejected) == (5997, 3)
    assert [r.row_number for r in parallel.rejections] == [12, 4002, 5002]
    assert any("Dusun" in note for note in parallel.notes)
    parallel_register = register(station)

    monkeypatch.setattr(bulk_module, "_PARALLEL_MIN_BYTES", 1 << 40)
    inline = do_import(station, path)
    assert (inline.unchanged, inline.rejected) == (5997, 3)
    assert [(r.row_number, r.reason) for r in inline.rejections] == [
        (r.row_number, r.reason) for r in parallel.rejections
    ]
    assert inline.notes == parallel.notes
    assert register(station) == parallel_register


def test_renamed_resident_is_found_only_by_the_new_name(station: Station, tmp_path: Path) -> None:
    do_import(station, write_csv(tmp_path / "a.csv", GOOD))
    renamed = [list(row) for row in GOOD]
    renamed[3][2] = "Selfina Ndoen"  # was Selfina Nope
    assert do_import(station, write_csv(tmp_path / "b.csv", renamed)).updated == 1
    with station.db.read() as session:
        assert search_names(session, "nope").residents == []
        assert [r.nik for r in search_names(session, "ndoen self").residents] == [
            "5371031808900004"
        ]
