"""A sample letter Document and queue ticket for the printing tests (no database)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from station.letters.document import (
    DataBlock,
    DataRow,
    Document,
    Paragraph,
    SignerBlock,
    id_row,
)

QR_TEXT = "https://verifikasi.oesapa.example/v/AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA"


def sample_document(**values: str) -> Document:
    """An SKD-like letter; ``values`` override the resident's data fields."""
    v = {
        "name": "YOHANES EMANUEL KEBAN",
        "birth": "KUPANG, 17 Agustus 1990",
        "address": "Jl. Timor Raya No. 12 RT 003 RW 002",
        "occupation": "WIRASWASTA",
        "purpose": "Melamar pekerjaan",
        **values,
    }
    return Document(
        kop=(
            "PEMERINTAH KOTA KUPANG",
            "KECAMATAN KELAPA LIMA",
            "KELURAHAN OESAPA",
            "Jl. Timor Raya No. 1, Kupang 85228",
        ),
        title="SURAT KETERANGAN DOMISILI",
        number="400.12.2.1/001/KEL.OSP/XI/2026",
        opening="Yang bertanda tangan di bawah ini Lurah Oesapa, Kecamatan Kelapa Lima, "
        "Kota Kupang, menerangkan bahwa:",
        subject=DataBlock(
            (
                DataRow("Nama", v["name"]),
                id_row("NIK", "5371031708900001"),
                DataRow("Tempat/Tgl Lahir", v["birth"], "(disamarkan)"),
                DataRow("Pekerjaan", v["occupation"]),
                DataRow("Alamat", v["address"]),
            )
        ),
        body=(
            Paragraph(
                "Orang tersebut di atas benar berdomisili di wilayah Kelurahan Oesapa, "
                "Kecamatan Kelapa Lima, Kota Kupang."
            ),
        ),
        purpose_line=f"Surat keterangan ini diberikan untuk keperluan: {v['purpose']}.",
        validity_line="Berlaku sampai dengan 29 Februari 2027.",
        closing="Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya.",
        signer=SignerBlock(
            place_date="Oesapa, 29 November 2026",
            position="LURAH OESAPA",
            name="MARKUS TALLO, S.Sos",
            rank="Penata Tk. I (III/d)",
            nip="19680411 199303 1 009",
        ),
        holder_name=v["name"],
        type_code="SKD",
        issued_on=dt.date(2026, 11, 29),
        valid_until=dt.date(2027, 2, 28),
        salt=bytes(range(16)),
        qr_text=QR_TEXT,
        verify_address="verifikasi.oesapa.example",
    )


OFFICE_TZ = ZoneInfo("Asia/Makassar")  # Kupang: WITA, UTC+8


def sample_ticket(*, service_name: str = "Surat Keterangan", documents: Any = None) -> Any:
    ticket = SimpleNamespace(
        number="A-012",
        service="A",
        service_name=service_name,
        priority=False,
        priority_reason=None,
        issued_at=dt.datetime(2026, 11, 29, 0, 15, tzinfo=dt.UTC),  # 08:15 WITA, as stored
    )
    docs = ["KTP-el asli", "Kartu Keluarga (KK) asli", "Surat pengantar RT/RW"]
    return SimpleNamespace(
        ticket=ticket,
        ahead=4,
        estimated_wait_min=20,
        documents=docs if documents is None else documents,
    )
