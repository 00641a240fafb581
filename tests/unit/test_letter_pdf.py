"""Letters as F4/A4 PDF (station.printing.pdf): read back with poppler and zxing-cpp.

Every built-in type, sealed with a fixed key: the text a person reads holds the number, the
holder, the purpose and the signer; the QR a scanner reads from the rendered page is the
letter's own and verifies; the page is F4 (215 x 330 mm) or A4 (210 x 297 mm), one page;
the first page looks like its golden picture (``STATION_UPDATE_GOLDEN=1`` rewrites them).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image, ImageChops, ImageStat

from station.letters import Document, seal
from station.printing.pdf import PdfError, letter_pdf, printable
from tests.helpers.pdf_reader import first_page_png, page_qr, pdf_pages, pdf_text
from tests.unit.test_letters import ISSUED, OFFICE, REQUIRED_TYPES, RESIDENT, render

GOLDEN = Path(__file__).parent / "golden" / "pdf"
GOLDEN_DPI = 24  # small files: a 215 x 330 mm page is 203 x 312 pixels
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = seal.raw_public_key(KEY)
KEY_ID = seal.key_id_from_public(PUBLIC)
PURPOSE = "Persyaratan administrasi"


def sealed(code: str) -> Document:
    doc = render(code, purpose=PURPOSE)
    payload = seal.payload_for_document(
        doc, office_code=OFFICE.code, holder_name=RESIDENT.name, nik=RESIDENT.nik
    )
    token = seal.seal_letter(KEY, KEY_ID, payload)
    return doc.with_qr(seal.qr_text(OFFICE.verify_base_url, token))


@pytest.mark.parametrize("code", sorted(REQUIRED_TYPES))
def test_every_type_prints_on_one_f4_page_and_its_qr_verifies(code: str) -> None:
    doc = sealed(code)
    data = letter_pdf(doc, "f4")
    assert data.startswith(b"%PDF-")
    assert len(data) <= 100_000
    assert pdf_pages(data) == [(215.0, 330.0)]
    text = pdf_text(data)
    assert doc.number in text
    assert RESIDENT.name in text
    assert doc.signer.name in text and doc.signer.position in text
    if doc.purpose_line:
        assert PURPOSE in text
    assert doc.title in text and "SALINAN" not in text
    page = first_page_png(data, 150)
    found = page_qr(page)
    assert [qr for qr, _ in found] == [doc.qr_text]
    assert found[0][1] / 150 * 25.4 >= 25.0  # the code is at least 25 mm wide on paper
    check = seal.verify_token(found[0][0], {KEY_ID: PUBLIC}, today=ISSUED)
    assert check.status == "valid"
    assert check.payload is not None and check.payload.number == doc.number


@pytest.mark.parametrize("code", sorted(REQUIRED_TYPES))
def test_every_type_fits_one_a4_page(code: str) -> None:
    data = letter_pdf(sealed(code), "a4")
    assert pdf_pages(data) == [(210.0, 297.0)]


@pytest.mark.parametrize("code", sorted(REQUIRED_TYPES))
def test_first_page_matches_its_golden_picture(code: str) -> None:
    page = first_page_png(letter_pdf(sealed(code), "f4"), GOLDEN_DPI)
    golden = GOLDEN / f"{code}.png"
    if os.environ.get("STATION_UPDATE_GOLDEN") == "1":
        page.save(golden, optimize=True)
    want = Image.open(golden).convert("L")
    assert page.size == want.size
    diff = ImageChops.difference(page, want)
    # Anti-aliasing may move a little between poppler versions; a moved block, a missing
    # line or another layout moves far more than 1.5 grey levels on average.
    assert ImageStat.Stat(diff).mean[0] < 1.5, f"{code}: the page no longer looks like {golden}"


def test_a_reprint_carries_salinan_and_the_same_qr() -> None:
    doc = sealed("SKD")
    copy = letter_pdf(doc.as_copy(2), "f4")
    text = pdf_text(copy)
    assert text.count("SALINAN 2") == 2  # at the top and beside the QR, as on the receipt
    assert doc.number in text
    assert [qr for qr, _ in page_qr(first_page_png(copy, 150))] == [doc.qr_text]


def test_indonesian_names_keep_their_letters() -> None:
    doc = sealed("SKD")
    name = dataclasses.replace(doc.subject.rows[0], value="ÑOMÉ SÜLÊ D'SOUZA 王")
    subject = dataclasses.replace(doc.subject, rows=(name, *doc.subject.rows[1:]))
    text = pdf_text(letter_pdf(dataclasses.replace(doc, subject=subject), "f4"))
    assert "ÑOMÉ SÜLÊ D'SOUZA ?" in text  # the CJK sign has no glyph: a visible "?"
    assert printable("Ŝ€–") == "Ŝ€–" and printable("王\u200b") == "?"


def test_logo_is_printed_when_configured_and_skipped_when_missing(tmp_path: Path) -> None:
    logo = tmp_path / "lambang.png"
    Image.new("L", (60, 70), 0).save(logo)
    doc = sealed("SKD")
    plain = letter_pdf(doc, "f4")
    with_logo = letter_pdf(doc, "f4", logo=logo)
    assert b"/Subtype /Image" in with_logo and b"/Subtype /Image" not in plain
    assert letter_pdf(doc, "f4", logo=tmp_path / "missing.png") == plain
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    assert letter_pdf(doc, "f4", logo=broken) == plain


def test_unknown_paper_and_unsafe_qr_are_refused() -> None:
    doc = sealed("SKD")
    with pytest.raises(PdfError):
        letter_pdf(doc, "letter")
    with pytest.raises(PdfError):
        letter_pdf(dataclasses.replace(doc, qr_text="HTTPS://X/\x1b"), "f4")


def test_same_letter_gives_the_same_bytes() -> None:
    doc = sealed("SKTM")
    assert letter_pdf(doc, "f4") == letter_pdf(doc, "f4")


def test_each_type_says_its_paper_and_a_wrong_one_is_named() -> None:
    from station.letters import CatalogueError, load_catalogue
    from station.letters.catalogue import parse_letter_type_text

    catalogue = load_catalogue()
    papers = {t.code: t.paper for t in catalogue}
    assert {code for code, paper in papers.items() if paper == "f4"} == {
        "N1", "SPN", "SKCK", "SKK", "SKL", "SKP"
    }  # fmt: skip
    assert papers["SKD"] == "receipt" and catalogue.default_paper("skd") == "receipt"
    assert catalogue.default_paper("SKCK") == "f4" and catalogue.default_paper("NOPE") == "receipt"
    base = 'code = "X"\ntitle = "SURAT X"\nclassification = "400.12.2.1"\n'
    assert parse_letter_type_text(base + 'paper = "A4"\n', "x.toml").paper == "a4"
    with pytest.raises(CatalogueError) as caught:
        parse_letter_type_text(base + 'paper = "letter"\n', "x.toml")
    assert "x.toml: kunci 'paper'" in str(caught.value.problems)


def test_a_delegated_signer_signs_atas_nama_on_the_page() -> None:
    from station.letters import Signer

    delegate = Signer("Maria Goreti Bria", "198001012005012003", "Penata (III/c)", "Sekretaris")
    doc = render("SKD", signer=delegate)
    text = pdf_text(letter_pdf(doc.with_qr("HTTPS://VERIFIKASI.OESAPA.EXAMPLE/V/AAAA"), "f4"))
    lines = doc.signer.lines
    assert lines[1].startswith("a.n. ") and all(line in text for line in lines)
    # the signer's lines in the Document's order, the name after the room for the stamp
    assert [text.index(line) for line in lines] == sorted(text.index(line) for line in lines)
