"""Tests for station.register.regions: builtin names, lookups and the CSV reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.register.regions import (
    BUILTIN,
    PROVINCES,
    BuiltinRegions,
    ChainedRegions,
    level,
    read_region_csv,
    to_dotted,
)


def test_38_provinces_with_exact_names() -> None:
    assert len(PROVINCES) == 38
    assert PROVINCES["53"] == "Nusa Tenggara Timur"
    assert PROVINCES["19"] == "Kep. Bangka Belitung"
    assert PROVINCES["34"] == "DI Yogyakarta"
    assert PROVINCES["96"] == "Papua Barat Daya"
    assert {"93", "94", "95", "96"} <= PROVINCES.keys()
    assert not {"20", "99", "00"} & PROVINCES.keys()


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("53", "Nusa Tenggara Timur"),
        ("53.01", "Kabupaten Kupang"),
        ("53.04", "Kabupaten Belu"),
        ("53.14", "Kabupaten Rote Ndao"),
        ("53.21", "Kabupaten Malaka"),
        ("53.71", "Kota Kupang"),
        ("53.71.01", "Alak"),
        ("53.71.03", "Kelapa Lima"),
        ("53.71.06", "Kota Lama"),
        ("53.71.03.1001", "Kelapa Lima"),
        ("53.71.03.1010", "Oesapa"),
        ("53.71.03.1015", "Oesapa Selatan"),
        ("5371031010", "Oesapa"),  # undotted is accepted too
        ("537103", "Kelapa Lima"),
    ],
)
def test_builtin_names(code: str, name: str) -> None:
    assert BuiltinRegions().name(code) == name


@pytest.mark.parametrize("code", ["53.22", "53.71.07", "31.71", "5371040", "", "abc", "53.7103"])
def test_builtin_unknown_is_none(code: str) -> None:
    assert BuiltinRegions().name(code) is None


def test_builtin_table_sizes() -> None:
    by_level: dict[str, int] = {}
    for code in BUILTIN:
        by_level[level(code)] = by_level.get(level(code), 0) + 1
    # every kelurahan of Kota Kupang (station/register/kota_kupang.py)
    assert by_level == {"province": 38, "regency": 22, "district": 6, "village": 51}


def test_chained_regions_asks_in_order() -> None:
    first = BuiltinRegions({"53.71": "KOTA KUPANG", "31.71": "Kota Adm. Jakarta Pusat"})
    chain = ChainedRegions(first, BuiltinRegions())
    assert chain.name("53.71") == "KOTA KUPANG"  # first lookup wins
    assert chain.name("31.71") == "Kota Adm. Jakarta Pusat"
    assert chain.name("53.71.03") == "Kelapa Lima"  # falls through to the builtin
    assert chain.name("11.01") is None
    assert ChainedRegions().name("53") is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("53", "province"),
        ("53.71", "regency"),
        ("5371", "regency"),
        ("53.71.03", "district"),
        ("53.71.03.1010", "village"),
        ("5371031010", "village"),
    ],
)
def test_level(code: str, expected: str) -> None:
    assert level(code) == expected


@pytest.mark.parametrize("code", ["", "5", "537", "53.7", "53.71.03.101", "53710310100", "ab"])
def test_level_rejects_malformed(code: str) -> None:
    with pytest.raises(ValueError):
        level(code)


@pytest.mark.parametrize(
    ("code", "dotted"),
    [
        ("53", "53"),
        ("5371", "53.71"),
        ("537103", "53.71.03"),
        ("5371031010", "53.71.03.1010"),
        (" 53.71.03 ", "53.71.03"),
        ("53.7103", None),
        ("5371031", None),
        ("53.71.03.10", None),
        ("５３", None),
    ],
)
def test_to_dotted(code: str, dotted: str | None) -> None:
    assert to_dotted(code) == dotted


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "wilayah.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_with_bom_header_and_dotted_codes(tmp_path: Path) -> None:
    path = write(tmp_path, "kode,nama\n53,Nusa Tenggara Timur\n53.71,Kota Kupang\n", "utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    good, bad = read_region_csv(path)
    assert good == [("53", "Nusa Tenggara Timur"), ("53.71", "Kota Kupang")]
    assert bad == []


def test_csv_undotted_codes_without_header(tmp_path: Path) -> None:
    path = write(tmp_path, '53,NTT\n5371,"Kota Kupang"\n537103,Kelapa Lima\n5371031010,Oesapa\n')
    good, bad = read_region_csv(str(path))
    assert good == [
        ("53", "NTT"),
        ("53.71", "Kota Kupang"),
        ("53.71.03", "Kelapa Lima"),
        ("53.71.03.1010", "Oesapa"),
    ]
    assert bad == []


def test_csv_semicolon_crlf(tmp_path: Path) -> None:
    path = write(tmp_path, "kode;nama\r\n53.71.03;Kelapa Lima\r\n53.71.04;Oebobo, Kota\r\n")
    good, bad = read_region_csv(path)
    assert good == [("53.71.03", "Kelapa Lima"), ("53.71.04", "Oebobo, Kota")]
    assert bad == []


def test_csv_id_parent_name_layout(tmp_path: Path) -> None:
    path = write(tmp_path, 'id,regency_id,name\n537103,5371,"Kelapa Lima"\n110101,1101,Bakongan\n')
    good, bad = read_region_csv(path)
    assert good == [("53.71.03", "Kelapa Lima"), ("11.01.01", "Bakongan")]
    assert bad == []


def test_csv_bad_rows_rejected_with_line_numbers(tmp_path: Path) -> None:
    text = (
        "kode,nama\n"  # 1
        "53.71.03,Kelapa Lima\n"  # 2 ok
        "5371040,Kelapa Lima (BPS)\n"  # 3 seven digits: BPS code, rejected
        "53.71.3,Salah\n"  # 4 bad dotted shape
        "\n"  # 5 blank, skipped
        "53.71.04\n"  # 6 no name column
        "53.71.05,\n"  # 7 empty name
        "53.71.03,Kelapa Lima lagi\n"  # 8 duplicate
        "ab.cd,Huruf\n"  # 9 not digits
        "53.71.06,Kota Lama\n"  # 10 ok
    )
    good, bad = read_region_csv(write(tmp_path, text))
    assert good == [("53.71.03", "Kelapa Lima"), ("53.71.06", "Kota Lama")]
    assert [line for line, _ in bad] == [3, 4, 6, 7, 8, 9]
    reasons = dict(bad)
    assert "kode wilayah tidak sah" in reasons[3]
    assert "kolom kurang" in reasons[6]
    assert "nama wilayah kosong" in reasons[7]
    assert "baris 2" in reasons[8]


def test_csv_empty_file(tmp_path: Path) -> None:
    assert read_region_csv(write(tmp_path, "")) == ([], [])
    assert read_region_csv(write(tmp_path, "kode,nama\n")) == ([], [])


def test_csv_not_utf8_raises_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "53.71.03,Kélapa Lima\n", "latin-1")
    with pytest.raises(ValueError, match="UTF-8"):
        read_region_csv(path)
