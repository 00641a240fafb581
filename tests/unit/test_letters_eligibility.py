"""Who may receive which letter, with Indonesian refusals; the effects a letter implies."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from station.letters import (
    ResidentSnapshot,
    check_eligibility,
    letter_effects,
    load_catalogue,
    validate_fields,
)

TODAY = date(2026, 8, 17)
CATALOGUE = load_catalogue()
KK = "5371030101150003"
HEAD = ResidentSnapshot(
    nik="5371031708900001",
    name="YOHANES KEBAN",
    birth_date=date(1990, 8, 17),
    sex="L",
    kk_number=KK,
    marital_status="KAWIN",
    family_relationship="KEPALA KELUARGA",
    address="Jl. Timor Raya No. 12",
    ektp_recorded=True,
    ektp_recorded_on=date(2012, 3, 1),
)
WIFE = ResidentSnapshot(
    nik="5371035708920002",
    name="MARIA KEBAN",
    birth_date=date(1992, 8, 17),
    sex="P",
    kk_number=KK,
    marital_status="KAWIN",
    family_relationship="ISTRI",
    address="Jl. Timor Raya No. 12",
)
CHILD = ResidentSnapshot(
    nik="5371031005150003",
    name="PAULUS KEBAN",
    birth_date=date(2015, 5, 10),
    sex="L",
    kk_number=KK,
    marital_status="BELUM KAWIN",
    family_relationship="ANAK",
    address="Jl. Timor Raya No. 12",
)
OLDER_CHILD = dataclasses.replace(
    CHILD, nik="5371031005120004", name="ANNA KEBAN", birth_date=date(2012, 5, 10)
)


def check(code: str, resident: ResidentSnapshot, **kw: object):  # type: ignore[no-untyped-def]
    return check_eligibility(CATALOGUE.require(code), resident, today=TODAY, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", [t.code for t in CATALOGUE])
def test_moved_and_deceased_residents_are_refused_everywhere(code: str) -> None:
    for status, word in (("moved", "pindah"), ("deceased", "meninggal")):
        result = check(code, dataclasses.replace(HEAD, status=status))
        assert not result.allowed
        assert result.refusals[0].rule == "active"
        assert "YOHANES KEBAN" in result.message and word in result.message


def test_unknown_status_is_refused() -> None:
    result = check("SKD", dataclasses.replace(HEAD, status="hilang"))
    assert not result.allowed and "tidak dikenal" in result.message


def test_sktm_only_for_the_head_and_lists_the_kk() -> None:
    other_kk = dataclasses.replace(CHILD, nik="5371031005150009", kk_number="5371030101150099")
    dead = dataclasses.replace(CHILD, nik="5371031005150010", status="deceased")
    family = [CHILD, HEAD, other_kk, dead, WIFE, OLDER_CHILD, WIFE]
    result = check("SKTM", HEAD, family=family)
    assert result.allowed
    assert [m.name for m in result.dependants] == ["MARIA KEBAN", "ANNA KEBAN", "PAULUS KEBAN"]
    refused = check("SKTM", WIFE, family=family)
    assert not refused.allowed
    assert refused.refusals[0].rule == "kepala_keluarga"
    assert "kepala keluarga" in refused.message and "ISTRI" in refused.message


def test_sktm_needs_a_kk_number() -> None:
    result = check("SKTM", dataclasses.replace(HEAD, kk_number=""))
    assert [r.rule for r in result.refusals] == ["has_kk"]


def test_belum_menikah_only_for_belum_kawin() -> None:
    assert check("SKBM", dataclasses.replace(HEAD, marital_status="BELUM KAWIN")).allowed
    for status in ("KAWIN", "CERAI HIDUP", "CERAI MATI", "KAWIN TERCATAT"):
        result = check("SKBM", dataclasses.replace(HEAD, marital_status=status))
        assert not result.allowed and status in result.message
    unknown = check("SKBM", dataclasses.replace(HEAD, marital_status=""))
    assert "belum tercatat" in unknown.message


def test_ektp_age_marriage_and_recording() -> None:
    young = dataclasses.replace(
        CHILD, birth_date=date(2009, 8, 18), ektp_recorded=False
    )  # 16 years old until tomorrow
    refused = check("EKTP", young)
    assert [r.rule for r in refused.refusals] == ["adult_or_married"]
    assert "17 tahun" in refused.message and "16 tahun" in refused.message
    assert check("EKTP", dataclasses.replace(young, birth_date=date(2009, 8, 17))).allowed
    assert check("EKTP", dataclasses.replace(young, marital_status="KAWIN")).allowed
    recorded = check("EKTP", HEAD)
    assert [r.rule for r in recorded.refusals] == ["ektp_not_recorded"]
    assert "1 Maret 2012" in recorded.message


def test_all_refusals_are_reported_together() -> None:
    young_recorded_moved = dataclasses.replace(
        CHILD, status="moved", ektp_recorded=True, ektp_recorded_on=None
    )
    result = check("EKTP", young_recorded_moved)
    assert [r.rule for r in result.refusals] == ["active", "adult_or_married", "ektp_not_recorded"]


def test_skck_needs_adult_or_married() -> None:
    assert not check("SKCK", CHILD).allowed
    assert check("SKCK", HEAD).allowed


def test_death_letter_marks_the_deceased() -> None:
    skk = CATALOGUE.require("SKK")
    assert check("SKK", HEAD).allowed
    values = validate_fields(
        skk.fields,
        {
            "tanggal_meninggal": "15-08-2026",
            "tempat_meninggal": "RSUD Kupang",
            "sebab_kematian": "Sakit biasa/tua",
            "nama_pelapor": "Maria Keban",
            "nik_pelapor": WIFE.nik,
            "hubungan_pelapor": "Istri",
        },
        today=TODAY,
        resident=HEAD,
    )
    assert values.ok, values.errors
    (effect,) = letter_effects(skk, HEAD, values.values)
    assert effect.kind == "mark_deceased" and effect.status == "deceased"
    assert effect.nik == HEAD.nik and effect.effective_on == date(2026, 8, 15)
    assert "YOHANES KEBAN" in effect.description and "15 Agustus 2026" in effect.description
    # Once recorded, a second death letter is refused and the reprint is suggested.
    again = check("SKK", dataclasses.replace(HEAD, status="deceased"))
    assert not again.allowed and "cetak ulang" in again.message
    # Other letters have no effects.
    assert letter_effects(CATALOGUE.require("SKD"), HEAD, {}) == ()


# --- eligibility a camat would sign ------------------------------------------------------

MUSLIM_MAN = dataclasses.replace(
    HEAD, religion="ISLAM", marital_status="BELUM KAWIN", family_relationship="ANAK"
)
BABY = dataclasses.replace(
    CHILD, nik="5371031508250005", birth_date=date(2025, 8, 15), religion="ISLAM"
)
SEVEN = dataclasses.replace(CHILD, birth_date=date(2019, 3, 1))  # 7 years old


def test_pengantar_nikah_only_from_nineteen() -> None:
    baby = check("N1", BABY)
    assert not baby.allowed
    assert [r.rule for r in baby.refusals] == ["marriage_age"]
    assert "19 tahun" in baby.message and "berumur 1 tahun" in baby.message
    assert "UU 16/2019" in baby.message
    eighteen = dataclasses.replace(MUSLIM_MAN, birth_date=date(2007, 8, 18))
    assert [r.rule for r in check("N1", eighteen).refusals] == ["marriage_age"]
    assert check("N1", dataclasses.replace(eighteen, birth_date=date(2007, 8, 17))).allowed
    assert not check("SPN", dataclasses.replace(eighteen, religion="KRISTEN")).allowed


def test_the_kua_form_is_for_muslims_and_the_general_pengantar_for_others() -> None:
    christian = dataclasses.replace(MUSLIM_MAN, religion="KRISTEN")
    refused = check("N1", christian)
    assert [r.rule for r in refused.refusals] == ["islam"]
    assert "beragama KRISTEN" in refused.message
    assert "Surat Pengantar Nikah (SPN)" in refused.message
    assert check("SPN", christian).allowed
    assert CATALOGUE.require("SPN").field("bin_binti") is None  # no Bin/Binti outside the KUA
    muslim = check("SPN", MUSLIM_MAN)
    assert [r.rule for r in muslim.refusals] == ["not_islam"]
    assert "Pengantar Nikah (N1)" in muslim.message
    assert check("N1", MUSLIM_MAN).allowed
    unknown = check("N1", dataclasses.replace(MUSLIM_MAN, religion=""))
    assert "Agama" in unknown.message and "belum tercatat" in unknown.message


def test_only_residents_free_to_marry_get_a_pengantar_nikah() -> None:
    muslim_wife = dataclasses.replace(WIFE, religion="ISLAM")
    refused = check("N1", muslim_wife)
    assert [r.rule for r in refused.refusals] == ["may_marry"]
    assert "tercatat berstatus KAWIN" in refused.message
    # a Muslim husband may (the KUA checks the court's permission); the form says Beristri
    assert check("N1", dataclasses.replace(MUSLIM_MAN, marital_status="KAWIN")).allowed
    married_christian = dataclasses.replace(HEAD, religion="KATHOLIK")
    assert [r.rule for r in check("SPN", married_christian).refusals] == ["may_marry"]
    widow = dataclasses.replace(muslim_wife, marital_status="CERAI MATI")
    assert check("N1", widow).allowed


def test_adult_acts_are_refused_to_a_child() -> None:
    for code in ("SKBM", "SKU", "SKPOT", "SKL", "SKCK"):
        result = check(code, SEVEN)
        assert not result.allowed, code
        assert "17 tahun" in result.message and "berumur 7 tahun" in result.message, code
    assert check("SKBM", dataclasses.replace(SEVEN, birth_date=date(2009, 8, 17))).allowed
    # a married 16-year-old runs a business and provides for a child
    married = dataclasses.replace(SEVEN, birth_date=date(2010, 1, 1), marital_status="KAWIN")
    for code in ("SKU", "SKPOT"):
        assert check(code, married).allowed, code


def test_which_letters_a_child_may_have() -> None:
    """Every built-in type either certifies an adult act or is open to a child on purpose."""
    open_to_children = {t.code for t in CATALOGUE if check(t.code, SEVEN).allowed}
    assert open_to_children == {"SKD", "SKPD", "SP", "SKK", "SKP", "SKH"}


def test_a_letter_that_prints_the_address_needs_one() -> None:
    """A resident registered without an address: the domicile letter would read
    "Alamat : Kel. OESAPA"; it is refused, saying what to fill in."""
    homeless = dataclasses.replace(HEAD, address="  ", rt="003", rw="002", kelurahan="OESAPA")
    assert CATALOGUE.require("SKD").prints_address
    result = check("SKD", homeless)
    assert not result.allowed
    assert [r.rule for r in result.refusals] == ["has_address"]
    assert "Alamat YOHANES KEBAN belum tercatat" in result.message
    assert "perbarui data penduduk" in result.message
    assert check("SKD", HEAD).allowed
