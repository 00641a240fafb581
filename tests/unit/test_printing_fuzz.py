"""Hypothesis: whatever a data field holds (control bytes, ESC/GS sequences, non-Latin text),
the job has only Station's own commands, fits the paper, and keeps the QR exact."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station.letters.document import DataBlock, DataRow, Paragraph, SignerBlock
from station.printing import build_job, letter_ops, ticket_ops
from station.printing.layout import PrintSettings
from tests.helpers.escpos_reader import parse
from tests.helpers.printing_samples import OFFICE_TZ, QR_TEXT, sample_document, sample_ticket

CONTROL = st.sampled_from(
    ["\x1b@", "\x1bp\x00\x19\xfa", "\x1dV\x00", "\x1dVA\x10", "\x10\x14\x01\x00\x05",
     "\x1b!\x38", "\x1bt\x10", "\x1c.", "\x1b\x61\x01", "\x7f", "\x85", "\x9b", "\n", "\r",
     "\t", "\x00", "\u2028"]
)  # fmt: skip
NON_LATIN = st.sampled_from(["王小明", "محمد", "Ψυχή", "Ærøskøbing", "ﬁ", "Ａ", "\u200b", "\u202e"])
FIELD = st.lists(st.one_of(CONTROL, NON_LATIN, st.text(max_size=12)), max_size=8).map("".join)
PAPER = st.sampled_from([(58, ""), (80, ""), (80, "TM-T88V"), (58, "POS-5890")])


def _check(job: bytes, columns: int, small_columns: int = 0) -> None:
    parsed = parse(job)  # raises on any command Station does not write itself
    assert job.startswith(b"\x1b@") and parsed.commands.count("ESC @") == 1
    assert parsed.cuts <= 1 and parsed.commands.count("GS V") == parsed.cuts
    if parsed.cuts:
        assert parsed.commands[-1] == "GS V"
    # font B lines (58 mm letters) are as wide as font B allows, the others as font A
    for line, small in zip(parsed.lines, parsed.small, strict=True):
        assert len(line) <= (small_columns if small else columns)
    if not parsed.rasters:  # raster data is binary; the parser has checked its framing
        for chunk in (b"\x1bp", b"\x10\x14", b"\x1bt", b"\x1c"):
            assert chunk not in job


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.lists(FIELD, min_size=14, max_size=14), paper=PAPER)
def test_every_letter_field_is_sanitised(fields: list[str], paper: tuple[int, str]) -> None:
    f = iter(fields)
    doc = sample_document(name=next(f), birth=next(f), address=next(f), occupation=next(f))
    doc = replace(
        doc,
        kop=(next(f), "KELURAHAN OESAPA"),
        title=next(f),
        number=next(f),
        opening=next(f),
        subject=DataBlock((*doc.subject.rows, DataRow(next(f), next(f))), title=""),
        body=(Paragraph(next(f)),),
        purpose_line=next(f),
        signer=SignerBlock(next(f), "LURAH", doc.signer.name, nip="1"),
    ).as_copy(3)
    s = PrintSettings(*paper)
    job = build_job(letter_ops(doc, s), s)
    _check(job, s.columns, s.small_columns)
    parsed = parse(job)
    if s.native_qr:
        assert parsed.native_qr == [QR_TEXT.encode()]


@settings(max_examples=60, deadline=None)
@given(office=FIELD, service=FIELD, number=FIELD, docs=st.lists(FIELD, max_size=4), paper=PAPER)
def test_every_ticket_field_is_sanitised(
    office: str, service: str, number: str, docs: list[str], paper: tuple[int, str]
) -> None:
    issued = sample_ticket(service_name=service, documents=docs)
    issued.ticket.number = number
    s = PrintSettings(*paper)
    _check(build_job(ticket_ops(issued, office, s, tz=OFFICE_TZ), s), s.columns)
