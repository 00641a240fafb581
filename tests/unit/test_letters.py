"""Letter types as data, rendering to a Document, plain-text preview, digest, injection."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from station.home.config import OfficeConfig
from station.letters import (
    CatalogueError,
    DataBlock,
    Document,
    LetterError,
    LetterType,
    OfficeInfo,
    Paragraph,
    PersonList,
    ResidentSnapshot,
    Signer,
    canonical_text,
    document_digest,
    document_from_dict,
    document_to_text,
    load_catalogue,
    render_letter,
    seal,
    validate_fields,
)
from station.letters.catalogue import parse_letter_type_text
from station.letters.document import wrap

ISSUED = date(2026, 8, 17)
SALT = bytes(range(16))
CATALOGUE = load_catalogue()
OFFICE_CONFIG = OfficeConfig(
    lurah_name="Yohanes Benu", lurah_nip="196804111993031009", lurah_rank="Pembina (IV/a)"
)
OFFICE = OfficeInfo.from_object(OFFICE_CONFIG, verify_base_url="https://verifikasi.oesapa.example/")
LURAH = Signer.lurah(OFFICE_CONFIG)
KK = "5371030101150003"
RESIDENT = ResidentSnapshot(
    nik="5371031708900001",
    name="YOHANES EMANUEL KEBAN",
    birth_date=date(1990, 8, 17),
    sex="L",
    kk_number=KK,
    birth_place="KUPANG",
    address="Jl. Timor Raya No. 12",
    rt="003",
    rw="002",
    kelurahan="OESAPA",
    kecamatan="KELAPA LIMA",
    religion="KATHOLIK",
    marital_status="KAWIN",
    occupation="WIRASWASTA",
    education="SLTA/SEDERAJAT",
    family_relationship="KEPALA KELUARGA",
    father_name="PETRUS KEBAN",
    mother_name="MARIA KEBAN",
)
WIFE = ResidentSnapshot(
    nik="5371035708920002",
    name="MARIA GORETI",
    birth_date=date(1992, 8, 17),
    sex="P",
    kk_number=KK,
    birth_place="ENDE",
    family_relationship="ISTRI",
)
SAMPLE = {
    "text": "Contoh isian",
    "date": "10-08-2026",
    "time": "09:30",
    "number": "2",
    "money": "1500000",
    "nik": "5371035708920002",
    "kk": KK,
}

REQUIRED_TYPES = {
    "SKD": "400.12.2.1",  # Keterangan Domisili
    "SKPD": "400.12.2.1",  # Keterangan Penduduk (the Service Box's general certificate)
    "SKTM": "100.2.2.5",  # Keterangan Tidak Mampu
    "SKU": "500.2.2.4",  # Keterangan Usaha
    "SP": "400.12.2.1",  # Pengantar KTP/KK/umum
    "SKCK": "100.2.2.5",  # Pengantar SKCK
    "SKBM": "400.12.3.2",  # Belum Menikah
    "SKL": "400.12.3.1",  # Kelahiran
    "SKK": "400.12.3.1",  # Kematian
    "SKP": "400.12.2.2",  # Pindah
    "SKPOT": "400.3.3.2",  # Penghasilan Orang Tua
    "N1": "400.12.3.2",  # Pengantar Nikah (KUA, Islam)
    "SPN": "400.12.3.2",  # Surat Pengantar Nikah (other religions)
    "SKH": "400.12.2.1",  # Kehilangan
    "EKTP": "400.12.2.1",  # Pengantar Perekaman e-KTP
    "SPKK": "400.12.2.1",  # Pengantar Perubahan KK (the head died or moved)
}


# Values for the fields whose pattern the generic samples do not match.
SAMPLE_BY_KEY = {
    "rt_tujuan": "7",
    "rw_tujuan": "1",
    "kode_pos_tujuan": "85111",
    "nis": "0012345678",
    "id_dtks": "5371030101",
    "status_nikah": "Beristri",  # the sample resident is a married man (N1: istri ke-2)
}
# The general pengantar nikah is not for a married man: its sample is a widower.
SAMPLE_BY_TYPE = {"SPN": {"status_nikah": "Duda"}}
SAMPLE_RESIDENT = {"SPN": dataclasses.replace(RESIDENT, marital_status="CERAI MATI")}


def sample_values(letter_type: LetterType) -> dict[str, str]:
    values = {}
    for spec in letter_type.fields:
        sample = spec.choices[0] if spec.choices else SAMPLE[spec.kind]
        values[spec.key] = SAMPLE_BY_KEY.get(spec.key, sample)
    values.update(SAMPLE_BY_TYPE.get(letter_type.code, {}))
    resident = SAMPLE_RESIDENT.get(letter_type.code, RESIDENT)
    result = validate_fields(letter_type.fields, values, today=ISSUED, resident=resident)
    assert result.ok, result.errors
    return result.values


def render(
    code: str,
    *,
    resident: ResidentSnapshot = RESIDENT,
    values: dict[str, str] | None = None,
    purpose: str = "Persyaratan administrasi",
    signer: Signer = LURAH,
    family: tuple[ResidentSnapshot, ...] = (WIFE,),
) -> Document:
    letter_type = CATALOGUE.require(code)
    return render_letter(
        letter_type,
        OFFICE,
        resident,
        sample_values(letter_type) if values is None else values,
        purpose,
        f"{letter_type.classification}/007/KEL.OSP/VIII/2026",
        ISSUED,
        letter_type.valid_until(ISSUED),
        signer,
        family=family,
        salt=SALT,
    )


# ------------------------------------------------------------------------------------------
# The catalogue


def test_builtin_catalogue_has_the_required_types() -> None:
    assert {t.code: t.classification for t in CATALOGUE} == REQUIRED_TYPES
    for letter_type in CATALOGUE:
        assert letter_type.title.isupper() and letter_type.description
        assert letter_type.eligibility[0] == "active"
        json.dumps(letter_type.to_dict())
    assert CATALOGUE.require("skd").code == "SKD"
    assert [e.kind for e in CATALOGUE.require("SKK").effects] == ["mark_deceased"]
    assert CATALOGUE.require("SKTM").lists_family
    assert CATALOGUE.require("SKU").holder_signature and CATALOGUE.require("SKTM").holder_signature
    assert not CATALOGUE.require("SKD").holder_signature


def test_unknown_and_inactive_codes() -> None:
    with pytest.raises(LetterError, match="SKD, SKPD, SKTM"):
        CATALOGUE.require("XYZ")


def letter_type_has_no_end(code: str) -> bool:
    return CATALOGUE.require(code).valid_until(ISSUED) is None


@pytest.mark.parametrize("code", sorted(REQUIRED_TYPES))
@pytest.mark.parametrize("width", [32, 48])
def test_every_builtin_type_renders(code: str, width: int) -> None:
    doc = render(code)
    text = document_to_text(doc, width)
    assert all(len(line) <= width for line in text.splitlines())
    flat = " ".join(text.split())
    assert doc.title in flat
    assert "YOHANES EMANUEL KEBAN" in flat
    assert "Berlaku :" in flat or letter_type_has_no_end(code)
    assert "{{" not in text and "{%" not in text
    assert document_to_text(doc, width, public=True).count("5371031708900001") == 0


def test_validity_periods() -> None:
    skd = CATALOGUE.require("SKD")
    assert skd.valid_until(date(2026, 8, 17)) == date(2026, 9, 16)
    assert skd.valid_until(date(2026, 12, 17)) == date(2027, 1, 16)
    assert skd.valid_until(date(2026, 1, 31)) == date(2026, 2, 28)
    assert skd.valid_until(date(2026, 3, 1)) == date(2026, 3, 31)
    assert CATALOGUE.require("SKU").valid_until(date(2026, 8, 17)) == date(2027, 2, 16)
    assert CATALOGUE.require("SKK").valid_until(ISSUED) is None
    by_days = dataclasses.replace(skd, validity_months=None, validity_days=30)
    assert by_days.valid_until(date(2026, 8, 17)) == date(2026, 9, 15)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


NEW_TYPE = """
code = "SKIK"
title = "Surat Keterangan Izin Keramaian"
classification = "300.1.4"
validity_days = 7
holder_signature = true

[[fields]]
key = "acara"
label = "Nama Acara"
max_length = 60

[[fields]]
key = "tanggal_acara"
label = "Tanggal Acara"
kind = "date"

[[body]]
text = '''
Akan mengadakan {{ f.acara }}
pada hari {{ v.tanggal_acara | hari }}, {{ f.tanggal_acara }}.'''
"""


def test_home_folder_adds_and_replaces_types(tmp_path: Path) -> None:
    letters = tmp_path / "letters"
    write(letters, "SKIK.toml", NEW_TYPE)
    write(
        letters,
        "domisili.toml",
        'code = "SKD"\ntitle = "SURAT KETERANGAN DOMISILI"\nclassification = "470"\n'
        '[[body]]\ntext = "Teks kantor sendiri."\n',
    )
    catalogue = load_catalogue([letters, tmp_path / "missing"])
    assert len(catalogue) == len(REQUIRED_TYPES) + 1
    assert catalogue.require("SKD").classification == "470"
    assert catalogue.require("SKD").source.endswith("domisili.toml")
    skik = catalogue.require("SKIK")
    values = validate_fields(
        skik.fields, {"acara": "Pesta nikah", "tanggal_acara": "22-08-2026"}, today=ISSUED
    ).values
    doc = render_letter(
        skik,
        OFFICE,
        RESIDENT,
        values,
        "Izin",
        "300.1.4/1/KEL.OSP/VIII/2026",
        ISSUED,
        skik.valid_until(ISSUED),
        LURAH,
        salt=SALT,
    )
    assert doc.body == (Paragraph("Akan mengadakan Pesta nikah pada hari Sabtu, 22 Agustus 2026."),)
    assert doc.validity_line.endswith("23 Agustus 2026")
    only_home = load_catalogue([letters], include_builtin=False)
    assert [t.code for t in only_home] == ["SKD", "SKIK"]


def test_inactive_type_is_kept_but_not_offered(tmp_path: Path) -> None:
    write(
        tmp_path, "a.toml", 'code = "SKCK"\ntitle = "X"\nclassification = "100"\nactive = false\n'
    )
    catalogue = load_catalogue([tmp_path])
    assert "SKCK" not in [t.code for t in catalogue.active_types()]
    with pytest.raises(LetterError, match="tidak aktif"):
        catalogue.require("SKCK")


def test_duplicate_code_in_one_folder(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", NEW_TYPE)
    write(tmp_path, "b.toml", NEW_TYPE)
    with pytest.raises(CatalogueError) as info:
        load_catalogue([tmp_path])
    (problem,) = info.value.problems
    assert "b.toml" in problem and "a.toml" in problem and "SKIK" in problem


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("validity_days = 7", "validity_days = 7\ncolour = 1"), "kunci 'colour' tidak dikenal"),
        (('kind = "date"', 'kind = "tanggal"'), "kunci 'fields[1].kind' 'tanggal' tidak dikenal"),
        (
            ("f.acara", "f.acra"),
            "kunci 'body[0].text' templat memakai isian 'f.acra' yang tidak ada",
        ),
        (("f.acara", "r.umur_ku"), "data penduduk 'r.umur_ku' yang tidak ada"),
        (("f.acara", "f.acara.__class__"), "berawalan _"),
        (("f.acara", "acara"), "nama 'acara' yang tidak dikenal"),
        (("| hari", "| jam"), "filter 'jam' yang tidak dikenal"),
        (("{{ f.acara }}", "{{ f.acara "), "templat tidak dapat dibaca"),
        (("{{ f.acara }}", "{{ f.acara + 1 }}"), "templat gagal dicoba"),
        (('code = "SKIK"', 'code = "skik"'), "kunci 'code'"),
        (('classification = "300.1.4"', 'classification = "abc"'), "kunci 'classification'"),
        (("validity_days = 7", "validity_days = 7\nvalidity_months = 1"), "pilih salah satu"),
        (("validity_days = 7", 'validity_days = "7"'), "harus berupa angka bulat"),
        (("holder_signature = true", "holder_signature = 1"), "true/false"),
        (("validity_days = 7", 'validity_days = 7\neligibility = ["dewasa"]'), "aturan 'dewasa'"),
        (("max_length = 60", 'max_length = 60\npattern = "["'), "ekspresi reguler rusak"),
        (('key = "acara"', 'key = "Acara"'), "kunci 'fields[0].key'"),
        (('key = "tanggal_acara"', 'key = "acara"'), "dipakai dua kali"),
        (('title = "Surat', 'title = "Surat\n'), "berkas TOML rusak"),
    ],
)
def test_mistakes_name_the_file_and_key(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in NEW_TYPE
    write(tmp_path, "SKIK.toml", NEW_TYPE.replace(old, new, 1))
    with pytest.raises(CatalogueError) as info:
        load_catalogue([tmp_path])
    message = str(info.value)
    assert str(tmp_path / "SKIK.toml") in message
    assert expected in message, message


def test_all_problems_of_a_file_at_once(tmp_path: Path) -> None:
    broken = NEW_TYPE.replace('kind = "date"', 'kind = "x"').replace("f.acara", "f.nope")
    write(tmp_path, "SKIK.toml", broken.replace("validity_days = 7", "validity_days = 0"))
    with pytest.raises(CatalogueError) as info:
        load_catalogue([tmp_path])
    problems = "\n".join(info.value.problems)
    assert "'fields[1].kind' 'x' tidak dikenal" in problems
    assert "'f.nope' yang tidak ada" in problems
    assert "'validity_days' harus 1–3660 hari" in problems


def test_effects_must_name_a_date_field() -> None:
    text = NEW_TYPE + '\n[[effects]]\nkind = "mark_deceased"\ndate_field = "acara"\n'
    with pytest.raises(CatalogueError, match="bertipe date"):
        parse_letter_type_text(text, "x.toml")
    ok = NEW_TYPE + '\n[[effects]]\nkind = "mark_deceased"\ndate_field = "tanggal_acara"\n'
    assert parse_letter_type_text(ok, "x.toml").effects[0].date_field == "tanggal_acara"


# ------------------------------------------------------------------------------------------
# The Document (docs/domain.md §4.2)


def test_document_follows_the_domain_layout() -> None:
    doc = render("SKD", values={})
    assert doc.kop == (
        "PEMERINTAH KOTA KUPANG",
        "KECAMATAN KELAPA LIMA",
        "KELURAHAN OESAPA",
        "Jl. Timor Raya, Oesapa, Kode Pos 85228",
    )
    assert doc.title == "SURAT KETERANGAN DOMISILI"
    assert doc.number_line == "Nomor : 400.12.2.1/007/KEL.OSP/VIII/2026"
    assert doc.opening == (
        "Yang bertanda tangan di bawah ini Lurah Oesapa, Kecamatan Kelapa Lima, Kota Kupang, "
        "Provinsi Nusa Tenggara Timur menerangkan dengan sebenarnya bahwa :"
    )
    labels = [row.label for row in doc.subject.rows]
    assert labels == [
        "Nama",
        "NIK",
        "No. KK",
        "Status dalam Keluarga",
        "Tempat/Tgl Lahir",
        "Jenis Kelamin",
        "Alamat",
        "Agama",
        "Status Perkawinan",
        "Pendidikan",
        "Pekerjaan",
        "Kewarganegaraan",
    ]
    values = {row.label: row.value for row in doc.subject.rows}
    assert values["Tempat/Tgl Lahir"] == "KUPANG, 17 Agustus 1990"
    assert values["Jenis Kelamin"] == "LAKI-LAKI"
    assert values["Alamat"] == "Jl. Timor Raya No. 12, RT 003/RW 002, Kel. OESAPA, Kec. KELAPA LIMA"
    assert [r.sensitive for r in doc.subject.rows][:3] == [False, True, True]
    assert doc.body == (
        Paragraph(
            "Nama tersebut di atas adalah benar penduduk Kelurahan Oesapa yang berdomisili di "
            "Jl. Timor Raya No. 12, RT 003/RW 002, Kel. OESAPA, Kec. KELAPA LIMA."
        ),
    )
    assert doc.purpose_line == (
        "Surat keterangan ini dibuat untuk keperluan : Persyaratan administrasi"
    )
    assert doc.validity_line == "Berlaku : 17 Agustus 2026 sampai dengan 16 September 2026"
    assert doc.closing == (
        "Demikian surat keterangan ini dibuat dengan sebenarnya, untuk dipergunakan "
        "sebagaimana mestinya."
    )
    assert doc.signer.lines == (
        "Oesapa, 17 Agustus 2026",
        "LURAH OESAPA",
        "YOHANES BENU",
        "Pembina (IV/a)",
        "NIP 19680411 199303 1 009",
    )
    assert doc.holder_name is None
    assert doc.verify_hint == "Pindai QR untuk memeriksa keaslian surat"
    assert doc.verify_address == "verifikasi.oesapa.example"
    assert doc.qr_text == "" and doc.copy_marker == ""


def test_delegated_signer_signs_atas_nama() -> None:
    delegate = Signer(
        name="Agustina Lay",
        nip="197501012000032001",
        rank="Penata (III/c)",
        position="Sekretaris Kelurahan",
    )
    doc = render("SKD", values={}, signer=delegate)
    assert doc.signer.on_behalf == "a.n. LURAH OESAPA"
    assert doc.signer.lines[:3] == (
        "Oesapa, 17 Agustus 2026",
        "a.n. LURAH OESAPA",
        "SEKRETARIS KELURAHAN",
    )
    assert doc.signer.nip == "19750101 200003 2 001"
    assert "Sekretaris Kelurahan, atas nama Lurah Oesapa, Kecamatan" in doc.opening
    text = document_to_text(doc, 48)
    assert "a.n. LURAH OESAPA" in text and "NIP 19750101 200003 2 001" in text


def test_holder_signature_and_dependants() -> None:
    sktm = render("SKTM", values={}, family=(WIFE, RESIDENT))
    assert sktm.holder_name == "YOHANES EMANUEL KEBAN"
    (people,) = [b for b in sktm.body if isinstance(b, PersonList)]
    assert [p[0].value for p in people.people] == ["MARIA GORETI"]
    assert people.people[0][1].sensitive
    text = document_to_text(sktm, 32)
    assert "Pemegang Surat" in text and "MARIA GORETI" in text
    assert "5371035708920002" in text
    assert "5371035708920002" not in document_to_text(sktm, 32, public=True)
    assert "5371********0002" in document_to_text(sktm, 32, public=True)


def test_rows_leave_out_empty_optional_fields() -> None:
    sku = CATALOGUE.require("SKU")
    values = validate_fields(
        sku.fields,
        {"nama_usaha": "Kios Berkat", "jenis_usaha": "Sembako", "alamat_usaha": "Oesapa"},
        today=ISSUED,
    ).values
    doc = render("SKU", values=values)
    (rows,) = [b for b in doc.body if isinstance(b, DataBlock)]
    assert [r.label for r in rows.rows] == ["Nama Usaha", "Jenis Usaha", "Alamat Usaha"]


def test_purpose_rules() -> None:
    with pytest.raises(LetterError, match="Keperluan"):
        render("SKD", values={}, purpose="  ")
    ektp = render("EKTP", values={}, purpose="")
    assert ektp.purpose_line == "Surat pengantar ini dibuat untuk keperluan : Perekaman KTP-el"
    assert ektp.closing.startswith("Demikian surat pengantar ini")
    skk = render("SKK")
    assert skk.validity_line == ""
    assert skk.body[0] == Paragraph(
        "telah meninggal dunia pada hari Senin, dengan keterangan sebagai berikut :"
    )  # 10 August 2026 is a Monday


def test_valid_until_before_issue_is_refused() -> None:
    skd = CATALOGUE.require("SKD")
    with pytest.raises(LetterError):
        render_letter(skd, OFFICE, RESIDENT, {}, "x", "1", ISSUED, date(2026, 8, 16), LURAH)


# ------------------------------------------------------------------------------------------
# Injection: values are data, never template source

NASTY = [
    "{{ 7*7 }}",
    "{% for x in range(3) %}X{% endfor %}",
    "{0.__class__}",
    "{{ r.__class__.__mro__ }}",
    "${7*7}",
    "%s%s%(x)s",
    "{{ f.nama_usaha }}",
    "{# komentar #}",
    "</p><script>alert(1)</script>",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
]


@pytest.mark.parametrize("nasty", NASTY)
def test_values_are_printed_literally(nasty: str) -> None:
    sku = CATALOGUE.require("SKU")
    values = validate_fields(
        sku.fields,
        {"nama_usaha": nasty, "jenis_usaha": nasty, "alamat_usaha": "Oesapa"},
        today=ISSUED,
    )
    assert values.ok, values.errors
    resident = dataclasses.replace(RESIDENT, name=nasty, address=nasty, occupation=nasty)
    doc = render("SKU", resident=resident, values=values.values, purpose=nasty)
    text = canonical_text(doc)
    assert text.count(nasty) >= 6  # name, address (twice), occupation, two fields, purpose, holder
    assert "49" not in text
    assert "<class" not in text and "XXX" not in text
    preview = document_to_text(doc, 48)
    assert "49" not in preview and "<class" not in preview


def test_templates_cannot_reach_python_internals() -> None:
    attempts = [
        "{{ r.__class__ }}",
        "{{ r['__class__'] }}",
        "{{ f.items.__globals__ }}",
        "{{ (r|attr('__class__')) }}",
        "{{ range(10) }}",
        "{{ lipsum }}",
        "{{ cycler }}",
    ]
    for template in attempts:
        text = NEW_TYPE.replace("Akan mengadakan {{ f.acara }}", template)
        with pytest.raises(CatalogueError):
            parse_letter_type_text(text, "x.toml")


def test_values_cannot_add_lines_or_paragraphs() -> None:
    resident = dataclasses.replace(
        RESIDENT, name="ANA\n\nPARAGRAF BARU\r\n2. NIK : 1", address="a\tb"
    )
    doc = render("SKD", resident=resident, values={})
    assert doc.subject.rows[0].value == "ANA PARAGRAF BARU 2. NIK : 1"
    assert "\n" not in doc.subject.rows[0].value
    assert len(doc.body) == 1


# ------------------------------------------------------------------------------------------
# Digest, storage, copies, the seal


def test_digest_covers_the_letter_but_not_qr_copy_or_width() -> None:
    doc = render("SKU")
    digest = document_digest(doc)
    assert len(digest) == 32
    assert document_digest(render("SKU")) == digest  # same inputs, same salt
    assert document_digest(doc.with_qr("HTTPS://X/V/AAAA")) == digest
    assert document_digest(doc.as_copy(2)) == digest
    assert document_digest(dataclasses.replace(doc, salt=bytes(16))) != digest
    changed = [
        render("SKU", purpose="Lain"),
        render("SKU", resident=dataclasses.replace(RESIDENT, rt="004")),
        dataclasses.replace(doc, number="500.2.2.4/008/KEL.OSP/VIII/2026"),
        dataclasses.replace(doc, holder_name="ORANG LAIN"),
        render("SKU", signer=dataclasses.replace(LURAH, name="Lurah Lain")),
    ]
    for other in changed:
        assert document_digest(other) != digest


def test_canonical_lines_cannot_be_shifted_between_fields() -> None:
    a = dataclasses.replace(render("SKU"), title="A B", number="C")
    b = dataclasses.replace(render("SKU"), title="A", number="B C")
    assert canonical_text(a) != canonical_text(b)


def test_document_round_trips_through_json() -> None:
    doc = render("SKTM", family=(WIFE,)).with_qr("HTTPS://X/V/AAAA")
    data = json.loads(json.dumps(doc.to_dict()))
    again = document_from_dict(data)
    assert again == doc
    assert document_digest(again) == document_digest(doc)


def test_copy_marker_is_printed_and_digest_kept() -> None:
    doc = render("SKD", values={}).as_copy(2)
    text = document_to_text(doc, 32)
    assert text.splitlines()[0].strip() == "*** SALINAN 2 ***"
    assert "SALINAN 2" not in canonical_text(doc)
    with pytest.raises(ValueError):
        doc.as_copy(0)


def test_sealed_document_end_to_end() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    public = seal.raw_public_key(key)
    key_id = seal.key_id_from_public(public)
    doc = render("SKTM", family=(WIFE,))
    payload = seal.payload_for_document(
        doc, office_code=OFFICE.code, holder_name=RESIDENT.name, nik=RESIDENT.nik
    )
    token = seal.seal_letter(key, key_id, payload)
    sealed = doc.with_qr(seal.qr_text(OFFICE.verify_base_url, token))
    assert sealed.qr_text.startswith("HTTPS://VERIFIKASI.OESAPA.EXAMPLE/V/")
    result = seal.verify_token(sealed.qr_text, {key_id: public}, today=ISSUED)
    assert result.status == "valid"
    assert result.payload is not None
    assert result.payload.digest == document_digest(sealed)[:16]
    assert result.payload.number == doc.number and result.payload.type_code == "SKTM"
    assert result.payload.nik_masked == "5371********0001"
    assert "[ QR ]" in document_to_text(sealed, 32)


# ------------------------------------------------------------------------------------------
# Plain-text wrapping

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC.,:/-0123456789", min_size=1, max_size=14)


@settings(max_examples=300, deadline=None)
@given(st.lists(words, max_size=40), st.integers(20, 60), st.integers(0, 10))
def test_wrap_keeps_words_whole_and_lines_short(ws: list[str], width: int, indent: int) -> None:
    text = " ".join(ws)
    lines = wrap(text, width, first="*" * indent, rest=" " * indent)
    assert all(len(line) <= width for line in lines)
    body = [line[indent:] for line in lines]
    flat = [w for line in body for w in line.split()]
    if all(len(w) <= width - indent for w in ws):
        assert flat == text.split()  # no word that fits a line is ever split
    else:  # only a word longer than a line is cut, and nothing is lost
        assert "".join(flat) == "".join(text.split())


@settings(max_examples=100, deadline=None)
@given(
    st.text(min_size=1, max_size=90).filter(str.strip),
    st.text(max_size=120),
    st.sampled_from([32, 48]),
)
def test_preview_lines_fit_for_any_values(name: str, purpose: str, width: int) -> None:
    resident = dataclasses.replace(RESIDENT, name=name, address=purpose)
    doc = render("SKTM", resident=resident, purpose=f"{purpose} x", family=(WIFE,))
    text = document_to_text(doc, width)
    assert all(len(line) <= width for line in text.splitlines())


def test_full_identity_numbers_only_in_maskable_rows() -> None:
    with_nik_field = (
        NEW_TYPE + '\n[[fields]]\nkey = "nik_saksi"\nlabel = "NIK Saksi"\nkind = "nik"\n'
    )
    for reference in ("r.nik", "r.no_kk", "f.nik_saksi", "v.nik_saksi"):
        text = with_nik_field.replace("{{ f.acara }}", "{{ " + reference + " }}", 1)
        with pytest.raises(CatalogueError, match="tidak boleh ditulis di dalam kalimat"):
            parse_letter_type_text(text, "x.toml")
    # In rows they are fine: the public view masks them.
    rows = with_nik_field + '\n[[body]]\nrows = ["nik_saksi", "r.nik"]\n'
    assert parse_letter_type_text(rows, "x.toml").body[-1].rows == ("nik_saksi", "r.nik")  # type: ignore[union-attr]


def test_letter_type_validate_names_the_letter() -> None:
    result = CATALOGUE.require("SKU").validate({"warna": "x"}, today=ISSUED)
    assert result.errors["warna"] == "Isian 'warna' tidak dikenal untuk Surat Keterangan Usaha."
    assert result.errors["nama_usaha"] == "Nama Usaha wajib diisi."


def test_resident_snapshot_freezes_and_thaws() -> None:
    data = json.loads(json.dumps(RESIDENT.to_dict()))
    assert ResidentSnapshot.from_mapping(data) == RESIDENT
    row = type("Row", (), {**RESIDENT.to_dict(), "birth_date": RESIDENT.birth_date, "id": 7})()
    assert ResidentSnapshot.from_object(row) == RESIDENT
    with pytest.raises(LetterError, match="tanggal lahir"):
        ResidentSnapshot.from_mapping({"nik": RESIDENT.nik, "name": "X", "sex": "L"})


def test_office_from_a_database_row() -> None:
    row = type(
        "Office",
        (),
        {
            "code": "53.71.03.1011",
            "name": "Lasiana",
            "kecamatan": "Kelapa Lima",
            "kota": "Kota Kupang",
            "provinsi": "Nusa Tenggara Timur",
            "address": "Jl. Adi Sucipto",
            "postal_code": "85228",
            "unit_code": "KEL.LSN",
            "verify_base_url": "https://lasiana.example/",
        },
    )()
    office = OfficeInfo.from_object(row)
    assert office.kop_lines()[2] == "KELURAHAN LASIANA"
    assert office.head_title == "LURAH LASIANA"
    assert office.verify_base_url == "https://lasiana.example/"


@pytest.mark.parametrize("code", sorted(REQUIRED_TYPES))
def test_public_view_gives_no_way_back_to_a_full_nik(code: str) -> None:
    """Masked NIK plus birth date and sex would be the NIK again: the public view hides the
    identity numbers and the residents' birth dates (subject and dependants)."""
    doc = render(code, family=(WIFE,))
    public = " ".join(document_to_text(doc, 48, public=True).split())
    paper = " ".join(document_to_text(doc, 48).split())
    for secret in (RESIDENT.nik, WIFE.nik, KK, "17 Agustus 1990", "17 Agustus 1992"):
        assert secret not in public
    assert RESIDENT.nik in paper
    assert "5371********0001" in public
    if "ttl" in CATALOGUE.require(code).subject_rows:
        assert "17 Agustus 1990" in paper and "KUPANG, (disamarkan)" in public


def test_birth_dates_are_refused_in_running_text() -> None:
    for reference in ("r.ttl", "r.tanggal_lahir", "r.umur"):
        text = NEW_TYPE.replace("{{ f.acara }}", "{{ " + reference + " }}", 1)
        with pytest.raises(CatalogueError, match="tidak boleh ditulis di dalam kalimat"):
            parse_letter_type_text(text, "x.toml")
