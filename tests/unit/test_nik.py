"""Tests for station.register.nik against docs/domain.md §1.2 (vectors use today = 2026-01-01)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.register.nik import (
    NikInfo,
    build_nik,
    is_valid_nik,
    mask_nik,
    normalize_nik,
    parse_nik,
)
from station.register.regions import BUILTIN, PROVINCES, ChainedRegions, level

TODAY = date(2026, 1, 1)


def parse(text: str, **kw: object) -> NikInfo:
    return parse_nik(text, today=TODAY, **kw)  # type: ignore[arg-type]


def error_codes(info: NikInfo) -> list[str]:
    return [i.code for i in info.errors]


def warning_codes(info: NikInfo) -> list[str]:
    return [i.code for i in info.warnings]


# --- docs/domain.md §1.2 vector table ----------------------------------------------------


@pytest.mark.parametrize(
    ("nik", "sex", "born"),
    [
        ("5371031708900001", "L", date(1990, 8, 17)),
        ("5371035708900001", "P", date(1990, 8, 17)),
        ("5371036902000001", "P", date(2000, 2, 29)),
    ],
)
def test_domain_valid_vectors(nik: str, sex: str, born: date) -> None:
    info = parse(nik)
    assert info.valid
    assert info.errors == ()
    assert info.warnings == ()
    assert info.sex == sex
    assert info.birth_date == born
    assert info.birth_date_candidates == (born,)
    assert info.province_code == "53"
    assert info.province == "Nusa Tenggara Timur"
    assert info.regency_code == "53.71"
    assert info.regency == "Kota Kupang"
    assert info.district_code == "53.71.03"
    assert info.district == "Kelapa Lima"
    assert info.serial == "0001"
    assert info.nik == nik


def test_domain_ambiguous_year_vector() -> None:
    info = parse("5371031708250001")
    assert info.valid
    assert info.sex == "L"
    assert info.birth_date_candidates == (date(2025, 8, 17), date(1925, 8, 17))
    assert info.birth_date == date(2025, 8, 17)
    assert warning_codes(info) == ["ambiguous_year"]
    assert "2025" in info.warnings[0].message and "1925" in info.warnings[0].message


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("5371037102040001", "bad_date"),  # 31-02
        ("5371034008900001", "bad_day"),  # day code 40
        ("5371033208900001", "bad_day"),  # day code 32
        ("5371031713900001", "bad_month"),
        ("5371031708900000", "bad_serial"),
        ("9901011708900001", "unknown_province"),
    ],
)
def test_domain_invalid_vectors(nik: str, code: str) -> None:
    info = parse(nik)
    assert not info.valid
    assert error_codes(info) == [code]
    assert not is_valid_nik(nik, today=TODAY)


# --- Day codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day_code", "sex", "day"),
    [("01", "L", 1), ("31", "L", 31), ("41", "P", 1), ("71", "P", 31)],
)
def test_valid_day_codes(day_code: str, sex: str, day: int) -> None:
    info = parse(f"537103{day_code}01900001")
    assert info.valid
    assert info.sex == sex
    assert info.birth_date == date(1990, 1, day)


@pytest.mark.parametrize("day_code", ["00", "32", "39", "40", "72", "81", "99"])
def test_invalid_day_codes(day_code: str) -> None:
    info = parse(f"537103{day_code}01900001")
    assert error_codes(info) == ["bad_day"]
    assert info.birth_date is None
    assert info.birth_date_candidates == ()
    assert info.sex is None
    assert day_code in info.errors[0].message


def test_day_31_in_30_day_month_is_bad_date() -> None:
    assert error_codes(parse("5371033104900001")) == ["bad_date"]  # 31 April
    assert error_codes(parse("5371037104900001")) == ["bad_date"]  # 31 April, female


# --- Months ------------------------------------------------------------------------------


@pytest.mark.parametrize("month", ["00", "13", "19", "99"])
def test_invalid_months(month: str) -> None:
    info = parse(f"53710317{month}900001")
    assert error_codes(info) == ["bad_month"]
    assert info.birth_date is None
    assert info.sex == "L"  # the day code is still readable


@pytest.mark.parametrize("month", ["01", "12"])
def test_month_bounds(month: str) -> None:
    assert parse(f"53710317{month}900001").valid


# --- Leap years and centuries ------------------------------------------------------------


def test_29_feb_00_is_2000_because_1900_is_not_leap() -> None:
    info = parse("5371032902000001")
    assert info.valid
    assert info.birth_date_candidates == (date(2000, 2, 29),)
    assert info.warnings == ()


def test_29_feb_04_is_ambiguous_between_leap_years() -> None:
    info = parse("5371032902040001")
    assert info.valid
    assert info.birth_date_candidates == (date(2004, 2, 29), date(1904, 2, 29))
    assert info.birth_date == date(2004, 2, 29)
    assert warning_codes(info) == ["ambiguous_year"]


def test_29_feb_96_only_1996() -> None:
    info = parse("5371032902960001")
    assert info.valid
    assert info.birth_date_candidates == (date(1996, 2, 29),)
    assert info.warnings == ()


def test_29_feb_common_year_is_bad_date() -> None:
    info = parse("5371032902010001")  # neither 2001 nor 1901 is leap
    assert error_codes(info) == ["bad_date"]
    assert info.birth_date is None


def test_28_feb_common_year_is_fine() -> None:
    assert parse("5371032802010001").birth_date == date(2001, 2, 28)


def test_future_20yy_falls_back_to_19yy_without_warning() -> None:
    info = parse("5371031708300001")  # 2030 is in the future, so 1930
    assert info.valid
    assert info.birth_date == date(1930, 8, 17)
    assert info.birth_date_candidates == (date(1930, 8, 17),)
    assert info.warnings == ()


def test_born_today_is_admissible_tomorrow_is_not() -> None:
    info = parse("5371030101260001")
    assert info.birth_date_candidates == (date(2026, 1, 1), date(1926, 1, 1))
    info = parse("5371030201260001")
    assert info.birth_date_candidates == (date(1926, 1, 2),)


def test_future_date_error_when_no_century_is_in_the_past() -> None:
    # Seen from 1999: 2000-02-29 is in the future and 1900-02-29 does not exist.
    info = parse_nik("5371032902000001", today=date(1999, 12, 31))
    assert error_codes(info) == ["future_date"]
    assert info.birth_date is None
    assert info.birth_date_candidates == ()
    info = parse_nik("5371031708600001", today=date(1950, 1, 1))  # 1960 and 2060 both future
    assert error_codes(info) == ["future_date"]


def test_today_defaults_to_real_today() -> None:
    assert parse_nik("5371031708900001").birth_date == date(1990, 8, 17)


# --- Serial ------------------------------------------------------------------------------


@pytest.mark.parametrize(("serial", "ok"), [("0000", False), ("0001", True), ("9999", True)])
def test_serial(serial: str, ok: bool) -> None:
    info = parse(f"537103170890{serial}")
    assert info.valid is ok
    assert info.serial == serial
    assert error_codes(info) == ([] if ok else ["bad_serial"])


# --- Provinces and regions ---------------------------------------------------------------


@pytest.mark.parametrize("pp", sorted(PROVINCES))
def test_every_province_code_is_accepted(pp: str) -> None:
    info = parse(f"{pp}71031708900001")
    assert info.valid
    assert info.province == PROVINCES[pp]


@pytest.mark.parametrize("pp", ["00", "10", "20", "22", "37", "54", "90", "97", "99"])
def test_unknown_province_codes_are_errors(pp: str) -> None:
    info = parse(f"{pp}71031708900001")
    assert error_codes(info) == ["unknown_province"]
    assert info.province_code == pp
    assert info.province is None
    assert info.warnings == ()  # no regency noise under a province that does not exist


def test_province_96_papua_barat_daya() -> None:
    info = parse("9601011708900001")
    assert info.valid
    assert info.province == "Papua Barat Daya"


def test_unknown_regency_is_only_a_warning() -> None:
    info = parse("3171011708450001")  # stdnum vector; Jakarta is not in the builtin table
    assert info.valid
    assert info.birth_date == date(1945, 8, 17)
    assert info.province == "DKI Jakarta"
    assert info.regency is None
    assert warning_codes(info) == ["unknown_regency"]


def test_unknown_district_is_only_a_warning() -> None:
    info = parse("5371091708900001")  # Kota Kupang has kecamatan 01..06 only
    assert info.valid
    assert info.regency == "Kota Kupang"
    assert info.district is None
    assert info.district_code == "53.71.09"
    assert warning_codes(info) == ["unknown_district"]


def test_other_ntt_regency_is_named() -> None:
    info = parse("5304011708900001")
    assert info.regency == "Kabupaten Belu"
    # The builtin table has no Belu kecamatan: docs/domain.md §1.2 step 3 makes that a warning only.
    assert warning_codes(info) == ["unknown_district"]


@pytest.mark.parametrize("kk", ["00", "70"])
def test_unusual_regency_code_warns(kk: str) -> None:
    info = parse(f"53{kk}011708900001")
    assert info.valid
    assert warning_codes(info) == ["unknown_regency"]
    assert "tidak lazim" in info.warnings[0].message


def test_custom_regions_lookup_comes_first() -> None:
    class Db:
        def name(self, code: str) -> str | None:
            return {"31.71": "Kota Adm. Jakarta Pusat", "31.71.01": "Gambir"}.get(code)

    from station.register.regions import BuiltinRegions

    info = parse("3171011708450001", regions=ChainedRegions(Db(), BuiltinRegions()))
    assert info.regency == "Kota Adm. Jakarta Pusat"
    assert info.district == "Gambir"
    assert info.province == "DKI Jakarta"  # falls back to the builtin province names
    assert info.warnings == ()


# --- Shape errors ------------------------------------------------------------------------


def test_empty_string() -> None:
    for text in ["", "   ", " .-\t\u200b\xa0"]:
        info = parse(text)
        assert not info.valid
        assert error_codes(info) == ["bad_length"]
        assert info.nik == ""
        assert info.province_code is None and info.birth_date is None and info.sex is None


@pytest.mark.parametrize("n", [1, 15, 17, 20])
def test_wrong_length(n: int) -> None:
    info = parse("5371031708900001999"[:n] if n <= 19 else "5" * n)
    assert error_codes(info) == ["bad_length"]
    assert f"tertulis {n} digit" in info.errors[0].message
    assert info.province_code is None


def test_15_digits_message_matches_brief() -> None:
    assert parse("537103170890001").errors[0].message == (
        "NIK harus 16 digit angka (tertulis 15 digit)."
    )


def test_non_digits() -> None:
    info = parse("53710317089000O1")  # letter O
    assert error_codes(info) == ["not_digits"]
    info = parse("5371O3170890001")  # letter and wrong length: both reported
    assert error_codes(info) == ["not_digits", "bad_length"]
    assert "karakter" in info.errors[1].message


def test_non_ascii_digits_are_rejected() -> None:
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in "5371031708900001")
    assert error_codes(parse(fullwidth)) == ["not_digits"]
    arabic_indic = "".join(chr(0x0660 + int(c)) for c in "5371031708900001")
    assert error_codes(parse(arabic_indic)) == ["not_digits"]


def test_all_errors_reported_together() -> None:
    info = parse("9901003213000000")
    assert error_codes(info) == [
        "unknown_province",
        "bad_day",
        "bad_month",
        "bad_serial",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "53.7103 1708-900001",
        "5371 0317 0890 0001",
        "5371-0317-0890-0001",
        " 5371031708900001\n",
        "5371031708900001\t",
        "5371\u200b0317\u200d08900001",
        "\ufeff5371031708900001",
        "5371\xa00317\u202f0890\u20130001",
    ],
)
def test_separators_and_invisible_characters_are_stripped(text: str) -> None:
    assert normalize_nik(text) == "5371031708900001"
    info = parse(text)
    assert info.valid
    assert info.nik == "5371031708900001"
    assert info.input == text


# --- Stored register values --------------------------------------------------------------


def test_known_birth_date_picks_century() -> None:
    info = parse("5371031708250001", known_birth_date=date(1925, 8, 17))
    assert info.birth_date == date(1925, 8, 17)
    assert info.birth_date_candidates == (date(2025, 8, 17), date(1925, 8, 17))
    assert info.warnings == ()


def test_known_birth_date_mismatch_is_warning_and_not_corrected() -> None:
    info = parse("5371031708900001", known_birth_date=date(1990, 8, 18))
    assert info.valid
    assert info.birth_date == date(1990, 8, 17)
    assert warning_codes(info) == ["birth_date_mismatch"]
    assert "17-08-1990" in info.warnings[0].message
    assert "18-08-1990" in info.warnings[0].message


def test_known_birth_date_mismatch_on_ambiguous_nik_keeps_both_warnings() -> None:
    info = parse("5371031708250001", known_birth_date=date(1990, 1, 1))
    assert info.birth_date == date(2025, 8, 17)
    assert warning_codes(info) == ["ambiguous_year", "birth_date_mismatch"]


def test_known_birth_date_ignored_when_nik_date_is_invalid() -> None:
    info = parse("5371037102040001", known_birth_date=date(2004, 2, 29))
    assert error_codes(info) == ["bad_date"]
    assert info.birth_date is None
    assert info.warnings == ()


@pytest.mark.parametrize(
    ("nik", "known", "mismatch"),
    [
        ("5371031708900001", "L", False),
        ("5371031708900001", "Laki-laki", False),
        ("5371031708900001", "PRIA", False),
        ("5371031708900001", "P", True),
        ("5371031708900001", "perempuan", True),
        ("5371035708900001", "P", False),
        ("5371035708900001", "WANITA", False),
        ("5371035708900001", "L", True),
        ("5371035708900001", "x", False),  # unrecognised stored value: no claim either way
    ],
)
def test_known_sex(nik: str, known: str, mismatch: bool) -> None:
    info = parse(nik, known_sex=known)
    assert info.valid
    assert warning_codes(info) == (["sex_mismatch"] if mismatch else [])


# --- to_dict, mask_nik, build_nik --------------------------------------------------------


def test_to_dict_is_json_ready() -> None:
    d = parse("5371031708250001").to_dict()
    assert json.loads(json.dumps(d)) == d
    assert set(d) == {
        "valid",
        "errors",
        "warnings",
        "province_code",
        "province",
        "regency_code",
        "regency",
        "district_code",
        "district",
        "birth_date",
        "birth_date_candidates",
        "sex",
        "serial",
        "nik",
    }
    assert d["birth_date"] == "2025-08-17"
    assert d["birth_date_candidates"] == ["2025-08-17", "1925-08-17"]
    assert d["warnings"][0]["code"] == "ambiguous_year"
    bad = parse("9901003213000000").to_dict()
    assert bad["valid"] is False
    assert bad["errors"][0]["code"] == "unknown_province"
    assert bad["birth_date"] is None


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("5371031708900001", "5371********0001"),
        ("5371 0317 0890 0001", "5371********0001"),
        ("537103170890001", "*" * 15),
        ("53710317089000012", "*" * 17),
        ("53710317O8900001", "*" * 16),
        ("", ""),
    ],
)
def test_mask_nik(text: str, masked: str) -> None:
    assert mask_nik(text) == masked


def test_build_nik_round_trip_examples() -> None:
    assert build_nik("537103", date(1990, 8, 17), "L", 1) == "5371031708900001"
    assert build_nik("53.71.03", date(1990, 8, 17), "P", 1) == "5371035708900001"
    assert build_nik("537103", date(2000, 2, 29), "P", 1) == "5371036902000001"


@pytest.mark.parametrize(
    ("region", "born", "sex", "serial"),
    [
        ("53710", date(1990, 1, 1), "L", 1),
        ("53710a", date(1990, 1, 1), "L", 1),
        ("537103", date(1990, 1, 1), "X", 1),
        ("537103", date(1990, 1, 1), "L", 0),
        ("537103", date(1990, 1, 1), "L", 10000),
        ("537103", date(1899, 12, 31), "L", 1),
    ],
)
def test_build_nik_rejects_bad_parts(region: str, born: date, sex: str, serial: int) -> None:
    with pytest.raises(ValueError):
        build_nik(region, born, sex, serial)


# --- Properties --------------------------------------------------------------------------

BUILTIN_DISTRICTS = sorted(c.replace(".", "") for c in BUILTIN if level(c) == "district")
regions6 = st.one_of(
    st.sampled_from(BUILTIN_DISTRICTS),
    st.builds(
        lambda pp, rest: pp + rest,
        st.sampled_from(sorted(PROVINCES)),
        st.from_regex(r"[0-9]{4}", fullmatch=True),
    ),
)
sexes = st.sampled_from(["L", "P"])
serials = st.integers(min_value=1, max_value=9999)


@given(
    regions6,
    st.dates(min_value=date(1927, 1, 1), max_value=TODAY - timedelta(days=1)),
    sexes,
    serials,
)
def test_build_then_parse_round_trips(region: str, born: date, sex: str, serial: int) -> None:
    info = parse(build_nik(region, born, sex, serial))
    assert info.valid, info.errors
    assert info.province_code == region[:2]
    assert info.regency_code == f"{region[:2]}.{region[2:4]}"
    assert info.district_code == f"{region[:2]}.{region[2:4]}.{region[4:]}"
    assert info.sex == sex
    assert info.serial == f"{serial:04d}"
    assert born in info.birth_date_candidates
    # From 1927 on, the rule "most recent admissible century" always lands on the real date.
    assert info.birth_date == born
    assert ("ambiguous_year" in warning_codes(info)) == (len(info.birth_date_candidates) == 2)


@given(
    regions6,
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(min_value=0, max_value=150 * 366),
    sexes,
    serials,
)
def test_known_birth_date_always_recovered(
    region: str, born: date, days_later: int, sex: str, serial: int
) -> None:
    today = born + timedelta(days=days_later)
    info = parse_nik(
        build_nik(region, born, sex, serial), today=today, known_birth_date=born, known_sex=sex
    )
    assert info.valid, info.errors
    assert born in info.birth_date_candidates
    assert info.birth_date == born
    assert not {"ambiguous_year", "birth_date_mismatch", "sex_mismatch"} & set(warning_codes(info))
    assert all(d <= today for d in info.birth_date_candidates)


@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    info = parse_nik(text, today=TODAY)
    json.dumps(info.to_dict())
    assert info.valid == (not info.errors)
    assert is_valid_nik(text, today=TODAY) == info.valid


separator_chars = st.sampled_from(list("0123456789 .-\t\u200b\xa0xO"))


@given(
    st.text(separator_chars, max_size=24),
    st.one_of(st.none(), st.dates()),
    st.one_of(st.none(), st.text(max_size=12)),
)
def test_digit_heavy_text_never_raises(text: str, known: date | None, sex: str | None) -> None:
    info = parse_nik(text, today=TODAY, known_birth_date=known, known_sex=sex)
    json.dumps(info.to_dict())
    if info.valid:
        assert len(info.nik) == 16 and info.nik.isdigit()
        assert info.birth_date in info.birth_date_candidates
        assert info.sex in ("L", "P")


@given(st.from_regex(r"[0-9]{16}", fullmatch=True))
def test_mask_hides_digits_5_to_12(nik: str) -> None:
    masked = mask_nik(nik)
    assert masked == nik[:4] + "********" + nik[12:]


@given(st.text(separator_chars, max_size=24) | st.text())
def test_mask_never_leaks_middle_digits(text: str) -> None:
    masked = mask_nik(text)
    digits = normalize_nik(text)
    assert sum(ch.isdigit() for ch in masked) <= 8
    if masked.strip("*"):  # something shown: only the first 4 and last 4 digits of the NIK
        assert masked == digits[:4] + "*" * 8 + digits[12:]
    else:
        assert len(masked) == len(text)
