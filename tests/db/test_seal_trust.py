"""Green means genuine and recorded (issue "Trust under attack", points 1 and 2).

Each attack is made with the real keys of a real station: a letter forged with a retired key
and dated after the rotation, any seal of a key declared compromised, a good seal the register
does not hold, and a revoked letter checked while the register is out of reach. None of them
may give the green "ASLI" page or exit 0 from ``station letter verify``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from station.home.context import Station, open_station
from station.home.keys import load_private_key
from station.letters.seal import decode_token, parse_qr, qr_text, seal_letter
from station.web.verify_page import create_app
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import WIFE, add_residents, issue_args, run_cli

GREEN = 'class="v ok"'


@pytest.fixture
def office(station_home: Path) -> Iterator[tuple[Station, dict[str, Any]]]:
    """A station (SQLite and PostgreSQL) with one issued letter."""
    station = open_station(station_home)
    add_residents(station.db, station.office_id)
    add_operators(station, "ani", role="admin")
    result, issued = run_cli(*issue_args())
    assert result.exit_code == 0, result.output
    try:
        yield station, issued
    finally:
        station.close()


def _page(station: Station, qr: str) -> tuple[int, str, dict[str, Any]]:
    client = TestClient(create_app(station, rate_limit_per_minute=0))
    token = parse_qr(qr)
    page = client.get(f"/v/{token}")
    api = client.get(f"/api/v/{token}").json()
    return page.status_code, page.text, api


def _forge(station: Station, qr: str, key_id: str, **changes: Any) -> str:
    """Re-sign the letter's payload, changed, with one of the office's own private keys."""
    payload = decode_token(parse_qr(qr)).payload
    key = load_private_key(station.config.keys_dir, key_id)
    token = seal_letter(key, key_id, dataclasses.replace(payload, **changes))
    return qr_text(station.config.verify_base_url, token)


def test_a_retired_key_signs_nothing_dated_after_its_retirement(
    office: tuple[Station, dict[str, Any]],
) -> None:
    station, issued = office
    old_key = decode_token(parse_qr(issued["qr"])).key_id
    result, rotated = run_cli("keys", "rotate", "--operator", "ani")
    assert result.exit_code == 0 and rotated["retired"] == [old_key]

    # The letter signed before the rotation still verifies, green.
    result, check = run_cli("letter", "verify", issued["qr"])
    assert result.exit_code == 0 and check["status"] == "valid"

    # A leaked old key signing a letter dated after its retirement: invalid everywhere.
    later = station.clock.today() + dt.timedelta(days=1)
    forged = _forge(station, issued["qr"], old_key, issued_on=later, number="X/999/FORGED")
    result, check = run_cli("letter", "verify", forged)
    assert result.exit_code == 1 and check["status"] == "invalid", check
    _, html, api = _page(station, forged)
    assert api["status"] == "invalid" and GREEN not in html and "TIDAK VALID" in html


def test_every_seal_of_a_compromised_key_is_untrusted(
    office: tuple[Station, dict[str, Any]],
) -> None:
    station, issued = office
    key_id = decode_token(parse_qr(issued["qr"])).key_id
    result, revoked = run_cli(
        "keys", "revoke", key_id, "--reason", "laptop dicuri", "--operator", "ani"
    )
    assert result.exit_code == 0, result.output
    assert revoked["compromised"] is True and revoked["new_key_id"] not in (None, key_id)

    result, check = run_cli("letter", "verify", issued["qr"])
    assert result.exit_code == 1 and check["status"] == "compromised"
    _, html, api = _page(station, issued["qr"])
    assert api["verdict"] == "TIDAK DAPAT DIPERCAYA" and GREEN not in html
    assert api["letter"] is None  # nothing of the letter is shown on a key's word we distrust

    # The office keeps issuing with its new key, and those letters are green.
    result, fresh = run_cli(*issue_args("SKD", WIFE))
    assert result.exit_code == 0, result.output
    assert decode_token(parse_qr(fresh["qr"])).key_id == revoked["new_key_id"]
    result, check = run_cli("letter", "verify", fresh["qr"])
    assert result.exit_code == 0 and check["status"] == "valid"

    result, _ = run_cli("keys", "revoke", "0000000000000000", "--reason", "x")
    assert result.exit_code == 1


def test_a_good_seal_the_register_does_not_hold_is_a_warning(
    office: tuple[Station, dict[str, Any]],
) -> None:
    station, issued = office
    key_id = decode_token(parse_qr(issued["qr"])).key_id
    outside = _forge(station, issued["qr"], key_id, number="470/777/KEL.OSP/XII/2026")
    result, check = run_cli("letter", "verify", outside)
    assert result.exit_code == 1, check
    assert check["status"] == "unrecorded" and check["authentic"] is True
    _, html, api = _page(station, outside)
    assert api["status"] == "unrecorded" and api["verdict"] == "TIDAK TERCATAT"
    assert GREEN not in html and "TIDAK TERCATAT" in html


def test_a_revoked_letter_never_turns_green_while_the_register_is_down(
    office: tuple[Station, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, issued = office
    result, _ = run_cli(
        "letter", "revoke", issued["number"], "--reason", "salah", "--operator", "ani"
    )
    assert result.exit_code == 0
    monkeypatch.setenv("STATION_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    result, check = run_cli("letter", "verify", issued["qr"])
    assert result.exit_code == 1, check
    assert check["status"] == "unconfirmed" and check["register"] == "unreachable"
    assert check["verdict"] == "BELUM DAPAT DIPASTIKAN"


def test_the_page_is_not_green_when_the_register_cannot_be_read(
    office: tuple[Station, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    station, issued = office
    client = TestClient(create_app(station, rate_limit_per_minute=0))
    token = parse_qr(issued["qr"])
    assert GREEN in client.get(f"/v/{token}").text  # keys loaded, register reachable

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        from sqlalchemy.exc import OperationalError

        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    # Every statement fails, on any session (the page's PostgreSQL look-ups have a pool of
    # their own), and no read transaction can begin.
    monkeypatch.setattr(Session, "execute", unreachable)
    station.db.read = unreachable  # type: ignore[method-assign]
    page = client.get(f"/v/{token}")
    api = client.get(f"/api/v/{token}").json()
    assert api["status"] == "unconfirmed" and GREEN not in page.text


def _issue(*args: str) -> dict[str, Any]:
    result, issued = run_cli(*args)
    assert result.exit_code == 0, result.output
    return issued


def test_the_public_page_shows_what_a_verifier_needs_and_nothing_more(
    office: tuple[Station, dict[str, Any]],
) -> None:
    """A birth letter (the newborn's full birth date is half of the child's future NIK; the
    mother's name is the banks' security question), a death letter (the cause of death) and a
    free-text field holding a NIK: none of it reaches the page, the API or the QR."""
    station, _ = office
    day = (station.clock.today() - dt.timedelta(days=3)).isoformat()
    birth = _issue(
        *issue_args(
            "SKL",
            WIFE,
            *("--field", "nama_anak=Maria Goreti Keban"),
            *("--field", "jenis_kelamin_anak=PEREMPUAN"),
            *("--field", f"tanggal_lahir_anak={day}"),
            *("--field", "tempat_lahir_anak=RSUD Prof. Dr. W. Z. Johannes"),
            *("--field", "anak_ke=2"),
            *("--field", "nama_ibu=Agustina Seran"),
            *("--field", "hubungan_pelapor=IBU"),
            *("--purpose", "Pengurusan akta kelahiran"),
        )
    )
    lost = _issue(
        *issue_args(
            "SKH",
            WIFE,
            *("--field", "barang_hilang=KTP-el NIK 5371035505920002"),
            *("--field", f"tanggal_hilang={day}"),
            *("--field", "tempat_hilang=Pasar Oeba"),
            *("--field", "keterangan=Dompet berisi kartu ATM BRI 5371031708900001"),
            *("--purpose", "Laporan kehilangan"),
        )
    )
    for issued, secret in (
        (birth, ["MARIA GORETI", "Maria Goreti", "AGUSTINA", "Agustina", "RSUD"]),
        (lost, ["5371035505920002", "5371031708900001", "Dompet", "DOMPET", "Pasar", "PASAR"]),
    ):
        _, html, api = _page(station, issued["qr"])
        assert api["status"] == "valid"
        everything = html + repr(api) + issued["qr"]
        for word in [*secret, "SERAN", "AGUSTINA", "EMANUEL", WIFE]:
            assert word not in everything, word
        assert "5371********0002" in html  # the holder's NIK, masked
    # A public field is shown, with the NIK typed into it masked.
    _, html, api = _page(station, lost["qr"])
    shown = {f["value"] for f in api["fields"]}
    assert any(v.endswith("NIK 5371********0002") for v in shown), shown
    assert "5371035505920002" not in html
    # The QR itself carries the masked name only.
    assert decode_token(parse_qr(birth["qr"])).payload.holder_name.endswith(".")
