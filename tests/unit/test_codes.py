"""Tests for station.register.codes: the docs/domain.md §2.2 value lists and normalize_code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.register import codes
from station.register.codes import (
    CODE_LISTS,
    CodeError,
    code_of,
    labels,
    normalize_code,
    normalizer,
)
from station.store.models import Resident


@pytest.mark.parametrize("kind", list(CODE_LISTS))
def test_every_label_and_code_round_trips(kind: str) -> None:
    for code, value in CODE_LISTS[kind]:
        assert normalize_code(kind, value) == value
        assert normalize_code(kind, value.lower()) == value
        assert normalize_code(kind, f"  {value}  ") == value
        assert code_of(kind, value) == code
        if code is not None:
            assert normalize_code(kind, str(code)) == value
            assert normalize_code(kind, f"{code:02d}") == value
            assert normalize_code(kind, f"{code}.0") == value  # a number cell as text


@pytest.mark.parametrize("kind", list(CODE_LISTS))
def test_labels_are_distinct_after_normalising(kind: str) -> None:
    keyfn = codes._blood_key if kind == "blood_type" else codes._key
    keys = [keyfn(value) for _code, value in CODE_LISTS[kind]]
    assert len(set(keys)) == len(keys)
    numbers = [code for code, _value in CODE_LISTS[kind] if code is not None]
    assert len(set(numbers)) == len(numbers)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("religion", "Katolik", "KATHOLIK"),
        ("religion", "Kristen Protestan", "KRISTEN"),
        ("religion", "Protestan", "KRISTEN"),
        ("religion", "Buddha", "BUDHA"),
        ("religion", "Kong Hu Cu", "KHONGHUCU"),
        ("religion", "kepercayaan", "KEPERCAYAAN TERHADAP TUHAN YME / LAINNYA"),
        ("religion", "Kepercayaan Terhadap Tuhan YME/Lainnya", codes.RELIGION[6][1]),
        ("sex", "Laki-laki", "L"),
        ("sex", "LAKI LAKI", "L"),
        ("sex", "LK", "L"),
        ("sex", "1", "L"),
        ("sex", "l", "L"),
        ("sex", "Perempuan", "P"),
        ("sex", "PR", "P"),
        ("sex", "2", "P"),
        ("sex", "wanita", "P"),
        ("marital_status", "Cerai Mati", "CERAI MATI"),
        ("marital_status", "cerai-mati", "CERAI MATI"),
        ("marital_status", "CERAI  HIDUP", "CERAI HIDUP"),
        ("marital_status", "Kawin Tercatat", "KAWIN TERCATAT"),
        ("marital_status", "kawin belum tercatat", "KAWIN BELUM TERCATAT"),
        ("marital_status", "Cerai Hidup Belum Tercatat", "CERAI HIDUP BELUM TERCATAT"),
        ("marital_status", "4", "CERAI MATI"),
        ("family_relationship", "Kepala Keluarga", "KEPALA KELUARGA"),
        ("family_relationship", "Orang Tua", "ORANGTUA"),
        ("family_relationship", "isteri", "ISTRI"),
        ("family_relationship", "11", "LAINNYA"),
        ("education", "Tidak / Belum Sekolah", "TIDAK/BELUM SEKOLAH"),
        ("education", "DIPLOMA IV/ STRATA I", "DIPLOMA IV/STRATA I"),  # OpenSID spacing
        ("education", "Akademi/ Diploma III/S. Muda", "AKADEMI/DIPLOMA III/S. MUDA"),
        ("education", "9", "STRATA II"),
        ("education", "10", "STRATA III"),
        ("education", "S1", "DIPLOMA IV/STRATA I"),
        ("education", "SMA", "SLTA/SEDERAJAT"),
        ("blood_type", "a", "A"),
        ("blood_type", "A+", "A+"),
        ("blood_type", "a -", "A-"),
        ("blood_type", "AB\u2212", "AB-"),  # Unicode minus sign
        ("blood_type", "O Positif", "O+"),
        ("blood_type", "tidak tahu", "TIDAK TAHU"),
        ("blood_type", "TIDAK_TAHU", "TIDAK TAHU"),  # OpenSID enum spelling
        ("blood_type", "13", "TIDAK TAHU"),
        ("blood_type", "5", "A+"),
        ("nationality", "wni", "WNI"),
        ("nationality", "Warga Negara Asing", "WNA"),
        ("nationality", "3", "DUA KEWARGANEGARAAN"),
        ("occupation", "Petani/Pekebun", "PETANI/PEKEBUN"),
        ("occupation", "petani / pekebun", "PETANI/PEKEBUN"),
        ("occupation", "PNS", "PEGAWAI NEGERI SIPIL (PNS)"),
        ("occupation", "Aparatur Sipil Negara (ASN)", "PEGAWAI NEGERI SIPIL (PNS)"),
        ("occupation", "Anggota DPR RI", "ANGGOTA DPR-RI"),
        ("occupation", "1", "BELUM/TIDAK BEKERJA"),
        ("occupation", "88", "WIRASWASTA"),
        ("status", "HIDUP", "active"),
        ("status", "Pindah", "moved"),
        ("status", "MATI", "deceased"),
        ("status", "meninggal", "deceased"),
        ("status", "Meninggal Dunia", "deceased"),
        ("status", "1", "active"),
        ("status", "2", "deceased"),
        ("status", "3", "moved"),
        ("agama", "islam", "ISLAM"),  # Indonesian kind name
        ("pekerjaan", "guru", "GURU"),
    ],
)
def test_spelling_variants(kind: str, value: str, expected: str) -> None:
    assert normalize_code(kind, value) == expected
    assert normalizer(kind)(value) == expected


def test_domain_occupation_examples_and_count() -> None:
    assert len(codes.OCCUPATION) == 89
    assert [c for c, _v in codes.OCCUPATION] == list(range(1, 90))
    expected = {
        1: "BELUM/TIDAK BEKERJA",
        2: "MENGURUS RUMAH TANGGA",
        3: "PELAJAR/MAHASISWA",
        4: "PENSIUNAN",
        9: "PETANI/PEKEBUN",
        11: "NELAYAN/PERIKANAN",
        15: "KARYAWAN SWASTA",
        19: "BURUH HARIAN LEPAS",
        42: "PENDETA",
        65: "GURU",
        84: "PEDAGANG",
        88: "WIRASWASTA",
        89: "LAINNYA",
    }
    for code, label in expected.items():
        assert normalize_code("occupation", str(code)) == label


def test_education_has_correct_strata_labels() -> None:
    assert labels("education")[-2:] == ("STRATA II", "STRATA III")
    assert labels("education").count("DIPLOMA IV/STRATA I") == 1


def test_marital_status_118_2017_values_have_no_invented_codes() -> None:
    for value in (
        "KAWIN TERCATAT",
        "KAWIN BELUM TERCATAT",
        "CERAI HIDUP TERCATAT",
        "CERAI HIDUP BELUM TERCATAT",
    ):
        assert code_of("marital_status", value) is None
    with pytest.raises(CodeError):
        normalize_code("marital_status", "5")


def test_unknown_occupation_label_is_free_text_but_unknown_number_is_refused() -> None:
    assert normalize_code("occupation", "  tukang   ojek ") == "TUKANG OJEK"
    with pytest.raises(CodeError) as info:
        normalize_code("occupation", "90")
    assert info.value.kind == "occupation"
    assert info.value.value == "90"
    assert "Pekerjaan" in info.value.message and "90" in info.value.message
    with pytest.raises(CodeError, match="terlalu panjang"):
        normalize_code("occupation", "X" * 61)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("religion", "Jedi"),
        ("religion", "8"),
        ("religion", "0"),
        ("sex", "X"),
        ("sex", "3"),
        ("sex", ""),
        ("sex", "   "),
        ("blood_type", "C"),
        ("blood_type", "14"),
        ("status", "HILANG"),  # OpenSID 4: no equivalent, refused rather than guessed
        ("status", "4"),
        ("marital_status", "JANDA"),
        ("family_relationship", "12"),
        ("nationality", "MARS"),
        ("education", "11"),
    ],
)
def test_unknown_values_raise_code_error_in_indonesian(kind: str, value: str) -> None:
    with pytest.raises(CodeError) as info:
        normalize_code(kind, value)
    err = info.value
    assert err.kind == kind and err.value == value
    assert codes.KIND_LABELS[kind] in err.message
    assert str(err) == err.message
    assert isinstance(err, ValueError)


def test_number_cell_text_is_not_misread() -> None:
    # "1.0" must be code 1, never "10" after punctuation is dropped.
    assert normalize_code("education", "1.0") == "TIDAK/BELUM SEKOLAH"
    assert normalize_code("education", "10") == "STRATA III"


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown code kind"):
        normalize_code("shoe_size", "42")


def test_stored_values_fit_the_resident_columns() -> None:
    columns = Resident.__table__.columns
    for kind, pairs in CODE_LISTS.items():
        width = columns[kind].type.length
        for _code, value in pairs:
            assert len(value) <= width, (kind, value)
    assert codes._FREE_TEXT_MAX["occupation"] <= columns["occupation"].type.length


def test_cache_does_not_mix_kinds() -> None:
    assert normalize_code("sex", "1") == "L"
    assert normalize_code("religion", "1") == "ISLAM"
    assert normalize_code("status", "2") == "deceased"
    assert normalize_code("sex", "2") == "P"


@given(st.sampled_from(list(CODE_LISTS)), st.text(max_size=30))
def test_normalize_code_only_ever_raises_code_error(kind: str, value: str) -> None:
    try:
        result = normalize_code(kind, value)
    except CodeError as exc:
        assert exc.message
    else:
        if kind != "occupation":
            assert result in labels(kind)
        # Idempotent: a stored value normalises to itself.
        assert normalize_code(kind, result) == result
