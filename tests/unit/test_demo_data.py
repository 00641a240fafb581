"""Tests for the synthetic resident generator (station.home.demo_data)."""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from datetime import date

import pytest

from station.home.demo_data import RESIDENT_COLUMNS, generate_residents, write_csv

TODAY = date(2026, 1, 1)
N = 20_000

RELIGIONS = {"ISLAM", "KRISTEN", "KATHOLIK", "HINDU", "BUDHA", "KHONGHUCU"}
MARITAL = {"BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"}
SHDK = {
    "KEPALA KELUARGA", "SUAMI", "ISTRI", "ANAK", "MENANTU", "CUCU", "ORANGTUA", "MERTUA",
    "FAMILI LAIN", "PEMBANTU", "LAINNYA",
}  # fmt: skip
EDUCATION = {
    "TIDAK/BELUM SEKOLAH", "BELUM TAMAT SD/SEDERAJAT", "TAMAT SD/SEDERAJAT", "SLTP/SEDERAJAT",
    "SLTA/SEDERAJAT", "DIPLOMA I/II", "AKADEMI/DIPLOMA III/S. MUDA", "DIPLOMA IV/STRATA I",
    "STRATA II", "STRATA III",
}  # fmt: skip
BLOOD = {"A", "B", "AB", "O", "A+", "B+", "AB+", "O+", "TIDAK TAHU"}
OCCUPATIONS = {
    "BELUM/TIDAK BEKERJA", "MENGURUS RUMAH TANGGA", "PELAJAR/MAHASISWA", "PENSIUNAN",
    "PEGAWAI NEGERI SIPIL (PNS)", "TENTARA NASIONAL INDONESIA (TNI)", "KEPOLISIAN RI (POLRI)",
    "PETANI/PEKEBUN", "NELAYAN/PERIKANAN", "KARYAWAN SWASTA", "KARYAWAN HONORER",
    "BURUH HARIAN LEPAS", "TUKANG BATU", "SOPIR", "PENDETA", "GURU", "DOSEN", "PERAWAT", "BIDAN",
    "PEDAGANG", "WIRASWASTA", "LAINNYA",
}  # fmt: skip
PROVINCES_USED = {"53", "31", "73", "51"}


def parse_date(text: str) -> date:
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4}", text), text
    day, month, year = text.split("-")
    return date(int(year), int(month), int(day))


def age_on(birth: date, today: date = TODAY) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def years_between(older: date, younger: date) -> int:
    """Whole years from ``older`` to ``younger`` (like an age)."""
    return age_on(older, younger)


def is_adult(row: dict[str, str]) -> bool:
    return age_on(parse_date(row["birth_date"])) >= 17 or row["marital_status"] != "BELUM KAWIN"


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return list(generate_residents(N, seed=2017, today=TODAY))


@pytest.fixture(scope="module")
def families(rows: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    return [list(group) for _, group in itertools.groupby(rows, key=lambda r: r["kk_number"])]


# --- API and determinism --------------------------------------------------------------------


def test_count_and_columns(rows: list[dict[str, str]]) -> None:
    assert len(rows) == N
    for row in rows:
        assert tuple(row) == RESIDENT_COLUMNS
        assert all(isinstance(value, str) for value in row.values())


def test_zero_and_negative_count() -> None:
    assert list(generate_residents(0)) == []
    assert list(generate_residents(-5)) == []


def test_same_seed_same_output() -> None:
    first = list(generate_residents(3_000, seed=7))
    second = list(generate_residents(3_000, seed=7))
    assert first == second


def test_different_seed_differs() -> None:
    a = list(generate_residents(500, seed=1))
    b = list(generate_residents(500, seed=2))
    assert a != b
    assert [r["nik"] for r in a] != [r["nik"] for r in b]


def test_prefix_is_stable(rows: list[dict[str, str]]) -> None:
    """A shorter run is the start of a longer one (same seed): handy for benchmarks."""
    assert list(generate_residents(1_000, seed=2017, today=TODAY)) == rows[:1_000]


def test_global_random_untouched() -> None:
    import random

    random.seed(99)
    expected = random.random()
    random.seed(99)
    list(generate_residents(200))
    assert random.random() == expected


# --- NIK ---------------------------------------------------------------------------------------


def test_niks_are_16_digits_and_unique(rows: list[dict[str, str]]) -> None:
    niks = [r["nik"] for r in rows]
    assert all(re.fullmatch(r"\d{16}", nik) for nik in niks)
    assert len(set(niks)) == len(niks)


def test_nik_encodes_birth_date_and_sex(rows: list[dict[str, str]]) -> None:
    for row in rows:
        nik = row["nik"]
        birth = parse_date(row["birth_date"])
        day_code = int(nik[6:8])
        sex = "P" if day_code > 40 else "L"
        day = day_code - 40 if day_code > 40 else day_code
        assert sex == row["sex"], row
        assert (day, int(nik[8:10]), nik[10:12]) == (birth.day, birth.month, f"{birth:%y}"), row
        assert int(nik[12:]) >= 1
        assert nik[:2] in PROVINCES_USED


def test_nik_regions(rows: list[dict[str, str]]) -> None:
    regions = Counter(r["nik"][:6] for r in rows)
    local = regions["537103"] / len(rows)
    assert 0.72 <= local <= 0.88
    regencies = {r["nik"][:4] for r in rows}
    assert {"5301", "5302", "5314", "5320", "5310", "5307", "5306"} <= regencies
    others = sum(1 for r in rows if not r["nik"].startswith("53")) / len(rows)
    assert 0 < others < 0.05
    for r in rows:  # kecamatan codes stay in a plausible range
        assert 1 <= int(r["nik"][4:6]) <= 20


def test_all_niks_pass_parse_nik(rows: list[dict[str, str]]) -> None:
    nik_module = pytest.importorskip("station.register.nik")
    for row in rows:
        info = nik_module.parse_nik(row["nik"], today=TODAY)
        assert info.valid, (row["nik"], info.errors)
        assert info.sex == row["sex"]
        assert parse_date(row["birth_date"]) in info.birth_date_candidates


def test_niks_unique_at_large_scale() -> None:
    niks = [r["nik"] for r in generate_residents(200_000, seed=3)]
    assert len(set(niks)) == len(niks)


@pytest.mark.slow
def test_niks_unique_at_one_million() -> None:
    seen: set[str] = set()
    count = 0
    for row in generate_residents(1_000_000):
        seen.add(row["nik"])
        count += 1
    assert count == len(seen) == 1_000_000


@pytest.mark.parametrize("today", [date(2030, 6, 15), date(2028, 2, 29), date(2000, 3, 1)])
def test_other_today_values(today: date) -> None:
    nik_module = pytest.importorskip("station.register.nik")
    for row in generate_residents(2_000, seed=5, today=today):
        birth = parse_date(row["birth_date"])
        assert birth <= today
        assert age_on(birth, today) <= 95
        assert nik_module.parse_nik(row["nik"], today=today).valid, row["nik"]


# --- Ages, values, families --------------------------------------------------------------------


def test_birth_dates_and_age_range(rows: list[dict[str, str]]) -> None:
    ages = [age_on(parse_date(r["birth_date"])) for r in rows]
    assert all(0 <= a <= 95 for a in ages)
    assert all(parse_date(r["birth_date"]) <= TODAY for r in rows)
    # A young population: more children than elderly, and some of every band.
    bands = Counter(min(a // 10, 9) for a in ages)
    assert all(bands[b] > 0 for b in range(10))
    assert bands[0] > bands[4] > bands[7] > bands[9]


def test_coded_values(rows: list[dict[str, str]]) -> None:
    for r in rows:
        assert r["sex"] in {"L", "P"}
        assert r["religion"] in RELIGIONS
        assert r["marital_status"] in MARITAL
        assert r["family_relationship"] in SHDK
        assert r["education"] in EDUCATION
        assert r["blood_type"] in BLOOD
        assert r["occupation"] in OCCUPATIONS
        assert r["nationality"] == "WNI"
        assert r["ektp_recorded"] in {"Y", "T"}
        assert r["status"] == "active"
        assert r["kelurahan"] == "OESAPA"
        assert r["kecamatan"] == "KELAPA LIMA"
        assert re.fullmatch(r"0(0[1-9]|[12]\d|30)", r["rt"]), r["rt"]
        assert re.fullmatch(r"0(0[1-9]|10)", r["rw"]), r["rw"]
        assert r["address"].startswith("JL. ")
        assert r["birth_place"] and r["birth_place"] == r["birth_place"].upper()
        for key in ("name", "father_name", "mother_name"):
            assert r[key] and r[key] == r[key].upper() and r[key] == r[key].strip()


def test_coded_values_are_canonical(rows: list[dict[str, str]]) -> None:
    """Every coded value is already the stored form: importing changes nothing."""
    codes = pytest.importorskip("station.register.codes")
    for kind in codes.KINDS:
        for value in {r[kind] for r in rows}:
            assert codes.normalize_code(kind, value) == value, (kind, value)
            if kind != "occupation":
                assert value in codes.labels(kind), (kind, value)
    assert {r["occupation"] for r in rows} <= set(codes.labels("occupation"))


def test_religion_weights(rows: list[dict[str, str]]) -> None:
    counts = Counter(r["religion"] for r in rows)
    assert counts["KRISTEN"] > counts["KATHOLIK"] > counts["ISLAM"]
    assert counts["ISLAM"] > counts["HINDU"] + counts["BUDHA"] + counts["KHONGHUCU"]
    assert counts["KRISTEN"] / len(rows) > 0.5


def test_kk_numbers(families: list[list[dict[str, str]]]) -> None:
    numbers = [family[0]["kk_number"] for family in families]
    assert len(set(numbers)) == len(numbers), "one KK number per family, families contiguous"
    for number in numbers:
        assert re.fullmatch(r"\d{16}", number)
        assert number[:4] == "5371"
        recorded = date(2000 + int(number[10:12]), int(number[8:10]), int(number[6:8]))
        assert date(2005, 1, 1) <= recorded <= TODAY
        assert int(number[12:]) >= 1
    assert Counter(n[:6] for n in numbers).most_common(1)[0][0] == "537103"


def test_one_head_per_family(families: list[list[dict[str, str]]]) -> None:
    for family in families:
        relations = [r["family_relationship"] for r in family]
        assert relations.count("KEPALA KELUARGA") == 1
        assert relations[0] == "KEPALA KELUARGA"
        assert relations.count("ISTRI") <= 1
    sizes = [len(f) for f in families[:-1]]  # the last family may be cut at N
    assert 3.0 <= sum(sizes) / len(sizes) <= 4.8
    assert max(sizes) <= 10


def test_family_members_share_address(families: list[list[dict[str, str]]]) -> None:
    for family in families:
        assert len({(r["address"], r["rt"], r["rw"]) for r in family}) == 1
        assert len({r["religion"] for r in family}) == 1


def test_children_younger_than_parents(families: list[list[dict[str, str]]]) -> None:
    checked = 0
    for family in families:
        by_name = {r["name"]: r for r in family if r["family_relationship"] != "ANAK"}
        head = family[0]
        for child in (r for r in family if r["family_relationship"] == "ANAK"):
            parents = [
                by_name[n] for n in (child["father_name"], child["mother_name"]) if n in by_name
            ]
            assert head in parents, "the head is always a parent of ANAK"
            child_birth = parse_date(child["birth_date"])
            for parent in parents:
                gap = years_between(parse_date(parent["birth_date"]), child_birth)
                assert 18 <= gap <= 40, (parent, child)
                checked += 1
            father = [p for p in parents if p["name"] == child["father_name"]]
            mother = [p for p in parents if p["name"] == child["mother_name"]]
            assert all(p["sex"] == "L" for p in father)
            assert all(p["sex"] == "P" for p in mother)
    assert checked > N / 3


def test_parents_of_head_are_older(families: list[list[dict[str, str]]]) -> None:
    seen = 0
    for family in families:
        head = family[0]
        for elder in (r for r in family if r["family_relationship"] == "ORANGTUA"):
            assert elder["name"] in (head["father_name"], head["mother_name"])
            gap = years_between(parse_date(elder["birth_date"]), parse_date(head["birth_date"]))
            assert 18 <= gap <= 40
            seen += 1
    assert seen > 0


def test_marital_status_consistent(families: list[list[dict[str, str]]]) -> None:
    for family in families:
        head = family[0]
        for r in family:
            age = age_on(parse_date(r["birth_date"]))
            if age < 17:
                assert r["marital_status"] == "BELUM KAWIN", r
            if r["family_relationship"] == "ISTRI":
                assert r["sex"] == "P" and r["marital_status"] == "KAWIN"
                assert head["sex"] == "L" and head["marital_status"] == "KAWIN"
                assert age >= 17
            if r["family_relationship"] == "ANAK":
                assert r["marital_status"] == "BELUM KAWIN"


def test_names_distinct_within_household(families: list[list[dict[str, str]]]) -> None:
    for family in families:
        names = [r["name"] for r in family]
        assert len(set(names)) == len(names), names


def test_children_carry_a_family_name_mostly(families: list[list[dict[str, str]]]) -> None:
    same = total = 0
    for family in families:
        for child in (r for r in family if r["family_relationship"] == "ANAK"):
            father_last = child["father_name"].split()[-1]
            if child["religion"] in {"KRISTEN", "KATHOLIK"}:
                total += 1
                same += child["name"].endswith(" " + father_last)
    assert total and same / total > 0.85


def test_ektp_share(rows: list[dict[str, str]]) -> None:
    adults = [r for r in rows if is_adult(r)]
    minors = [r for r in rows if not is_adult(r)]
    assert minors and adults
    assert all(r["ektp_recorded"] == "T" for r in minors)
    share_without = sum(r["ektp_recorded"] == "T" for r in adults) / len(adults)
    assert 0.25 <= share_without <= 0.42


# --- CSV ---------------------------------------------------------------------------------------


def test_write_csv(tmp_path) -> None:
    path = tmp_path / "residents.csv"
    assert write_csv(path, 1_234, seed=11) == 1_234
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        data = list(reader)
    assert tuple(header) == RESIDENT_COLUMNS
    assert len(data) == 1_234
    expected = [list(r.values()) for r in generate_residents(1_234, seed=11)]
    assert data == expected


def test_write_csv_accepts_str_path_and_zero_rows(tmp_path) -> None:
    path = str(tmp_path / "empty.csv")
    assert write_csv(path, 0) == 0
    with open(path, encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == [list(RESIDENT_COLUMNS)]
