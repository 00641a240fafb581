"""Field validation: canonical values, one Indonesian message per wrong field."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.letters import CatalogueError, ResidentSnapshot, load_catalogue, validate_fields
from station.letters.catalogue import parse_letter_type_text
from station.letters.fields import FieldSpec, display_value

TODAY = date(2026, 8, 17)
CATALOGUE = load_catalogue()
RESIDENT = ResidentSnapshot(
    nik="5371031708900001",
    name="YOHANES KEBAN",
    birth_date=date(1990, 8, 17),
    sex="L",
    father_name="PETRUS KEBAN",
    mother_name="MARIA KEBAN",
)


def one(spec: FieldSpec, value: str) -> tuple[str | None, str | None]:
    result = validate_fields((spec,), {spec.key: value}, today=TODAY, resident=RESIDENT)
    return result.values.get(spec.key), result.errors.get(spec.key)


@pytest.mark.parametrize(
    ("kind", "typed", "canonical", "shown"),
    [
        ("date", "17-08-2026", "2026-08-17", "17 Agustus 2026"),
        ("date", "17/08/2026", "2026-08-17", "17 Agustus 2026"),
        ("date", "2026-08-17", "2026-08-17", "17 Agustus 2026"),
        ("date", " 1.2.2024 ", "2024-02-01", "1 Februari 2024"),
        ("time", "9.05", "09:05", "09.05"),
        ("time", "23:59", "23:59", "23.59"),
        ("number", " 12 ", "12", "12"),
        ("money", "Rp 1.500.000", "1500000", "Rp1.500.000"),
        ("money", "Rp1.500.000,00", "1500000", "Rp1.500.000"),
        ("money", "750000", "750000", "Rp750.000"),
        ("nik", "5371 0317 0890 0001", "5371031708900001", "5371031708900001"),
        ("kk", "53.7103.0101.150003", "5371030101150003", "5371030101150003"),
        ("text", "  Kios\n\tBerkat \u200b ", "Kios Berkat", "Kios Berkat"),
    ],
)
def test_kinds_normalise(kind: str, typed: str, canonical: str, shown: str) -> None:
    spec = FieldSpec(key="x", label="Isian", kind=kind)
    value, error = one(spec, typed)
    assert error is None
    assert value == canonical
    assert display_value(spec, canonical) == shown


@pytest.mark.parametrize(
    ("kind", "typed", "words"),
    [
        ("date", "31-02-2026", "tanggal"),
        ("date", "kemarin", "tanggal"),
        ("time", "24:00", "jam"),
        ("time", "9", "jam"),
        ("number", "12a", "bilangan bulat"),
        ("number", "-1", "bilangan bulat"),
        ("money", "1,5 juta", "rupiah"),
        ("nik", "5371031713900001", "Bulan lahir"),
        ("nik", "123", "16 digit"),
        ("kk", "5371030101150000", "tidak sah"),
        ("kk", "12345", "16 digit"),
    ],
)
def test_kinds_refuse_with_the_label(kind: str, typed: str, words: str) -> None:
    spec = FieldSpec(key="x", label="Isian Saya", kind=kind)
    value, error = one(spec, typed)
    assert value is None
    assert error is not None and "Isian Saya" in error and words in error


def test_text_limits_pattern_and_upper() -> None:
    specs = (
        FieldSpec(
            key="kp", label="Kode Pos", max_length=5, pattern="[0-9]{5}", pattern_hint="5 angka"
        ),
        FieldSpec(key="nama", label="Nama", upper=True, max_length=10),
    )
    result = validate_fields(specs, {"kp": "8522", "nama": "maria"}, today=TODAY)
    assert result.errors == {"kp": "Kode Pos tidak sesuai format (5 angka)."}
    assert result.values == {"nama": "MARIA"}
    result = validate_fields(specs, {"kp": "85228", "nama": "x" * 11}, today=TODAY)
    assert result.values == {"kp": "85228"}
    assert result.errors == {"nama": "Nama paling banyak 10 karakter (tertulis 11)."}


def test_choice_is_case_insensitive_and_canonical() -> None:
    spec = FieldSpec(key="j", label="Jenis", kind="choice", choices=("KTP-el", "Kartu Keluarga"))
    assert one(spec, "kartu  keluarga") == ("Kartu Keluarga", None)
    value, error = one(spec, "Akta")
    assert value is None and error is not None and "KTP-el, Kartu Keluarga" in error


def test_required_unknown_default_and_prefill() -> None:
    n1 = CATALOGUE.require("N1")
    result = validate_fields(
        n1.fields, {"status_nikah": "jejaka", "warna": "biru"}, today=TODAY, resident=RESIDENT
    )
    assert result.errors == {"warna": "Isian 'warna' tidak dikenal untuk surat ini."}
    # prefill from the register: bin/binti and the parents' names
    assert result.values["bin_binti"] == "PETRUS KEBAN"
    assert result.values["nama_ibu"] == "MARIA KEBAN"
    assert result.values["status_nikah"] == "Jejaka"
    missing = validate_fields(n1.fields, {}, today=TODAY)
    assert missing.errors["status_nikah"] == "Status Perkawinan wajib diisi."
    assert missing.errors["bin_binti"] == "Bin/Binti wajib diisi."  # no resident, no prefill
    skck = CATALOGUE.require("SKCK")
    assert validate_fields(skck.fields, {}, today=TODAY).values == {
        "tujuan": "Polresta Kupang Kota"
    }


def test_date_rules() -> None:
    skk = CATALOGUE.require("SKK")
    date_spec = skk.field("tanggal_meninggal")
    assert date_spec is not None
    assert one(date_spec, "17-08-2026") == ("2026-08-17", None)
    _, error = one(date_spec, "18-08-2026")
    assert error is not None and "sesudah hari ini" in error
    _, error = one(date_spec, "16-08-1990")
    assert error is not None and "sebelum tanggal lahir" in error


@settings(max_examples=300, deadline=None)
@given(
    code=st.sampled_from([t.code for t in CATALOGUE]),
    values=st.dictionaries(
        st.sampled_from(
            [
                "nama_usaha",
                "jenis",
                "tanggal_meninggal",
                "anak_ke",
                "penghasilan",
                "nik_pelapor",
                "pukul_lahir",
                "x",
                "rt_tujuan",
                "id_dtks",
            ]
        ),
        st.text(max_size=40),
        max_size=6,
    ),
)
def test_validation_never_raises_and_is_idempotent(code: str, values: dict[str, str]) -> None:
    letter_type = CATALOGUE.require(code)
    result = validate_fields(letter_type.fields, values, today=TODAY, resident=RESIDENT)
    assert set(result.errors).isdisjoint(result.values)
    again = validate_fields(letter_type.fields, result.values, today=TODAY, resident=RESIDENT)
    assert again.values == result.values
    for value in result.values.values():
        assert "\n" not in value and "\t" not in value


# --- field rules: what a marriage letter says, whose child a letter names -------------------

GROOM = dataclasses.replace(RESIDENT, religion="ISLAM", marital_status="BELUM KAWIN")
BRIDE = dataclasses.replace(
    GROOM, nik="5371035708920002", name="SITI AMINAH", birth_date=date(1992, 8, 17), sex="P"
)


def n1_errors(resident: ResidentSnapshot, **values: str) -> dict[str, str]:
    n1 = CATALOGUE.require("N1")
    return dict(n1.validate(values, today=TODAY, resident=resident).errors)


def test_a_woman_is_never_beristri() -> None:
    errors = n1_errors(BRIDE, status_nikah="Beristri", istri_ke="2")
    assert errors["status_nikah"] == (
        "Status Perkawinan 'Beristri' tidak untuk perempuan; SITI AMINAH tercatat perempuan "
        "(pilihan: Perawan, Janda)."
    )
    assert "istri_ke" not in errors  # one message, on the status
    assert "tidak untuk laki-laki" in n1_errors(GROOM, status_nikah="Perawan")["status_nikah"]
    assert n1_errors(BRIDE, status_nikah="Perawan") == {}


def test_the_status_follows_the_register() -> None:
    married = dataclasses.replace(GROOM, marital_status="KAWIN")
    error = n1_errors(married, status_nikah="Jejaka")["status_nikah"]
    assert error == (
        "Status Perkawinan 'Jejaka' tidak sesuai data penduduk: YOHANES KEBAN tercatat KAWIN, "
        "jadi status perkawinan adalah Beristri."
    )
    assert n1_errors(married, status_nikah="Beristri", istri_ke="2") == {}
    for status in ("Duda", "Beristri"):
        assert (
            "tercatat BELUM KAWIN"
            in n1_errors(GROOM, status_nikah=status, istri_ke="2")["status_nikah"]
        )
    for registered in ("CERAI HIDUP", "CERAI MATI", "CERAI HIDUP TERCATAT"):
        widower = dataclasses.replace(GROOM, marital_status=registered)
        assert "adalah Duda" in n1_errors(widower, status_nikah="Jejaka")["status_nikah"]
        assert n1_errors(widower, status_nikah="Duda") == {}
        widow = dataclasses.replace(BRIDE, marital_status=registered)
        assert "adalah Janda" in n1_errors(widow, status_nikah="Perawan")["status_nikah"]
        assert n1_errors(widow, status_nikah="Janda") == {}
    wife = dataclasses.replace(BRIDE, marital_status="KAWIN")
    assert "masih terikat perkawinan" in n1_errors(wife, status_nikah="Janda")["status_nikah"]


def test_istri_ke_only_and_always_with_beristri() -> None:
    married = dataclasses.replace(GROOM, marital_status="KAWIN")
    assert n1_errors(married, status_nikah="Beristri") == {
        "istri_ke": "Istri ke- wajib diisi untuk status Beristri."
    }
    assert "antara 2 dan 4" in n1_errors(married, status_nikah="Beristri", istri_ke="1")["istri_ke"]
    assert n1_errors(GROOM, status_nikah="Jejaka", istri_ke="2") == {
        "istri_ke": "Istri ke- hanya diisi untuk status Beristri; status perkawinan: Jejaka."
    }


KK = "5371030101150003"
PARENT = dataclasses.replace(RESIDENT, kk_number=KK, family_relationship="KEPALA KELUARGA")
CHILD = ResidentSnapshot(
    nik="5371031005150003",
    name="PAULUS KEBAN",
    birth_date=date(2015, 5, 10),
    sex="L",
    kk_number=KK,
    family_relationship="ANAK",
)
NEPHEW = dataclasses.replace(
    CHILD, nik="5371031005160004", name="ANDI", family_relationship="FAMILI LAIN"
)
STRANGER = dataclasses.replace(CHILD, nik="5371031005170005", kk_number="5371030101150099")
FAMILY = (PARENT, CHILD, NEPHEW, STRANGER)
SCHOOL = {"sekolah": "SMPN 1 Kupang", "penghasilan": "1500000"}


def skpot(resident: ResidentSnapshot = PARENT, family: object = FAMILY, **values: str):  # type: ignore[no-untyped-def]
    letter_type = CATALOGUE.require("SKPOT")
    return letter_type.validate({**SCHOOL, **values}, today=TODAY, resident=resident, family=family)


def test_the_child_on_a_letter_is_a_child_in_the_holders_kk() -> None:
    ok = skpot(nik_anak=CHILD.nik)
    assert ok.errors == {} and ok.values["nama_anak"] == "PAULUS KEBAN"  # from the KK
    assert skpot(nik_anak=CHILD.nik, nama_anak="paulus keban").ok
    wrong_name = skpot(nik_anak=CHILD.nik, nama_anak="Petrus")
    assert "tidak sama dengan data KK" in wrong_name.errors["nama_anak"]
    outside = skpot(nik_anak=STRANGER.nik, nama_anak="SIAPA SAJA")
    assert outside.errors == {
        "nik_anak": f"Anak dengan NIK {STRANGER.nik} tidak tercantum dalam KK YOHANES KEBAN "
        f"(No. KK {KK})."
    }
    assert "FAMILI LAIN, bukan ANAK" in skpot(nik_anak=NEPHEW.nik).errors["nik_anak"]
    gone = dataclasses.replace(CHILD, status="deceased")
    assert "meninggal" in skpot(nik_anak=CHILD.nik, family=(PARENT, gone)).errors["nik_anak"]
    sibling = dataclasses.replace(PARENT, family_relationship="ANAK")
    assert "bukan orang tua" in skpot(sibling, nik_anak=CHILD.nik).errors["nik_anak"]
    assert "NIK pemohon sendiri" in skpot(nik_anak=PARENT.nik).errors["nik_anak"]
    # without the KK (the form, before the preview) the check waits for issuing
    assert skpot(nik_anak=STRANGER.nik, family=None).ok


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ('rule = "nope"', "aturan isian 'nope' tidak dikenal"),
        ('kind = "text"\nrule = "status_nikah"', "'status_nikah' hanya untuk kind = \"choice\""),
        ('kind = "number"\nrule = "istri_ke"', "tambahkan isian itu"),
        ('kind = "choice"\nchoices = ["Lajang"]\nrule = "status_nikah"', "'Lajang' bukan status"),
    ],
)
def test_the_catalogue_checks_field_rules(field: str, problem: str) -> None:
    text = (
        'code = "UJI"\ntitle = "UJI"\nclassification = "400"\n'
        f'[[fields]]\nkey = "x"\nlabel = "X"\n{field}\n'
    )
    with pytest.raises(CatalogueError) as info:
        parse_letter_type_text(text, "UJI.toml")
    assert any(problem in p for p in info.value.problems), info.value.problems
