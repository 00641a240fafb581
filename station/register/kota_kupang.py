"""Kota Kupang (53.71): its 6 kecamatan and 51 kelurahan, as Kemendagri codes and names.

Source: the Kemendagri code table of Kepmendagri No 300.2.2-2138 Tahun 2025 ("Pemberian dan
Pemutakhiran Kode, Data Wilayah Administrasi Pemerintahan dan Pulau"), as transcribed in the
public data set cahyadsn/wilayah (db/wilayah.sql, commit b7ad440, 2026-08-08). The codes of
Kecamatan Kelapa Lima agree with the built-in table Station shipped before (regions.py).

What is not certain: the transcription was not compared line by line with the signed
Kepmendagri document; a kelurahan's written name may differ from local usage (Kemendagri
writes "Naikoten Dua", "Bakunase Dua", "Lai Lai Bisi Kopan"; offices often write "Naikoten
II", "Bakunase II", "LLBK"). The codes are what Station keys on, never the names; an office
whose code differs in a newer Kepmendagri fixes it with ``station office edit``.
Kemendagri codes only: BPS codes differ (docs/domain.md §1.4) and must never be used here.
"""

from __future__ import annotations

KOTA_KUPANG = "53.71"

KECAMATAN: dict[str, str] = {
    "53.71.01": "Alak",
    "53.71.02": "Maulafa",
    "53.71.03": "Kelapa Lima",
    "53.71.04": "Oebobo",
    "53.71.05": "Kota Raja",
    "53.71.06": "Kota Lama",
}

KELURAHAN: dict[str, str] = {
    "53.71.01.1001": "Namosain",
    "53.71.01.1002": "Nunbaun Sabu",
    "53.71.01.1003": "Nunbaun Delha",
    "53.71.01.1004": "Nunhila",
    "53.71.01.1005": "Fatufeto",
    "53.71.01.1006": "Manutapen",
    "53.71.01.1007": "Mantasi",
    "53.71.01.1008": "Alak",
    "53.71.01.1009": "Batu Plat",
    "53.71.01.1010": "Manulai II",
    "53.71.01.1011": "Naioni",
    "53.71.01.1012": "Penkase Oeleta",
    "53.71.02.1001": "Oepura",
    "53.71.02.1002": "Maulafa",
    "53.71.02.1003": "Penfui",
    "53.71.02.1004": "Naimata",
    "53.71.02.1005": "Bello",
    "53.71.02.1006": "Fatukoa",
    "53.71.02.1007": "Kolhua",
    "53.71.02.1008": "Sikumana",
    "53.71.02.1009": "Naikolan",
    "53.71.03.1001": "Kelapa Lima",
    "53.71.03.1010": "Oesapa",
    "53.71.03.1011": "Lasiana",
    "53.71.03.1014": "Oesapa Barat",
    "53.71.03.1015": "Oesapa Selatan",
    "53.71.04.1001": "Oebobo",
    "53.71.04.1008": "Oetete",
    "53.71.04.1009": "Oebufu",
    "53.71.04.1010": "Liliba",
    "53.71.04.1011": "Fatululi",
    "53.71.04.1013": "Kayu Putih",
    "53.71.04.1014": "Tuak Daun Merah",
    "53.71.05.1001": "Bakunase",
    "53.71.05.1002": "Bakunase Dua",
    "53.71.05.1003": "Airnona",
    "53.71.05.1004": "Naikoten Satu",
    "53.71.05.1005": "Naikoten Dua",
    "53.71.05.1006": "Kuanino",
    "53.71.05.1007": "Nunleu",
    "53.71.05.1008": "Fontein",
    "53.71.06.1001": "Airmata",
    "53.71.06.1002": "Lai Lai Bisi Kopan",
    "53.71.06.1003": "Bonipoi",
    "53.71.06.1004": "Solor",
    "53.71.06.1005": "Tode Kisar",
    "53.71.06.1006": "Merdeka",
    "53.71.06.1007": "Oeba",
    "53.71.06.1008": "Fatubesi",
    "53.71.06.1009": "Pasir Panjang",
    "53.71.06.1010": "Nefonaek",
}


def kecamatan_of(code: str) -> str | None:
    """The kecamatan name of a kelurahan code (``53.71.03.1010`` -> ``Kelapa Lima``)."""
    return KECAMATAN.get(code[:8])
