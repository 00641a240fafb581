"""Hypothesis: the NIK parser against an independent implementation of docs/domain.md §1.2.

``spec_verdict`` below is written from the domain text alone (its own province list, its own
date arithmetic, no import from ``station.register.nik`` or ``station.register.regions``), so a bug
in the parser
shows as a disagreement instead of being copied into the test.  The parser must also never
raise, whatever string it is given, and must answer a huge input without parsing it slowly
(its work is one pass over the text; a 1 MB paste is simply "not 16 digits").
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from station.register.nik import mask_nik, normalize_nik, parse_nik

TODAY = date(2026, 1, 1)

# docs/domain.md §1.3: the 38 province codes (Kepmendagri 300.2.2-2138/2025).
_PROVINCE_TABLE = """
11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53
61 62 63 64 65 71 72 73 74 75 76 81 82 91 92 93 94 95 96
"""
SPEC_PROVINCES = frozenset(_PROVINCE_TABLE.split())
assert len(SPEC_PROVINCES) == 38


def spec_strip(text: str) -> str:
    """Step 1: drop ``space . -`` and the invisible/separator characters people paste."""
    return "".join(
        ch
        for ch in text
        if ch not in " .-" and unicodedata.category(ch) not in {"Zs", "Zl", "Zp", "Cc", "Cf", "Pd"}
    )


def spec_verdict(text: str, today: date) -> tuple[bool, str | None, tuple[date, ...]]:
    """(valid, sex, admissible birth dates newest first), straight from docs/domain.md §1.2."""
    nik = spec_strip(text)
    if len(nik) != 16 or not all("0" <= ch <= "9" for ch in nik):
        return False, None, ()
    ok = nik[:2] in SPEC_PROVINCES  # step 2 (regency/kecamatan: warnings only, step 3)
    dd = int(nik[6:8])
    sex = "P" if dd > 40 else "L"
    if dd > 40:
        dd -= 40
    day_ok = 1 <= dd <= 31  # step 4
    month = int(nik[8:10])
    month_ok = 1 <= month <= 12  # step 5
    dates: list[date] = []
    if day_ok and month_ok:  # step 6
        for century in (2000, 1900):
            try:
                candidate = date(century + int(nik[10:12]), month, dd)
            except ValueError:
                continue
            if candidate <= today:
                dates.append(candidate)
    if not dates:
        ok = False
    if int(nik[12:]) < 1:  # step 7
        ok = False
    return ok, (sex if day_ok else None), tuple(dates)


# NIK-shaped text: mostly digits, a known province often, separators and junk sometimes.
_DIGIT = st.sampled_from("0123456789")
_PROVINCE = st.sampled_from(sorted(SPEC_PROVINCES)) | st.text(_DIGIT, min_size=2, max_size=2)
_DAY = st.integers(0, 99).map(lambda n: f"{n:02d}")
_MONTH = st.integers(0, 19).map(lambda n: f"{n:02d}")
_SERIAL = st.sampled_from(["0000", "0001", "9999"]) | st.text(_DIGIT, min_size=4, max_size=4)
_JUNK = st.sampled_from(
    [" ", ".", "-", "\u200b", "\ufeff", "\u00a0", "\u2013", "\t", "\n", "\x00", "a", "٣", "１",
     "\u202e", "\u00ad", "/", "+", "O", "l"]
)  # fmt: skip


@st.composite
def nik_like(draw: st.DrawFn) -> str:
    core = (
        draw(_PROVINCE)
        + draw(st.text(_DIGIT, min_size=4, max_size=4))
        + draw(_DAY)
        + draw(_MONTH)
        + draw(st.text(_DIGIT, min_size=2, max_size=2))
        + draw(_SERIAL)
    )
    chars = list(core)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(chars)))
        chars.insert(at, draw(_JUNK))
    if draw(st.integers(0, 9)) == 0:  # a digit lost or doubled
        at = draw(st.integers(0, len(chars) - 1))
        if draw(st.booleans()):
            del chars[at]
        else:
            chars.insert(at, chars[at])
    return "".join(chars)


@settings(max_examples=1500, deadline=None)
@given(text=nik_like(), today=st.dates(date(1990, 1, 1), date(2040, 12, 31)))
def test_parser_agrees_with_the_spec(text: str, today: date) -> None:
    info = parse_nik(text, today=today)
    valid, sex, dates = spec_verdict(text, today)
    assert info.valid == valid, (info.errors, text)
    assert info.nik == spec_strip(text)
    if valid:
        assert info.sex == sex
        assert info.birth_date_candidates == dates
        assert info.birth_date == dates[0]
        assert info.serial == info.nik[12:]
        assert info.province_code == info.nik[:2]
    else:
        assert info.errors and all(issue.message for issue in info.errors)


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=64), today=st.dates())
def test_any_text_never_raises_and_agrees(text: str, today: date) -> None:
    info = parse_nik(text, today=today)
    assert info.valid == spec_verdict(text, today)[0]
    assert normalize_nik(text) == info.nik
    masked = mask_nik(text)
    assert set(masked) <= {"*"} or (len(masked) == 16 and masked[4:12] == "*" * 8), masked


@settings(max_examples=200, deadline=None)
@given(
    text=nik_like(),
    known=st.none() | st.dates(date(1900, 1, 1), date(2026, 1, 1)),
    sex=st.none() | st.text(max_size=12) | st.sampled_from(["L", "P", "laki-laki", "WANITA", "2"]),
)
def test_stored_values_only_add_warnings(text: str, known: date | None, sex: str | None) -> None:
    """The register's birth date and sex pick the century and warn; they never change validity
    (docs/domain.md §1.2 step 8: never auto-correct)."""
    plain = parse_nik(text, today=TODAY)
    info = parse_nik(text, today=TODAY, known_birth_date=known, known_sex=sex)
    assert info.valid == plain.valid and info.errors == plain.errors
    assert info.sex == plain.sex and info.birth_date_candidates == plain.birth_date_candidates
    if info.valid and known in plain.birth_date_candidates:
        assert info.birth_date == known


@settings(max_examples=50, deadline=None)
@given(born=st.dates(date(1927, 1, 1), date(2025, 12, 31)), sex=st.sampled_from("LP"))
def test_every_real_birth_date_gives_a_valid_nik(born: date, sex: str) -> None:
    day = born.day + (40 if sex == "P" else 0)
    nik = f"537103{day:02d}{born.month:02d}{born.year % 100:02d}0001"
    info = parse_nik(nik, today=TODAY, known_birth_date=born)
    assert info.valid and info.birth_date == born and info.sex == sex


def test_huge_input_is_refused_not_parsed() -> None:
    """A pasted megabyte (or a 10 MB import cell) is refused as 'not 16 digits'."""
    for text in ("5" * 10_000_000, "5371031708900001" + " " * 1_000_000 + "x"):
        info = parse_nik(text, today=TODAY)
        assert not info.valid and info.errors[0].code in ("bad_length", "not_digits")
    assert mask_nik("5" * 1000) == "*" * 1000


def test_birth_today_and_tomorrow_match_the_spec() -> None:
    for offset in (0, 1):
        day = TODAY + timedelta(days=offset)
        nik = f"537103{day.day:02d}{day.month:02d}{day.year % 100:02d}0001"
        assert parse_nik(nik, today=TODAY).valid == spec_verdict(nik, TODAY)[0]
