"""Issuing, verifying, revoking, reprinting letters and rotating keys, through the CLI,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from station.home.context import Station, open_station
from station.home.keys import public_bytes, public_keys
from station.letters.seal import (
    decode_token,
    key_id_from_public,
    make_payload,
    parse_qr,
    qr_text,
    seal_letter,
    verify_token,
)
from station.letters.store import IssueRequest, LetterSettings, issue_letter
from station.store.models import AuditEvent, Letter, Resident, Sequence
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import ELDER, HEAD, WIFE, add_residents, issue_args, run_cli


@pytest.fixture
def station(station_home: Path) -> Iterator[Station]:
    opened = open_station(station_home)
    add_residents(opened.db, opened.office_id)
    add_operators(opened, "ani", role="admin")
    try:
        yield opened
    finally:
        opened.close()


def test_issue_verify_revoke(station: Station) -> None:
    result, issued = run_cli(*issue_args())
    assert result.exit_code == 0, result.output
    assert issued["printed"] is False
    assert issued["type"] == "SKD"
    assert issued["nik_masked"] == "5371********0001"
    year = dt.datetime.now(station.config.tz).year
    assert issued["number"].startswith("400.12.2.1/001/KEL.OSP/")
    assert issued["number"].endswith(f"/{year}")
    assert issued["verify_url"].endswith(parse_qr(issued["qr"]))

    result, check = run_cli("letter", "verify", issued["qr"])
    assert result.exit_code == 0, result.output
    assert check["status"] == "valid"
    assert check["register"] == "found"
    assert check["text_matches"] is True
    assert check["letter"]["number"] == issued["number"]

    # the second letter takes the next number
    _, second = run_cli(*issue_args("SKD", WIFE))
    assert "/002/" in second["number"]

    result, shown = run_cli("letter", "show", issued["number"])
    assert result.exit_code == 0
    assert shown["status"] == "issued" and shown["qr"] == issued["qr"]
    assert HEAD in shown["text"]  # the operator's view is the paper

    result, revoked = run_cli(
        "letter", "revoke", issued["number"], "--reason", "Salah data", "--operator", "ani"
    )
    assert result.exit_code == 0 and revoked["status"] == "revoked"
    result, check = run_cli("letter", "verify", issued["qr"])
    assert result.exit_code == 1
    assert check["status"] == "revoked" and check["authentic"] is True
    assert check["revoke_reason"] == "Salah data"
    result, _ = run_cli(
        "letter", "revoke", issued["number"], "--reason", "lagi", "--operator", "ani"
    )
    assert result.exit_code == 1
    # the number stays taken: the next letter does not reuse it
    _, third = run_cli(*issue_args())
    assert "/003/" in third["number"]
    with station.db.read() as session:
        actions = list(session.scalars(select(AuditEvent.action)))
    assert actions.count("letter.issue") == 3 and "letter.revoke" in actions


def test_every_changed_character_is_invalid(station: Station) -> None:
    _, issued = run_cli(*issue_args())
    token = parse_qr(issued["qr"])
    with station.db.read() as session:
        keys = public_keys(session, station.office_id)
    assert verify_token(token, keys).status == "valid"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    for i, ch in enumerate(token):
        other = alphabet[(alphabet.index(ch) + 1) % 32]
        changed = token[:i] + other + token[i + 1 :]
        assert verify_token(changed, keys).status == "invalid", i
    # and through the CLI, for one of them
    changed = token[:50] + ("A" if token[50] != "A" else "B") + token[51:]
    result, check = run_cli("letter", "verify", changed)
    assert result.exit_code == 1 and check["status"] == "invalid"
    assert check["letter"] is None


def test_old_letters_verify_after_rotation(station: Station) -> None:
    _, old = run_cli(*issue_args())
    result, rotated = run_cli("keys", "rotate", "--operator", "ani")
    assert result.exit_code == 0
    assert rotated["retired"] == [old_key := decode_token(parse_qr(old["qr"])).key_id]
    _, shown = run_cli("keys", "show")
    assert shown["key_id"] == rotated["key_id"] != old_key
    assert {k["key_id"] for k in shown["keys"]} == {old_key, rotated["key_id"]}
    _, new = run_cli(*issue_args("SKD", WIFE))
    assert decode_token(parse_qr(new["qr"])).key_id == rotated["key_id"]
    for letter in (old, new):
        result, check = run_cli("letter", "verify", letter["qr"])
        assert result.exit_code == 0 and check["status"] == "valid"
    _, exported = run_cli("keys", "export-public")
    assert exported["office_code"] == "53.71.03.1010"
    keys = {k["key_id"]: bytes.fromhex(k["public_key"]) for k in exported["keys"]}
    assert verify_token(old["qr"], keys).status == "valid"  # an outside verifier's view


def test_foreign_key_is_unknown_key(station: Station) -> None:
    stranger = Ed25519PrivateKey.generate()
    key_id = key_id_from_public(public_bytes(stranger.public_key()))
    payload = make_payload(
        office_code="53.71.03.1010",
        number="400.12.2.1/001/KEL.OSP/I/2026",
        type_code="SKD",
        issued_on=dt.date.today(),
        valid_until=None,
        holder_name="YOHANES EMANUEL KEBAN",
        nik=HEAD,
        digest=bytes(16),
    )
    token = seal_letter(stranger, key_id, payload)
    result, check = run_cli("letter", "verify", qr_text("https://verifikasi.oesapa.example", token))
    assert result.exit_code == 1
    assert check["status"] == "unknown_key" and check["letter"] is None


def test_expired_letter(station: Station) -> None:
    settings = LetterSettings.from_config(station.config)
    request = IssueRequest("SKD", HEAD, "ani", purpose="Arsip")
    with station.db.write() as session:
        issued = issue_letter(
            session, station.office_id, settings, request, today=dt.date(2024, 1, 10)
        )
    assert issued.valid_until == dt.date(2024, 2, 9)
    assert issued.number.endswith("/I/2024")
    result, check = run_cli("letter", "verify", issued.qr)
    assert result.exit_code == 1
    assert check["status"] == "expired" and check["authentic"] is True


def test_qr_fits_version_10_m_and_hides_the_nik(station: Station) -> None:
    _, issued = run_cli(*issue_args())
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(issued["qr"])
    qr.make(fit=True)
    assert qr.version <= 10
    token = parse_qr(issued["qr"])
    raw = base64.b32decode(token + "=" * (-len(token) % 8))
    for text in (issued["qr"], issued["verify_url"]):
        assert HEAD not in text and HEAD[4:12] not in text
    assert HEAD.encode() not in raw
    assert int(HEAD).to_bytes(7, "big") not in raw
    assert HEAD[4:12].encode() not in raw


def test_reprint_keeps_number_and_seal(station: Station) -> None:
    _, issued = run_cli(*issue_args())
    result, first = run_cli("letter", "reprint", issued["number"])
    assert result.exit_code == 0
    # the default printer is `dummy`: the print reaches it and counts as printed. Issued
    # with --no-print, the letter was never on paper: its first print is the original.
    assert first["copy_marker"] == "" and first["printed"] is True
    assert first["print_count"] == 1
    _, second = run_cli("letter", "reprint", issued["number"])
    assert second["copy_marker"] == "SALINAN 1" and second["print_count"] == 2
    _, third = run_cli("letter", "reprint", issued["number"])
    assert third["copy_marker"] == "SALINAN 2"
    _, shown = run_cli("letter", "show", issued["number"])
    assert shown["qr"] == issued["qr"] and shown["copies"] == 2
    result, _ = run_cli("letter", "reprint", "999/NOPE")
    assert result.exit_code == 1


def test_death_letter_marks_the_resident_deceased(station: Station) -> None:
    died = (dt.datetime.now(station.config.tz).date() - dt.timedelta(days=2)).isoformat()
    args = issue_args(
        "SKK",
        ELDER,
        *("--field", f"tanggal_meninggal={died}"),
        *("--field", "tempat_meninggal=RSUD Kupang"),
        *("--field", "sebab_kematian=Sakit biasa/tua"),
        *("--field", "nama_pelapor=Yohanes Emanuel Keban"),
        *("--field", f"nik_pelapor={HEAD}"),
        *("--field", "hubungan_pelapor=Tetangga"),
    )
    result, issued = run_cli(*args)
    assert result.exit_code == 0, result.output
    assert issued["effects"]
    with station.db.read() as session:
        elder = session.scalars(select(Resident).where(Resident.nik == ELDER)).one()
        assert elder.status == "deceased"
    result, refused = run_cli(*issue_args("SKD", ELDER))
    assert result.exit_code == 1 and "error" in refused


def test_refusals_consume_no_number(station: Station) -> None:
    result, refused = run_cli(*issue_args("SKTM", WIFE, "--purpose", "Sekolah"))
    assert result.exit_code == 1
    assert "kepala keluarga" in refused["error"]
    result, refused = run_cli(*issue_args("SKD", "5371031708900009"))
    assert result.exit_code == 1
    result, refused = run_cli(*issue_args("NOPE"))
    assert result.exit_code == 1 and "tidak dikenal" in refused["error"]
    result, refused = run_cli(*issue_args("SKD", HEAD, "--field", "bogus=1"))
    assert result.exit_code == 1 and "bogus" in refused["field_errors"]
    _, issued = run_cli(*issue_args())
    assert "/001/" in issued["number"]
    with station.db.read() as session:
        assert session.scalar(select(Letter.sequence)) == 1


def test_refuses_to_sign_with_a_readable_key(station: Station) -> None:
    for path in station.config.keys_dir.glob("*.pem"):
        os.chmod(path, 0o644)
    result, refused = run_cli(*issue_args())
    assert result.exit_code == 1
    assert "0600" in refused["error"]
    with station.db.read() as session:
        assert session.scalar(select(Letter.id)) is None
        assert session.scalar(select(Sequence).where(Sequence.scope.like("letter:%"))) is None


def test_letter_links_to_todays_ticket(station: Station) -> None:
    result, ticket = run_cli("ticket", "take", "A")
    assert result.exit_code == 0, result.output
    result, _ = run_cli(*issue_args("SKD", HEAD, "--ticket", ticket["number"]))
    assert result.exit_code == 0, result.output
    with station.db.read() as session:
        assert session.scalar(select(Letter.ticket_id)) is not None
    result, refused = run_cli(*issue_args("SKD", HEAD, "--ticket", "Z-999"))
    assert result.exit_code == 1 and "Z-999" in refused["error"]


def test_letter_types_lists_the_catalogue(home: Path) -> None:
    result, data = run_cli("letter", "types")
    assert result.exit_code == 0
    codes = {t["code"] for t in data["types"]}
    assert {"SKD", "SKTM", "SKU", "SKK", "N1", "EKTP"} <= codes


def test_verify_offline_when_the_register_is_unreachable(
    station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, issued = run_cli(*issue_args())
    monkeypatch.setenv("STATION_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    result, check = run_cli("letter", "verify", issued["qr"])
    # The seal checks offline, but without the register nothing is confirmed: never exit 0.
    assert result.exit_code == 1, result.output
    assert check["status"] == "unconfirmed" and check["register"] == "unreachable"
    assert check["authentic"] is True
    token = parse_qr(issued["qr"])
    # one signature character changed for sure (the token's last three characters are "AAA"
    # once in ~128 letters: the top bits of an Ed25519 signature are nearly always zero)
    tampered = token[:-10] + ("B" if token[-10] == "A" else "A") + token[-9:]
    result, check = run_cli("letter", "verify", tampered)
    assert result.exit_code == 1 and check["status"] == "invalid"


CHILD = "5371031005190003"  # 7 years old in 2026, ANAK in HEAD's KK


def _add_child(station: Station) -> None:
    with station.db.write() as session:
        session.add(
            Resident(
                office_id=station.office_id,
                nik=CHILD,
                kk_number="5371030101150003",
                name="PAULUS KEBAN",
                birth_date=dt.date(2019, 5, 10),
                sex="L",
                religion="KATHOLIK",
                marital_status="BELUM KAWIN",
                family_relationship="ANAK",
            )
        )


def test_adult_letters_and_the_pengantar_nikah_are_refused_with_reasons(
    station: Station,
) -> None:
    _add_child(station)
    for code, extra in (
        ("SKBM", ("--purpose", "Melamar kerja")),
        ("SKU", ("--field", "nama_usaha=Kios", "--field", "jenis_usaha=Sembako")),
    ):
        result, refused = run_cli(*issue_args(code, CHILD, *extra))
        assert result.exit_code == 1, code
        assert "17 tahun ke atas" in refused["error"] and "berumur" in refused["error"], code
    result, refused = run_cli(*issue_args("N1", CHILD, "--field", "status_nikah=Jejaka"))
    assert result.exit_code == 1
    assert "19 tahun" in refused["error"]
    assert "Surat Pengantar Nikah (SPN)" in refused["error"]  # a Katholik: not the KUA form
    with station.db.read() as session:
        assert session.scalar(select(Letter.id)) is None


def test_skpot_names_a_child_of_the_holders_kk(station: Station) -> None:
    _add_child(station)
    school = ("--field", "sekolah=SDI Oesapa", "--field", "penghasilan=2000000")
    result, refused = run_cli(
        *issue_args("SKPOT", HEAD, "--field", f"nik_anak={ELDER}", *school, "--purpose", "Beasiswa")
    )
    assert result.exit_code == 1
    assert "tidak tercantum dalam KK YOHANES EMANUEL KEBAN" in refused["field_errors"]["nik_anak"]
    result, issued = run_cli(
        *issue_args("SKPOT", HEAD, "--field", f"nik_anak={CHILD}", *school, "--purpose", "Beasiswa")
    )
    assert result.exit_code == 0, result.output
    with station.db.read() as session:
        letter = session.scalars(select(Letter)).one()
        assert letter.field_values["nama_anak"] == "PAULUS KEBAN"  # taken from the KK
        assert letter.number == issued["number"] and "/001/" in letter.number
