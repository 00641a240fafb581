"""Correcting a known resident (issue 14, point 8): `station residents update` through the
importer's own checks, audited with old and new values; a refusal loses nothing. Click's
usage errors read in Indonesian (point 11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select

from station.cli import cli
from station.home.context import open_station
from station.register.residents import get_by_nik, resident_dict, search_names
from station.store.models import AuditEvent
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, RESIDENTS, run_cli
from tests.helpers.operator_pilot import add_indexed_residents

NEW_NIK = "5371034112850003"  # a woman born 1 December 1985 (day + 40)


def _seed(home: Path) -> None:
    station = open_station(home)
    try:
        add_indexed_residents(station, RESIDENTS)  # as an import leaves them: name-indexed
        add_operators(station, "ani", "sari")  # --operator asks their PIN (STATION_PIN)
    finally:
        station.close()


def _resident(home: Path, nik: str = HEAD) -> dict[str, Any]:
    station = open_station(home)
    try:
        with station.db.read() as session:
            resident = get_by_nik(session, nik)
            assert resident is not None
            return resident_dict(resident)
    finally:
        station.close()


def _updates(home: Path) -> list[AuditEvent]:
    station = open_station(home)
    try:
        with station.db.read() as session:
            return list(
                session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.action == "resident.update")
                    .order_by(AuditEvent.id)
                )
            )
    finally:
        station.close()


def test_update_changes_the_fields_and_audits_old_and_new(station_home: Path) -> None:
    _seed(station_home)
    result, data = run_cli(
        "residents", "update", HEAD,
        "--set", "alamat=Jl. Adisucipto No. 7",
        "--set", "Pekerjaan=petani/pekebun",
        "--set", "rt=5",
        "--set", "name=Yohanes Emanuel  Keban Tallo",
        "--operator", "ani",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert data["changes"] == {
        "address": {"old": "Jl. Timor Raya No. 12", "new": "Jl. Adisucipto No. 7"},
        "occupation": {"old": "WIRASWASTA", "new": "PETANI/PEKEBUN"},
        "rt": {"old": "003", "new": "005"},
        "name": {"old": "YOHANES EMANUEL KEBAN", "new": "YOHANES EMANUEL KEBAN TALLO"},
    }
    after = _resident(station_home)
    assert after["address"] == "Jl. Adisucipto No. 7"
    assert after["occupation"] == "PETANI/PEKEBUN"  # the importer's own coding
    assert after["rt"] == "005" and after["rw"] == "002"
    assert after["name"] == "YOHANES EMANUEL KEBAN TALLO"
    [event] = _updates(station_home)
    assert event.operator == "ani" and event.subject == HEAD
    assert event.details["changes"]["address"] == {
        "old": "Jl. Timor Raya No. 12",
        "new": "Jl. Adisucipto No. 7",
    }
    assert event.details["changes"]["rt"] == {"old": "003", "new": "005"}
    station = open_station(station_home)  # the name index follows the new name
    try:
        with station.db.read() as session:
            found = search_names(session, "tallo yohanes")
            assert [r.nik for r in found.residents] == [HEAD]
    finally:
        station.close()


def test_an_invalid_value_is_refused_with_the_importers_message_and_nothing_lost(
    station_home: Path,
) -> None:
    _seed(station_home)
    before = _resident(station_home)
    result, data = run_cli(
        "residents", "update", HEAD,
        "--set", "alamat=Jl. Baru 1",  # a good change in the same command is not applied
        "--set", "tanggal_lahir=31-02-1990",
        "--set", "rt=abc",
        "--operator", "ani",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Data penduduk tidak diubah" in data["error"]
    assert "kolom Tanggal Lahir '31-02-1990' bukan tanggal yang sah" in data["error"]
    assert "kolom RT harus angka 1–999 (tertulis 'abc')" in data["error"]
    result, data = run_cli("residents", "update", HEAD, "--set", "agama=JEDI", "--operator", "ani")
    assert result.exit_code == 1 and "Agama" in data["error"]
    result, data = run_cli("residents", "update", HEAD, "--set", "nama=", "--operator", "ani")
    assert result.exit_code == 1 and "kolom Nama kosong" in data["error"]
    assert _resident(station_home) == before
    assert _updates(station_home) == []


def test_update_refuses_unknown_fields_and_residents_in_indonesian(station_home: Path) -> None:
    _seed(station_home)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["residents", "update", HEAD, "--set", "nik=5371031708900002", "--operator", "ani"]
    )
    assert result.exit_code == 2
    assert "Nilai tidak sah untuk '--set'" in result.stderr
    assert "tidak dapat diubah" in result.stderr
    result, data = run_cli(
        "residents", "update", "5371031708900099", "--set", "rt=1", "--operator", "ani"
    )
    assert result.exit_code == 1 and "tidak terdaftar" in data["error"]


def test_click_usage_errors_are_indonesian(home: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["residents", "update", HEAD, "--set", "rt=1"])
    assert missing.exit_code == 2
    assert "Galat: Opsi wajib belum diisi: '--operator'." in missing.stderr
    assert "Penggunaan: cli residents update" in missing.stderr
    assert "Lihat 'cli residents update --help' untuk bantuan." in missing.stderr
    bad = runner.invoke(cli, ["residents", "find", "maria", "--limit", "banyak"])
    assert bad.exit_code == 2
    assert "Nilai tidak sah untuk '--limit': 'banyak' bukan angka yang sah." in bad.stderr
    option = runner.invoke(cli, ["residents", "find", "maria", "--limi", "3"])
    assert option.exit_code == 2
    assert "Opsi '--limi' tidak ada. Mungkin maksudnya '--limit'?" in option.stderr
    for text in (missing.stderr, bad.stderr, option.stderr):
        assert "Error" not in text and "Usage" not in text and "Missing" not in text

    # As installed: the real process, its real stderr.
    env = {**os.environ, "STATION_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "station", "residents", "ubah"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Galat: Perintah 'ubah' tidak ada." in done.stderr
    assert "No such command" not in done.stderr


def test_update_with_nothing_new_records_nothing(station_home: Path) -> None:
    _seed(station_home)
    result, data = run_cli(
        "residents", "update", HEAD, "--set", "alamat=Jl. Timor Raya No. 12", "--operator", "ani"
    )
    assert result.exit_code == 0 and data["changes"] == {}
    assert _updates(station_home) == []
    assert json.loads(json.dumps(data))["nik"] == HEAD


def test_a_domicile_letter_needs_an_address_and_a_correction_gives_it(station_home: Path) -> None:
    """Registered at the counter without an address, a resident's SKD would read "Alamat :
    Kel. OESAPA": it is refused with what to do, and issued once the address is corrected."""
    from station.register.registration import register_resident
    from tests.helpers.letter_helpers import issue_args

    station = open_station(station_home)
    try:
        with station.db.write() as session:
            register_resident(
                session,
                station.office_id,
                {
                    "nik": NEW_NIK, "kk_number": "5371030101150003", "name": "Welhelmina Nalle",
                    "birth_date": "01-12-1985", "sex": "P", "kelurahan": "OESAPA",
                },
                operator="sari",
                today=station.clock.today(),
            )  # fmt: skip
        add_operators(station, "ani", "sari")
    finally:
        station.close()
    result, refused = run_cli(*issue_args("SKD", NEW_NIK))
    assert result.exit_code == 1
    assert "Alamat WELHELMINA NALLE belum tercatat" in refused["error"]
    assert "perbarui data penduduk dahulu (isi alamat)" in refused["error"]
    result, _ = run_cli(
        "residents", "update", NEW_NIK, "--set", "alamat=Jl. Adisucipto No. 7",
        "--operator", "sari",
    )  # fmt: skip
    assert result.exit_code == 0
    result, issued = run_cli(*issue_args("SKD", NEW_NIK))
    assert result.exit_code == 0, result.output
    result, shown = run_cli("letter", "show", issued["number"])
    assert "Jl. Adisucipto No. 7" in shown["text"]
