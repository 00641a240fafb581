"""Residents and small helpers shared by the letter tests."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from click.testing import CliRunner, Result

from station.store.models import Resident

KK = "5371030101150003"
HEAD = "5371031708900001"  # YOHANES EMANUEL KEBAN, kepala keluarga
WIFE = "5371035505920002"
ELDER = "5371030101400004"  # another KK; the death letter's subject

RESIDENTS: list[dict[str, Any]] = [
    {
        "nik": HEAD,
        "kk_number": KK,
        "name": "YOHANES EMANUEL KEBAN",
        "birth_place": "KUPANG",
        "birth_date": dt.date(1990, 8, 17),
        "sex": "L",
        "address": "Jl. Timor Raya No. 12",
        "rt": "003",
        "rw": "002",
        "kelurahan": "OESAPA",
        "kecamatan": "KELAPA LIMA",
        "religion": "KATHOLIK",
        "marital_status": "KAWIN",
        "occupation": "WIRASWASTA",
        "education": "SLTA/SEDERAJAT",
        "family_relationship": "KEPALA KELUARGA",
    },
    {
        "nik": WIFE,
        "kk_number": KK,
        "name": "MARIA KEBAN",
        "birth_place": "ENDE",
        "birth_date": dt.date(1992, 5, 15),
        "sex": "P",
        "address": "Jl. Timor Raya No. 12",
        "rt": "003",
        "rw": "002",
        "religion": "KATHOLIK",
        "marital_status": "KAWIN",
        "family_relationship": "ISTRI",
    },
    {
        "nik": ELDER,
        "kk_number": "5371030101150009",
        "name": "PETRUS LAKA",
        "birth_place": "KUPANG",
        "birth_date": dt.date(1940, 1, 1),
        "sex": "L",
        "address": "Jl. Sumba No. 3",  # a letter that prints the address needs one
        "marital_status": "CERAI MATI",
        "family_relationship": "KEPALA KELUARGA",
    },
]


def add_residents(db: Any, office_id: int) -> None:
    with db.write() as session:
        for data in RESIDENTS:
            session.add(Resident(office_id=office_id, **data))


def run_cli(*args: str) -> tuple[Result, dict[str, Any]]:
    """Run ``station ARGS --json`` in-process; returns the result and its JSON object."""
    from station.cli import cli

    result = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    data = json.loads(result.stdout) if result.stdout.strip() else {}
    return result, data


def issue_args(type_code: str = "SKD", nik: str = HEAD, *extra: str) -> list[str]:
    base = ["letter", "issue", "--type", type_code, "--nik", nik, "--operator", "ani"]
    if type_code == "SKD" and "--purpose" not in extra:
        base += ["--purpose", "Melamar pekerjaan"]
    return [*base, *extra, "--no-print"]
