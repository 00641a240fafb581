"""Letter numbers: the pattern check, safe formatting, Roman months, sequence scopes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.letters import NumberingError, check_numbering, format_number, sequence_scope
from station.letters.formats import roman_month
from station.letters.numbering import (
    DEFAULT_PATTERN,
    parse_numbering_config,
    parse_pattern,
)

VALUES = {
    "kode": "400.12.2.1",
    "nomor": 7,
    "unit": "KEL.OSP",
    "month": 8,
    "year": 2026,
    "type_code": "SKD",
}


def test_default_pattern() -> None:
    assert format_number(DEFAULT_PATTERN, **VALUES) == "400.12.2.1/007/KEL.OSP/VIII/2026"
    assert format_number(DEFAULT_PATTERN, **{**VALUES, "nomor": 1234, "month": 12}) == (
        "400.12.2.1/1234/KEL.OSP/XII/2026"
    )


def test_roman_months() -> None:
    expected = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
    assert [roman_month(m) for m in range(1, 13)] == expected
    for bad in (0, 13, -1, True):
        with pytest.raises(ValueError):
            roman_month(bad)


def test_other_placeholders() -> None:
    pattern = "{jenis}-{nomor:04d}/{unit}/{bulan:02d}/{tahun}"
    assert format_number(pattern, **VALUES) == "SKD-0007/KEL.OSP/08/2026"
    assert format_number("{kode}/{nomor}-Kel/{bulan_romawi}/{tahun}", **VALUES) == (
        "400.12.2.1/7-Kel/VIII/2026"
    )
    assert format_number("{{{nomor}}}/{tahun}", **VALUES) == "{7}/2026"


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("{kode}/{nomer}/{tahun}", ["{nomer}", "tidak dikenal"]),
        ("{kode.__class__}/{nomor}/{tahun}", ["titik"]),
        ("{kode[0]}/{nomor}/{tahun}", ["titik"]),
        ("{nomor.real}/{tahun}", ["titik"]),
        ("{kode!r}/{nomor}/{tahun}", ["tidak diizinkan"]),
        ("{unit:>20}/{nomor}/{tahun}", ["format"]),
        ("{nomor:,}/{tahun}", ["format"]),
        ("{nomor:{tahun}}/{tahun}", ["format"]),
        ("{nomor:x}/{tahun}", ["format"]),
        ("{}/{nomor}/{tahun}", ["nama"]),
        ("{0}/{nomor}/{tahun}", ["nama"]),
        ("{nomor/{tahun}", ["kurung kurawal"]),
        ("{nomor}}/{tahun}", ["kurung kurawal"]),
        ("", ["kosong"]),
        ("{kode}/{unit}/{tahun}", ["{nomor}"]),
        ("{kode}/{nomor}/{unit}", ["{tahun}"]),
    ],
)
def test_bad_patterns_are_refused_in_indonesian(pattern: str, words: list[str]) -> None:
    with pytest.raises(NumberingError) as info:
        check_numbering(pattern, source="/home/station.toml")
    message = str(info.value)
    assert "/home/station.toml" in message
    assert "letters.number_pattern" in message
    for word in words:
        assert word in message


def test_scope_checks() -> None:
    check_numbering(DEFAULT_PATTERN, "office")
    check_numbering(DEFAULT_PATTERN, "classification")
    with pytest.raises(NumberingError, match="jenis"):
        check_numbering(DEFAULT_PATTERN, "type")
    check_numbering("{jenis}/{nomor:03d}/{unit}/{tahun}", "type")
    # {kode} suffices per type only when no two types share a classification code.
    check_numbering(DEFAULT_PATTERN, "type", classifications={"SKD": "1", "SKU": "2"})
    with pytest.raises(NumberingError, match="SKD/SP"):
        check_numbering(DEFAULT_PATTERN, "type", classifications={"SKD": "1", "SP": "1"})
    with pytest.raises(NumberingError, match="kode"):
        check_numbering("{nomor}/{unit}/{tahun}", "classification")
    with pytest.raises(NumberingError, match="number_scope"):
        check_numbering(DEFAULT_PATTERN, "kantor")


def test_config_table() -> None:
    config = parse_numbering_config({})
    assert config.pattern.text == DEFAULT_PATTERN and config.scope == "office"
    config = parse_numbering_config(
        {"number_pattern": "{jenis}/{nomor:03d}/{tahun}", "number_scope": "type"}
    )
    assert config.scope == "type"
    with pytest.raises(NumberingError, match=r"letters\.pola"):
        parse_numbering_config({"pola": "x"})
    with pytest.raises(NumberingError, match="teks"):
        parse_numbering_config({"number_pattern": 5})


def test_values_are_printed_literally_never_evaluated() -> None:
    values = {**VALUES, "unit": "{tahun}{0.__class__}", "kode": "{nomor!r}", "type_code": "%s"}
    pattern = "{kode}/{nomor:03d}/{unit}/{jenis}/{tahun}"
    assert format_number(pattern, **values) == "{nomor!r}/007/{tahun}{0.__class__}/%s/2026"


def test_bad_values() -> None:
    for bad in ({"nomor": 0}, {"nomor": True}, {"month": 13}, {"year": 0}):
        with pytest.raises(NumberingError):
            format_number(DEFAULT_PATTERN, **{**VALUES, **bad})
    with pytest.raises(NumberingError, match="terlalu panjang"):
        format_number(DEFAULT_PATTERN, **{**VALUES, "unit": "X" * 60})
    with pytest.raises(NumberingError, match="spasi"):
        format_number(DEFAULT_PATTERN, **{**VALUES, "unit": "KEL OSP"})


def test_sequence_scopes() -> None:
    assert sequence_scope("office", year=2026, type_code="SKD") == "letter:2026"
    assert sequence_scope("type", year=2026, type_code="SKD") == "letter:SKD:2026"
    assert sequence_scope("classification", year=2026, classification="400.12.2.1") == (
        "letter:kode:400.12.2.1:2026"
    )
    with pytest.raises(NumberingError):
        sequence_scope("type", year=2026)
    with pytest.raises(NumberingError):
        sequence_scope("bulan", year=2026)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_any_pattern_text_is_accepted_or_refused_cleanly(pattern: str) -> None:
    try:
        parsed = parse_pattern(pattern)
    except NumberingError:
        return
    try:
        number = parsed.format(**VALUES)
    except NumberingError:
        return
    # Only the literal text and the seven placeholders' values can appear.
    assert "__" not in number or "__" in pattern


@settings(max_examples=200, deadline=None)
@given(
    kode=st.from_regex(r"\d{3}(\.\d{1,3}){0,3}", fullmatch=True),
    nomor=st.integers(1, 99999),
    month=st.integers(1, 12),
    year=st.integers(2000, 2100),
)
def test_default_pattern_round_trips(kode: str, nomor: int, month: int, year: int) -> None:
    number = format_number(
        DEFAULT_PATTERN,
        kode=kode,
        nomor=nomor,
        unit="KEL.OSP",
        month=month,
        year=year,
        type_code="X",
    )
    k, n, unit, roman, y = number.split("/")
    assert (k, int(n), unit, roman, int(y)) == (kode, nomor, "KEL.OSP", roman_month(month), year)
    assert len(n) >= 3
