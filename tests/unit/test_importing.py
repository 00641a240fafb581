"""Tests for station.register.importing: reading CSV/XLSX resident files and validating each row."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station.register import importing
from station.register.importing import (
    CANONICAL_FIELDS,
    REQUIRED,
    ImportFormatError,
    ImportReader,
    RejectedRow,
    ValidRow,
    count_data_rows,
    header_aliases,
    iter_rows,
    iter_validated,
    validate_row,
)
from station.register.nik import build_nik, parse_nik
from station.store.models import Resident

TODAY = date(2026, 1, 1)
KK = "5371030101200001"
NIK_M = "5371031708900001"  # docs/domain.md §1.2: valid, M, 1990-08-17
NIK_F = "5371035708900001"  # valid, F, 1990-08-17

HEADER = [
    "NIK",
    "No KK",
    "Nama Lengkap",
    "Tempat Lahir",
    "Tanggal Lahir",
    "Jenis Kelamin",
    "Golongan Darah",
    "Alamat",
    "RT",
    "RW",
    "Kelurahan",
    "Kecamatan",
    "Agama",
    "Status Perkawinan",
    "Pekerjaan",
    "Kewarganegaraan",
    "Pendidikan",
    "SHDK",
    "Nama Ayah",
    "Nama Ibu",
    "e-KTP",
    "Tanggal Perekaman",
    "Status Dasar",
    "Dusun",
]


def person(nik: str, **over: str) -> list[str]:
    base = {
        "NIK": nik,
        "No KK": KK,
        "Nama Lengkap": "budi  santoso",
        "Tempat Lahir": " Kupang ",
        "Tanggal Lahir": "17-08-1990",
        "Jenis Kelamin": "Laki-laki",
        "Golongan Darah": "O",
        "Alamat": "Jl. Timor Raya  No. 5",
        "RT": "1",
        "RW": "2",
        "Kelurahan": "Oesapa",
        "Kecamatan": "Kelapa Lima",
        "Agama": "Katolik",
        "Status Perkawinan": "Kawin",
        "Pekerjaan": "Petani",
        "Kewarganegaraan": "WNI",
        "Pendidikan": "SLTA/SEDERAJAT",
        "SHDK": "Kepala Keluarga",
        "Nama Ayah": "yohanes",
        "Nama Ibu": "maria",
        "e-KTP": "Y",
        "Tanggal Perekaman": "01-02-2013",
        "Status Dasar": "HIDUP",
        "Dusun": "Dusun I",
    }
    base.update(over)
    return [base[h] for h in HEADER]


NIK_FORMULA = build_nik("537103", date(1985, 1, 2), "L", 7)
NIK_SEXMIX = build_nik("537103", date(1970, 5, 6), "P", 8)
NIK_FUTURE = build_nik("537103", date(2000, 1, 1), "L", 9)

# (row number in the file, cells); the header is row 1.
MIXED_ROWS: list[tuple[int, list[str]]] = [
    (2, person(NIK_M)),
    (
        3,
        person(
            NIK_F,
            **{
                "Nama Lengkap": "Ani",
                "Tanggal Lahir": "18/08/1990",
                "Jenis Kelamin": "Perempuan",
                "SHDK": "Istri",
            },
        ),
    ),
    (4, person("9901011708900001")),  # invalid province
    (5, person(build_nik("537103", date(1991, 1, 1), "L", 2), **{"Nama Lengkap": "  "})),
    (6, person(NIK_FUTURE, **{"Tanggal Lahir": "01-01-2030"})),
    (7, person(build_nik("537103", date(1990, 2, 3), "L", 3), **{"Tanggal Lahir": "31-02-1990"})),
    (8, person(build_nik("537103", date(1990, 8, 17), "L", 4), **{"Agama": "Jedi"})),
    (9, person(build_nik("537103", date(1990, 8, 17), "L", 5), **{"RT": "abc"})),
    (10, person("5.37103E+15")),  # a CSV saved by Excel
    (11, person(build_nik("537103", date(1990, 8, 17), "L", 6), **{"No KK": "537103010120000"})),
    (12, person(NIK_M, **{"Nama Lengkap": "Budi Kembar"})),  # duplicate of row 2
    (
        13,
        person(
            NIK_FORMULA,
            **{
                "Nama Lengkap": "=cmd|'/c calc'!A0",
                "Tanggal Lahir": "1985-01-02",
                "Pekerjaan": "Tukang  Ojek",
                "Golongan Darah": "",
                "e-KTP": "belum",
                "Tanggal Perekaman": "",
                "Status Dasar": "",
            },
        ),
    ),
    (14, person(build_nik("537103", date(1990, 8, 17), "L", 10), **{"Alamat": "x" * 501})),
    (15, [""] * len(HEADER)),  # blank: skipped
    (16, person(NIK_SEXMIX, **{"Tanggal Lahir": "06.05.1970", "Jenis Kelamin": "L"})),
]

EXPECTED_ROW_2 = {
    "nik": NIK_M,
    "kk_number": KK,
    "name": "BUDI SANTOSO",
    "birth_place": "Kupang",
    "birth_date": date(1990, 8, 17),
    "sex": "L",
    "blood_type": "O",
    "address": "Jl. Timor Raya No. 5",
    "rt": "001",
    "rw": "002",
    "kelurahan": "Oesapa",
    "kecamatan": "Kelapa Lima",
    "religion": "KATHOLIK",
    "marital_status": "KAWIN",
    "occupation": "PETANI/PEKEBUN",
    "nationality": "WNI",
    "education": "SLTA/SEDERAJAT",
    "family_relationship": "KEPALA KELUARGA",
    "father_name": "YOHANES",
    "mother_name": "MARIA",
    "ektp_recorded": True,
    "ektp_recorded_on": date(2013, 2, 1),
    "status": "active",
}

# Row -> words the rejection reason must contain.
EXPECTED_REJECTIONS = {
    4: ["NIK", "provinsi 99"],
    5: ["Nama", "kosong"],
    6: ["Tanggal Lahir", "masa depan"],
    7: ["Tanggal Lahir", "31-02-1990"],
    8: ["Agama", "Jedi"],
    9: ["RT", "abc"],
    10: ["NIK rusak oleh Excel"],
    11: ["No. KK", "16 digit"],
    12: ["NIK ganda dalam berkas, sama dengan baris 2"],
    14: ["Alamat", "terlalu panjang"],
}


def write_csv(
    path: Path,
    rows: list[list[str]],
    *,
    header: list[str] = HEADER,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def mixed_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "penduduk.csv", [cells for _n, cells in MIXED_ROWS])


def by_row(results: list[ValidRow | RejectedRow]) -> dict[int, ValidRow | RejectedRow]:
    return {r.row_number: r for r in results}


# --- the mixed file ------------------------------------------------------------------------


def test_mixed_csv_gives_exactly_the_good_rows_and_each_bad_row_with_a_reason(
    tmp_path: Path,
) -> None:
    results = list(iter_validated(mixed_csv(tmp_path), today=TODAY))
    rows = by_row(results)
    assert len(rows) == len(results)  # one result per non-blank row
    assert 15 not in rows  # the blank row is skipped
    valid = {n for n, r in rows.items() if isinstance(r, ValidRow)}
    rejected = {n for n, r in rows.items() if isinstance(r, RejectedRow)}
    assert valid == {2, 3, 13, 16}
    assert rejected == set(EXPECTED_REJECTIONS)

    row2 = rows[2]
    assert isinstance(row2, ValidRow)
    assert row2.values == EXPECTED_ROW_2
    assert row2.warnings == []

    for number, words in EXPECTED_REJECTIONS.items():
        bad = rows[number]
        assert isinstance(bad, RejectedRow)
        for word in words:
            assert word in bad.reason, (number, bad.reason)
    assert rows[12].nik == NIK_M
    assert rows[4].nik == "9901011708900001"


def test_nik_birth_date_or_sex_mismatch_imports_with_a_warning(tmp_path: Path) -> None:
    rows = by_row(list(iter_validated(mixed_csv(tmp_path), today=TODAY)))
    row3 = rows[3]
    assert isinstance(row3, ValidRow)
    assert row3.values["birth_date"] == date(1990, 8, 18)  # the row wins; NIK is not changed
    assert row3.values["nik"] == NIK_F
    assert len(row3.warnings) == 1 and "Tanggal lahir dalam NIK" in row3.warnings[0]
    row16 = rows[16]
    assert isinstance(row16, ValidRow)
    assert row16.values["sex"] == "L"
    assert len(row16.warnings) == 1 and "Jenis kelamin dalam NIK" in row16.warnings[0]


def test_formula_looking_cells_are_kept_as_text(tmp_path: Path) -> None:
    rows = by_row(list(iter_validated(mixed_csv(tmp_path), today=TODAY)))
    row13 = rows[13]
    assert isinstance(row13, ValidRow)
    assert row13.values["name"] == "=CMD|'/C CALC'!A0"
    assert row13.values["occupation"] == "TUKANG OJEK"  # free text, upper-cased
    assert row13.values["blood_type"] == "TIDAK TAHU"  # empty cell
    assert row13.values["ektp_recorded"] is False
    assert row13.values["ektp_recorded_on"] is None
    assert row13.values["status"] == "active"


def test_unknown_columns_are_listed_once(tmp_path: Path) -> None:
    with ImportReader(mixed_csv(tmp_path)) as reader:
        assert reader.unknown_columns == ("Dusun",)
        assert reader.notes() == ["Kolom tidak dikenal diabaikan: Dusun"]
        assert set(reader.columns) == set(CANONICAL_FIELDS)
        assert reader.delimiter == ","


def xlsx_from_rows(path: Path, rows: list[tuple[int, list[str]]], *, typed: bool) -> Path:
    """The same content as the CSV; with ``typed`` dates become date cells and RT a number."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    date_columns = {HEADER.index("Tanggal Lahir"), HEADER.index("Tanggal Perekaman")}
    rt_column = HEADER.index("RT")
    for _number, cells in rows:
        out: list[object] = []
        for index, text in enumerate(cells):
            value: object = text if text != "" else None
            if typed and index in date_columns and text:
                for fmt in ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y"):
                    try:
                        value = datetime.strptime(text, fmt)
                        break
                    except ValueError:
                        continue
            if typed and index == rt_column and text.isdigit():
                value = int(text)
            out.append(value)
        sheet.append(out)
    nik_column = HEADER.index("NIK") + 1
    for row in sheet.iter_rows(min_row=2, min_col=nik_column, max_col=nik_column):
        row[0].number_format = "@"  # the NIK stored as a text cell
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as Excel stores '=...
                cell.quotePrefix = True
    workbook.save(path)
    return path


def test_xlsx_with_the_same_content_gives_the_same_rows(tmp_path: Path) -> None:
    from_csv = list(iter_validated(mixed_csv(tmp_path), today=TODAY))
    xlsx = xlsx_from_rows(tmp_path / "penduduk.xlsx", MIXED_ROWS, typed=True)
    from_xlsx = list(iter_validated(xlsx, today=TODAY))
    assert from_xlsx == from_csv
    sheet = openpyxl.load_workbook(xlsx).active
    assert isinstance(sheet["E2"].value, datetime)  # the test really used date cells
    assert isinstance(sheet["A2"].value, str)


def test_xlsx_numeric_nik_cells(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["NIK", "NO_KK", "NAMA", "TGL LAHIR", "JK"])
    exact = build_nik("537103", date(1990, 8, 17), "L", 11)  # ends in 1: all 16 digits kept
    sheet.append([int(exact), int(KK), "A", datetime(1990, 8, 17), "L"])
    cut = build_nik("537103", date(1990, 8, 17), "L", 20)  # ends in 0: Excel may have cut it
    sheet.append([int(cut), KK, "B", datetime(1990, 8, 17), "L"])
    sheet.append([float(int(exact)), KK, "C", datetime(1990, 8, 17), "L"])
    path = tmp_path / "angka.xlsx"
    workbook.save(path)
    rows = by_row(list(iter_validated(path, today=TODAY)))
    assert isinstance(rows[2], ValidRow) and rows[2].values["nik"] == exact
    assert rows[2].values["kk_number"] == KK
    assert isinstance(rows[3], RejectedRow)
    assert "NIK rusak oleh Excel (angka > 15 digit)" in rows[3].reason
    assert isinstance(rows[4], RejectedRow)  # same NIK as row 2, read exactly from a float
    assert "baris 2" in rows[4].reason


def test_number_text_flags_digits_excel_cannot_hold() -> None:
    assert importing._number_text(5371031708900001, True) == "5371031708900001"
    assert "E+" in importing._number_text(5371031708900010, True)
    assert "E+" in importing._number_text(9.601011708900001e15, True)  # above 2**53
    assert importing._number_text(5371031708900010, False) == "5371031708900010"
    assert importing._number_text(3.0, False) == "3"


# --- encodings, delimiters ------------------------------------------------------------------


def test_bom_and_semicolon_csv(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "excel.csv",
        [person(NIK_M, **{"Nama Lengkap": "José"})],
        delimiter=";",
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with ImportReader(path) as reader:
        assert reader.delimiter == ";"
        assert "nik" in reader.columns  # the BOM did not stick to the first header
    (row,) = list(iter_validated(path, today=TODAY))
    assert isinstance(row, ValidRow)
    assert row.values["name"] == "JOSÉ"
    assert row.values["nik"] == NIK_M


def test_tab_delimited_and_cp1252_fallback(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "lama.csv",
        [person(NIK_M, **{"Alamat": "Jl. Señor 1"})],
        delimiter="\t",
        encoding="cp1252",
    )
    with ImportReader(path) as reader:
        assert reader.delimiter == "\t"
        assert reader.encoding == "cp1252"
    (row,) = list(iter_validated(path, today=TODAY))
    assert isinstance(row, ValidRow) and row.values["address"] == "Jl. Señor 1"


def test_utf16_unicode_text_export(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "unicode.csv", [person(NIK_M)], delimiter="\t", encoding="utf-16")
    (row,) = list(iter_validated(path, today=TODAY))
    assert isinstance(row, ValidRow) and row.values == EXPECTED_ROW_2


def test_excel_sep_line_is_honoured_and_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "sep.csv"
    path.write_text(
        f"sep=;\nNIK;No KK;Nama;Tgl Lahir;JK\n{NIK_M};{KK};Budi;17-08-1990;L\n", encoding="utf-8"
    )
    (row,) = list(iter_validated(path, today=TODAY))
    assert isinstance(row, ValidRow)
    assert row.row_number == 2  # Excel hides the sep= line: the header is row 1


def test_row_numbers_follow_the_file_with_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "kosong.csv"
    path.write_text(
        f"NIK,No KK,Nama,Tgl Lahir,JK\n\n{NIK_M},{KK},Budi,17-08-1990,L\n,,,,\n"
        f"{NIK_F},{KK},Ani,17-08-1990,P\n",
        encoding="utf-8",
    )
    assert [n for n, _raw in iter_rows(path)] == [3, 5]


# --- headers --------------------------------------------------------------------------------

OPENSID_HEADER = [
    "alamat",
    "dusun",
    "rw",
    "rt",
    "nama",
    "no_kk",
    "nik",
    "sex",
    "tempatlahir",
    "tanggallahir",
    "agama_id",
    "pendidikan_kk_id",
    "pendidikan_sedang_id",
    "pekerjaan_id",
    "status_kawin",
    "kk_level",
    "warganegara_id",
    "nama_ayah",
    "nama_ibu",
    "golongan_darah_id",
    "akta_lahir",
    "dokumen_pasport",
    "ktp_el",
    "status_rekam",
    "status_dasar",
]


def test_opensid_import_headers_and_codes(tmp_path: Path) -> None:
    row = [
        "Jl. Adisucipto",
        "Dusun 1",
        "3",
        "12",
        "Maria Ndun",
        KK,
        NIK_F,
        "2",
        "Kupang",
        "17-08-1990",
        "2",
        "5",
        "18",
        "88",
        "2",
        "3",
        "1",
        "Yakobus Ndun",
        "Sara Benu",
        "11",
        "5371-LT-01012000-0001",
        "",
        "2",
        "",
        "1",
    ]
    second = list(row)
    second[OPENSID_HEADER.index("nik")] = NIK_M
    second[OPENSID_HEADER.index("sex")] = "1"
    second[OPENSID_HEADER.index("ktp_el")] = "1"  # OpenSID: 1 = BELUM
    second[OPENSID_HEADER.index("status_dasar")] = "3"
    path = write_csv(tmp_path / "opensid.csv", [row, second], header=OPENSID_HEADER)
    with ImportReader(path) as reader:
        assert reader.unknown_columns == (
            "dusun",
            "pendidikan_sedang_id",
            "akta_lahir",
            "dokumen_pasport",
        )
        first, other = list(reader.validated(today=TODAY))
    assert isinstance(first, ValidRow), first
    assert first.values == {
        "address": "Jl. Adisucipto",
        "rw": "003",
        "rt": "012",
        "name": "MARIA NDUN",
        "kk_number": KK,
        "nik": NIK_F,
        "sex": "P",
        "birth_place": "Kupang",
        "birth_date": date(1990, 8, 17),
        "religion": "KRISTEN",
        "education": "SLTA/SEDERAJAT",
        "occupation": "WIRASWASTA",
        "marital_status": "KAWIN",
        "family_relationship": "ISTRI",
        "nationality": "WNI",
        "father_name": "YAKOBUS NDUN",
        "mother_name": "SARA BENU",
        "blood_type": "O+",
        "ektp_recorded": True,
        "status": "active",
    }
    assert isinstance(other, ValidRow), other
    assert other.values["ektp_recorded"] is False
    assert other.values["status"] == "moved"
    assert other.values["sex"] == "L"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("No. KK", "kk_number"),
        ("NO_KK", "kk_number"),
        ("nomor kk", "kk_number"),
        ("Nomor Kartu Keluarga", "kk_number"),
        ("Nama Lengkap", "name"),
        ("NAMA", "name"),
        ("Tgl. Lahir", "birth_date"),
        ("tanggal_lahir", "birth_date"),
        ("JK", "sex"),
        ("Jenis  Kelamin", "sex"),
        ("Gol. Darah", "blood_type"),
        ("Kelurahan/Desa", "kelurahan"),
        ("Status Kawin", "marital_status"),
        ("Pendidikan (dalam KK)", "education"),
        ("Status Hubungan Dalam Keluarga", "family_relationship"),
        ("Hubungan Keluarga", "family_relationship"),
        ("SHDK", "family_relationship"),
        ("E-KTP", "ektp_recorded"),
        ("Status Perekaman", "ektp_recorded"),
        ("ktp_el", "ektp_recorded"),
        ("Status Dasar", "status"),
        ("birth_date", "birth_date"),
        ("kk_number", "kk_number"),
        ("\ufeffNIK", "nik"),
    ],
)
def test_header_aliases_ignore_case_space_and_punctuation(header: str, field: str) -> None:
    assert header_aliases()[importing._norm_header(header)] == field


def test_every_canonical_field_is_its_own_alias() -> None:
    aliases = header_aliases()
    for name in CANONICAL_FIELDS:
        assert aliases[importing._norm_header(name)] == name


def test_combined_rt_rw_column(tmp_path: Path) -> None:
    path = tmp_path / "rtrw.csv"
    path.write_text(
        f"NIK,No KK,Nama,Tgl Lahir,JK,RT/RW\n{NIK_M},{KK},Budi,17-08-1990,L,005/011\n",
        encoding="utf-8",
    )
    (row,) = list(iter_validated(path, today=TODAY))
    assert isinstance(row, ValidRow)
    assert (row.values["rt"], row.values["rw"]) == ("005", "011")


def test_only_the_files_columns_are_in_values(tmp_path: Path) -> None:
    path = tmp_path / "sedikit.csv"
    path.write_text(f"NIK,No KK,Nama,Tgl Lahir,JK\n{NIK_M},{KK},Budi,17-08-1990,L\n")
    (row,) = list(iter_validated(path, today=TODAY))
    assert isinstance(row, ValidRow)
    assert set(row.values) == set(REQUIRED)


# --- whole-file problems ----------------------------------------------------------------------


def test_file_level_errors_name_the_file(tmp_path: Path) -> None:
    wrong = tmp_path / "data.txt"
    wrong.write_text("NIK\n")
    with pytest.raises(ImportFormatError, match=r"data\.txt.*\.csv atau \.xlsx"):
        ImportReader(wrong)

    no_nik = tmp_path / "tanpa_nik.csv"
    no_nik.write_text("Nama,Alamat\nBudi,Jl. A\n")
    with pytest.raises(ImportFormatError, match=r"tanpa_nik\.csv.*kolom NIK"):
        list(iter_rows(no_nik))

    missing = tmp_path / "kurang.csv"
    missing.write_text(f"NIK,Nama\n{NIK_M},Budi\n")
    with pytest.raises(ImportFormatError, match=r"kurang\.csv.*No\. KK.*Tanggal Lahir"):
        list(iter_validated(missing, today=TODAY))

    empty = tmp_path / "kosong.csv"
    empty.write_text("\n\n")
    with pytest.raises(ImportFormatError, match=r"kosong\.csv"):
        ImportReader(empty)

    broken = tmp_path / "rusak.xlsx"
    broken.write_bytes(b"this is not a zip file")
    with pytest.raises(ImportFormatError, match=r"rusak\.xlsx"):
        ImportReader(broken)

    absent = tmp_path / "hilang.csv"
    with pytest.raises(ImportFormatError, match=r"hilang\.csv"):
        ImportReader(absent)


# --- single cells ----------------------------------------------------------------------------


def raw_row(**over: str) -> dict[str, str]:
    raw = {
        "nik": NIK_M,
        "kk_number": KK,
        "name": "Budi",
        "birth_date": "17-08-1990",
        "sex": "L",
    }
    raw.update(over)
    return raw


@pytest.mark.parametrize(
    "dress",
    [
        lambda n: "\u200b" + n,
        lambda n: n + "\u00a0",
        lambda n: "\ufeff" + n,
        lambda n: "'" + n,
        lambda n: "\t" + n + " ",
        lambda n: f"{n[:4]} {n[4:8]} {n[8:12]} {n[12:]}",
        lambda n: f"{n[:2]}.{n[2:6]}.{n[6:12]}.{n[12:]}",
        lambda n: f"{n[:4]}-{n[4:8]}-{n[8:12]}-{n[12:]}",
        lambda n: f"{n[:4]}\u200c{n[4:]}\u2060",
        lambda n: f"\u2007{n}\u202f",
    ],
)
def test_invisible_characters_are_stripped_from_nik_and_kk(dress: Callable[[str], str]) -> None:
    result = validate_row(2, raw_row(nik=dress(NIK_M), kk_number=dress(KK)), today=TODAY)
    assert isinstance(result, ValidRow), result
    assert result.values["nik"] == NIK_M
    assert result.values["kk_number"] == KK


def test_duplicate_nik_after_cleaning(tmp_path: Path) -> None:
    path = tmp_path / "ganda.csv"
    path.write_text(
        f"NIK,No KK,Nama,Tgl Lahir,JK\n{NIK_M},{KK},Budi,17-08-1990,L\n"
        f"'{NIK_M},{KK},Budi Lagi,17-08-1990,L\n",
        encoding="utf-8",
    )
    first, second = list(iter_validated(path, today=TODAY))
    assert isinstance(first, ValidRow)
    assert isinstance(second, RejectedRow)
    assert second.row_number == 3 and second.nik == NIK_M
    assert second.reason == "NIK ganda dalam berkas, sama dengan baris 2"


@pytest.mark.parametrize(
    "text",
    [
        "17-08-1990",
        "17/08/1990",
        "17.08.1990",
        "1990-08-17",
        "1990/08/17",
        "17-8-1990",
        "17/8/1990",
        " 17-08-1990 ",
        "1990-08-17 00:00:00",
        "1990-08-17T00:00:00",
        "17/8/1990 00:00",
    ],
)
def test_accepted_date_formats(text: str) -> None:
    result = validate_row(2, raw_row(birth_date=text), today=TODAY)
    assert isinstance(result, ValidRow), result
    assert result.values["birth_date"] == date(1990, 8, 17)


@pytest.mark.parametrize(
    "text",
    ["31-02-1990", "08/17/1990", "17-08-90", "17 Agustus 1990", "33102", "1990-13-01", "x"],
)
def test_impossible_or_ambiguous_dates_are_rejected(text: str) -> None:
    result = validate_row(2, raw_row(birth_date=text), today=TODAY)
    assert isinstance(result, RejectedRow)
    assert "Tanggal Lahir" in result.reason and text.strip() in result.reason


def test_future_dates_are_rejected() -> None:
    result = validate_row(2, raw_row(birth_date="02-01-2026"), today=TODAY)
    assert isinstance(result, RejectedRow) and "masa depan" in result.reason
    result = validate_row(2, raw_row(ektp_recorded_on="2026-06-01"), today=TODAY)
    assert isinstance(result, RejectedRow) and "Perekaman e-KTP" in result.reason


def test_codes_by_number_and_by_label_give_the_same_values() -> None:
    by_number = validate_row(
        2,
        raw_row(
            sex="1",
            religion="3",
            marital_status="4",
            occupation="65",
            nationality="1",
            education="9",
            family_relationship="4",
            blood_type="10",
            status="1",
        ),
        today=TODAY,
    )
    by_label = validate_row(
        2,
        raw_row(
            sex="LAKI-LAKI",
            religion="katolik",
            marital_status="Cerai Mati",
            occupation="Guru",
            nationality="wni",
            education="Strata II",
            family_relationship="Anak",
            blood_type="AB-",
            status="Hidup",
        ),
        today=TODAY,
    )
    assert isinstance(by_number, ValidRow) and isinstance(by_label, ValidRow)
    assert by_number.values == by_label.values
    assert by_number.values["religion"] == "KATHOLIK"
    assert by_number.values["education"] == "STRATA II"
    assert by_number.values["blood_type"] == "AB-"


def test_dash_in_an_optional_coded_cell_means_empty() -> None:
    result = validate_row(2, raw_row(occupation="-", religion=" ", rt="-"), today=TODAY)
    assert isinstance(result, ValidRow), result
    assert result.values["occupation"] == "" and result.values["religion"] == ""
    assert result.values["rt"] == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Y", True),
        ("ya", True),
        ("1", True),
        ("TRUE", True),
        ("Sudah", True),
        ("SUDAH REKAM", True),
        ("KTP-EL", True),
        ("T", False),
        ("TIDAK", False),
        ("0", False),
        ("false", False),
        ("BELUM", False),
        ("Belum Rekam", False),
        ("", False),
    ],
)
def test_ektp_values(text: str, expected: bool) -> None:
    result = validate_row(2, raw_row(ektp_recorded=text), today=TODAY)
    assert isinstance(result, ValidRow), result
    assert result.values["ektp_recorded"] is expected


def test_unknown_ektp_value_is_rejected_naming_the_column() -> None:
    result = validate_row(2, raw_row(ektp_recorded="mungkin"), today=TODAY)
    assert isinstance(result, RejectedRow) and "e-KTP" in result.reason


def test_ektp_date_without_flag_implies_recorded() -> None:
    result = validate_row(2, raw_row(ektp_recorded_on="05-06-2012"), today=TODAY)
    assert isinstance(result, ValidRow)
    assert result.values["ektp_recorded"] is True
    assert result.values["ektp_recorded_on"] == date(2012, 6, 5)


@pytest.mark.parametrize(
    ("text", "expected"), [("1", "001"), ("01", "001"), ("012", "012"), ("RT 05", "005")]
)
def test_rt_rw_are_zero_padded(text: str, expected: str) -> None:
    result = validate_row(2, raw_row(rt=text, rw=text), today=TODAY)
    assert isinstance(result, ValidRow), result
    assert result.values["rt"] == expected and result.values["rw"] == expected


@pytest.mark.parametrize("text", ["1234", "0", "1a", "-5"])
def test_bad_rt_is_rejected(text: str) -> None:
    result = validate_row(2, raw_row(rt=text), today=TODAY)
    assert isinstance(result, RejectedRow) and "RT" in result.reason


def test_kk_rules() -> None:
    result = validate_row(2, raw_row(kk_number="9901030101200001"), today=TODAY)
    assert isinstance(result, RejectedRow) and "No. KK" in result.reason
    # Digits 7-12 are not a real date: a warning, not a rejection (no +40 rule for KK).
    result = validate_row(2, raw_row(kk_number="5371034101200001"), today=TODAY)
    assert isinstance(result, ValidRow)
    assert any("No. KK" in w for w in result.warnings)
    result = validate_row(2, raw_row(kk_number="5.37103E+15"), today=TODAY)
    assert isinstance(result, RejectedRow) and "No. KK rusak oleh Excel" in result.reason


def test_several_problems_are_all_named() -> None:
    result = validate_row(
        7, raw_row(name="", sex="X", religion="Jedi", nik="5371031713900001"), today=TODAY
    )
    assert isinstance(result, RejectedRow)
    assert result.row_number == 7
    for word in ("Nama", "Jenis Kelamin", "Agama", "Bulan lahir 13"):
        assert word in result.reason


def test_required_fields_missing_from_the_row_dict() -> None:
    result = validate_row(2, {"nik": NIK_M}, today=TODAY)
    assert isinstance(result, RejectedRow)
    for label in ("No. KK", "Nama", "Tanggal Lahir", "Jenis Kelamin"):
        assert label in result.reason


def test_text_longer_than_the_resident_column_is_rejected() -> None:
    result = validate_row(2, raw_row(name="A" * 151), today=TODAY)
    assert isinstance(result, RejectedRow) and "Nama" in result.reason
    result = validate_row(2, raw_row(birth_place="B" * 101), today=TODAY)
    assert isinstance(result, RejectedRow) and "Tempat Lahir" in result.reason


def test_length_limits_match_the_resident_model() -> None:
    columns = Resident.__table__.columns
    for field, limit, _upper in importing._TEXT_SPECS:
        assert columns[field].type.length == limit
    assert columns["name"].type.length == 150


def test_province_codes_match_domain() -> None:
    assert len(importing._PROVINCE_CODES) == 38
    assert {"11", "53", "65", "93", "96"} <= importing._PROVINCE_CODES


# --- properties ------------------------------------------------------------------------------

_any_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40
) | st.sampled_from(["", " ", "-", "=1+2", "@SUM(A1)", "+62", "1.0", "E+15", "\x00", "'"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(CANONICAL_FIELDS), _any_text))
def test_arbitrary_strings_never_raise(raw: dict[str, str]) -> None:
    result = validate_row(2, raw, today=TODAY)
    assert isinstance(result, ValidRow | RejectedRow)
    if isinstance(result, RejectedRow):
        assert result.reason
    else:
        assert set(REQUIRED) <= set(result.values)


@settings(max_examples=300)
@given(st.sampled_from(CANONICAL_FIELDS), _any_text)
def test_one_arbitrary_field_in_a_good_row_never_raises(field: str, text: str) -> None:
    result = validate_row(2, raw_row(**{field: text}), today=TODAY)
    assert isinstance(result, ValidRow | RejectedRow)


@settings(max_examples=400)
@given(
    born=st.dates(date(1900, 1, 1), date(2025, 12, 31)),
    sex=st.sampled_from("LP"),
    serial=st.integers(0, 9999),
    province=st.sampled_from(["53", "31", "99", "00"]),
    row_born=st.dates(date(1900, 1, 1), date(2025, 12, 31)) | st.none(),
    row_sex=st.sampled_from(["L", "P"]) | st.none(),
)
def test_quick_nik_check_agrees_with_parse_nik(
    born: date, sex: str, serial: int, province: str, row_born: date | None, row_sex: str | None
) -> None:
    day = born.day + (40 if sex == "P" else 0)
    nik = f"{province}7103{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
    row_born = row_born or born
    row_sex = row_sex or sex
    result = validate_row(
        2, raw_row(nik=nik, birth_date=row_born.isoformat(), sex=row_sex), today=TODAY
    )
    info = parse_nik(nik, today=TODAY, known_birth_date=row_born, known_sex=row_sex)
    if info.errors:
        assert isinstance(result, RejectedRow)
        for issue in info.errors:
            assert issue.message in result.reason
    else:
        assert isinstance(result, ValidRow), result
        expected = [
            f"NIK: {i.message}"
            for i in info.warnings
            if i.code in ("birth_date_mismatch", "sex_mismatch")
        ]
        assert result.warnings == expected


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(_any_text, min_size=0, max_size=7), max_size=6))
def test_arbitrary_csv_content_yields_rows_or_a_format_error(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    path = write_csv(
        tmp_path / "acak.csv", rows, header=["NIK", "No KK", "Nama", "Tgl Lahir", "JK", "RT"]
    )
    try:
        for result in iter_validated(path, today=TODAY):
            assert isinstance(result, ValidRow | RejectedRow)
    except ImportFormatError as exc:
        assert "acak.csv" in str(exc)


# --- progress estimate ----------------------------------------------------------------------


def test_count_data_rows(tmp_path: Path) -> None:
    csv_path = mixed_csv(tmp_path)
    assert count_data_rows(csv_path) == len(MIXED_ROWS)
    xlsx = xlsx_from_rows(tmp_path / "a.xlsx", MIXED_ROWS, typed=False)
    assert count_data_rows(xlsx) == len(MIXED_ROWS)
    assert count_data_rows(tmp_path / "nope.csv") is None
