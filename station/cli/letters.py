"""`station letter ...`, `station keys ...` and `station serve`: thin commands over
``station.letters.store``, ``station.letters.verify``, ``station.home.keys`` and
``station.web.verify_page``.

Registered by ``station.cli``. ``letter issue`` and ``letter reprint`` print on the configured
receipt printer (``station.printing``), or, for a type whose paper is F4/A4 (and ``letter
pdf``), make the letter's PDF for the office printer (``printer.office``) or the home's
``surat/`` folder; a printer fault keeps the letter issued, reports ``printed: false`` with
``print_message`` and exits 1; ``print_count`` grows only when a print reached the printer
(or the PDF was made).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from station.cli.common import Refusal, acting_operator, command_output, rate_limit_option

T = TypeVar("T")

PRINT_KEPT = "Surat tetap tersimpan dan dapat dicetak ulang: station letter reprint {number}"
PRINT_NOT_COUNTED = (
    "Surat sudah tersimpan dan dicetak, tetapi cetakan ini belum tercatat (basis data sibuk)."
)


PAPER_CHOICES = ("receipt", "f4", "a4")


def _print_document(
    station: Any,
    number: str,
    document: Any,
    operator: str,
    *,
    paper: str = "receipt",
    output: str | None = None,
) -> dict[str, Any]:
    """Print a letter and record it (``station.printing.print_and_record``, or
    ``print_pdf_and_record`` for F4/A4). Returns ``printed`` and, on a fault,
    ``print_message``/``print_fault``: the letter itself is never undone."""
    from station.letters.desk import record_letter_print
    from station.printing import print_and_record, print_pdf_and_record

    def record() -> int:
        return record_letter_print(station, number, operator=operator)

    if paper == "receipt":
        outcome = print_and_record(document, station.config.printer, record)
    else:
        outcome = print_pdf_and_record(document, station.config, record, paper=paper, output=output)
    delivery: dict[str, Any] = {"paper": paper}
    if outcome.delivery is not None:
        delivery["pdf_printer"] = outcome.delivery.printer or None
        delivery["pdf_path"] = str(outcome.delivery.path) if outcome.delivery.path else None
    if outcome.fault is not None:
        return {
            "printed": False,
            "print_fault": outcome.fault.kind,
            "print_message": f"{outcome.fault.message} {PRINT_KEPT.format(number=number)}",
            **delivery,
        }
    if outcome.print_count is None:
        # On paper already: say so, rather than a refusal that would invite issuing it again.
        return {"printed": True, "print_count": None, "print_note": PRINT_NOT_COUNTED, **delivery}
    return {"printed": True, "print_count": outcome.print_count, **delivery}


def _pdf_line(printing: dict[str, Any]) -> str:
    """``Surat dicetak.`` or where its PDF went."""
    paper = str(printing.get("paper", "")).upper()
    if printing.get("pdf_printer"):
        return f"PDF surat ({paper}) dikirim ke printer {printing['pdf_printer']}."
    if printing.get("pdf_path"):
        return f"PDF surat ({paper}) disimpan: {printing['pdf_path']}"
    return "Surat dicetak."


def _with_station(action: Callable[[Any], T]) -> T:
    """Open the station and run one action; a refusal (LetterRefusal, a database that is
    locked or out of reach: a StationError) ends the command with exit 1 through
    ``command_output``."""
    from station.cli.common import open_station

    station = open_station()
    try:
        return action(station)
    finally:
        station.close()


def _settings(station: Any) -> Any:
    from station.letters.store import LetterSettings

    return LetterSettings.from_config(station.config)


def _parse_fields(pairs: tuple[str, ...]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"--field harus berbentuk KUNCI=NILAI, bukan {pair!r}")
        fields[key.strip()] = value
    return fields


# --- letter ----------------------------------------------------------------------------------


@click.group()
def letter() -> None:
    """Surat keterangan: jenis, terbitkan, periksa, cabut, cetak ulang."""


@letter.command("types")
@command_output
def letter_types() -> tuple[dict[str, Any], str]:
    """Jenis surat yang dapat diterbitkan dan isiannya."""
    from station.home.config import load_config
    from station.letters.store import LetterSettings

    settings = LetterSettings.from_config(load_config())
    types = [t.to_dict() for t in settings.catalogue.active_types()]
    lines = [f"{t['code']:<6} {t['title']}  ({t['classification']})" for t in types]
    return {"types": types}, "\n".join(lines)


@letter.command("issue")
@click.option("--type", "type_code", required=True, help="Kode jenis surat, mis. SKD.")
@click.option("--nik", required=True, help="NIK pemohon.")
@click.option("--operator", required=True, help="Petugas yang menerbitkan.")
@click.option("--field", "field_pairs", multiple=True, help="Isian KUNCI=NILAI (boleh berulang).")
@click.option("--purpose", default="", help="Keperluan surat (atau --field keperluan=...).")
@click.option("--ticket", default=None, help="Nomor tiket antrean hari ini, mis. A-012.")
@click.option(
    "--signer",
    "signer_key",
    default=None,
    help="Penanda tangan a.n. lurah: KUNCI dari [signers.KUNCI] di station.toml (bawaan: lurah).",
)
@click.option("--no-print", "no_print", is_flag=True, help="Jangan cetak.")
@click.option(
    "--paper",
    type=click.Choice(PAPER_CHOICES),
    default=None,
    help="Struk, atau PDF F4/A4 (bawaan: kertas jenis suratnya).",
)
@command_output
def letter_issue(
    type_code: str,
    nik: str,
    operator: str,
    field_pairs: tuple[str, ...],
    purpose: str,
    ticket: str | None,
    signer_key: str | None,
    no_print: bool,
    paper: str | None,
) -> tuple[dict[str, Any], str]:
    """Beri nomor, tanda tangani, simpan (dan cetak) satu surat."""
    from station.letters.store import IssueRequest, issue_letter

    fields = _parse_fields(field_pairs)

    def run(station: Any) -> tuple[Any, dict[str, Any]]:
        who = acting_operator(station, operator)
        request = IssueRequest(
            type_code=type_code,
            nik=nik,
            operator=who,
            fields=fields,
            purpose=purpose,
            ticket=ticket,
            signer_key=signer_key,
        )
        settings = _settings(station)
        with station.db.write() as session:
            issued = issue_letter(
                session, station.office_id, settings, request, now=station.clock.now()
            )
        if no_print:
            return issued, {"printed": False}
        chosen = paper or settings.catalogue.default_paper(issued.type_code)
        return issued, _print_document(station, issued.number, issued.document, who, paper=chosen)

    issued, printing = _with_station(run)
    data = {**issued.to_dict(), **printing}
    signed = issued.document.signer
    data["signer"] = {
        "on_behalf": signed.on_behalf,
        "position": signed.position,
        "name": signed.name,
    }
    lines = [
        f"Surat {issued.type_code} nomor {issued.number} diterbitkan "
        f"untuk NIK {issued.nik_masked}.",
        "Ditandatangani: "
        + " / ".join(p for p in (signed.on_behalf, signed.position, signed.name) if p),
        *issued.effects,
        f"Periksa keaslian: {issued.verify_url}",
    ]
    if printing["printed"]:
        lines.append(_pdf_line(printing))
        if printing.get("print_note"):
            lines.append(printing["print_note"])
    elif not no_print:
        raise Refusal(printing["print_message"], **data)
    return data, "\n".join(lines)


@letter.command("show")
@click.argument("number")
@click.option("--text", "with_text", is_flag=True, help="Tampilkan juga isi surat.")
@command_output
def letter_show(number: str, with_text: bool) -> tuple[dict[str, Any], str]:
    """Satu surat dari register menurut nomornya."""
    import datetime as dt

    from station.letters import document_to_text
    from station.letters.formats import format_date_id, format_moment_id
    from station.letters.store import (
        CHANNEL_LABELS,
        LETTER_STATUS_LABELS,
        find_letter,
        letter_summary,
        stored_document,
    )

    def run(station: Any) -> tuple[dict[str, Any], str, dict[str, str]]:
        with station.db.read() as session:
            found = find_letter(session, station.office_id, number)
            data = letter_summary(found)
            text = document_to_text(stored_document(found))
            # What a person reads is office time; the JSON keeps the stored UTC moments.
            tz = station.clock.tz
            shown = {"issued": format_moment_id(found.issued_at, tz)}
            if found.revoked_at is not None:
                shown["revoked"] = format_moment_id(found.revoked_at, tz)
        data["text"] = text
        return data, text, shown

    data, text, shown = _with_station(run)
    valid_until = data["valid_until"]
    lines = [
        f"{data['number']}  {data['title']}",
        f"Status: {LETTER_STATUS_LABELS.get(data['status'], data['status'])}; "
        f"atas nama {data['name']} ({data['nik_masked']})",
        f"Terbit {shown['issued']} {CHANNEL_LABELS.get(data['channel'], data['channel'])}; "
        "berlaku sampai "
        f"{format_date_id(dt.date.fromisoformat(valid_until)) if valid_until else '-'}",
    ]
    if data["revoke_reason"] or "revoked" in shown:
        lines.append(f"Dicabut {shown.get('revoked', '')}: {data['revoke_reason'] or '-'}")
    if with_text:
        lines += ["", text]
    return data, "\n".join(lines)


@letter.command("verify")
@click.argument("text")
@command_output
def letter_verify(text: str) -> tuple[dict[str, Any], str]:
    """Periksa isi QR (alamat atau token): tanda tangan, lalu register bila terjangkau."""
    check = verify_qr_text(text)
    data = check.to_dict()
    if check.status != "valid":  # exit 1: the letter must not be accepted as it is
        raise Refusal(check.message, **{k: v for k, v in data.items() if k != "message"})
    lines = [f"{check.verdict}: {check.message}"]
    if check.shows_letter and check.document is not None:
        signed = check.document.signer
        who = " / ".join(p for p in (signed.on_behalf, signed.position, signed.name) if p)
        lines.append(f"Ditandatangani: {who}")
    return data, "\n".join(lines)


def verify_qr_text(text: str) -> Any:
    """Offline first (keys from the register, or from the home's key files when the register
    cannot be reached), then the register's status."""
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from station.home.config import load_config
    from station.home.context import NotInitialised, open_station
    from station.home.keys import file_public_keys
    from station.letters.catalogue import load_catalogue
    from station.letters.seal import verify_token
    from station.letters.verify import office_verifier, offline_check, register_check
    from station.office.clock import OfficeClock
    from station.store.errors import DatabaseBusy, DatabaseUnavailable

    config = load_config()
    try:
        station = open_station(channel="cli")
    except (NotInitialised, SQLAlchemyError, DatabaseBusy, DatabaseUnavailable, OSError):
        today = OfficeClock(config.tz).today()
        seal = verify_token(text, file_public_keys(config.keys_dir), today=today)
        return offline_check(seal, reachable=False)
    try:
        with station.db.read() as session:
            verifier = office_verifier(session, station.office_id, config.tz)
            seal = verifier.verify(text, today=station.clock.today())
            catalogue = load_catalogue([Path(config.home) / "letters"])
            return register_check(session, station.office_id, text, seal, catalogue=catalogue)
    finally:
        station.close()


@letter.command("revoke")
@click.argument("number")
@click.option("--reason", required=True, help="Alasan pencabutan.")
@click.option("--operator", required=True, help="Petugas yang mencabut.")
@command_output
def letter_revoke(number: str, reason: str, operator: str) -> tuple[dict[str, Any], str]:
    """Cabut surat: nomornya tetap terpakai, QR-nya kini terbaca DICABUT."""
    from station.letters.store import revoke_letter

    def run(station: Any) -> dict[str, Any]:
        who = acting_operator(station, operator)  # the core then refuses anyone but an admin
        with station.db.write() as session:
            found = revoke_letter(
                session,
                station.office_id,
                number,
                reason=reason,
                operator=who,
                now=station.clock.now(),
            )
            return {"number": found.number, "status": found.status, "reason": reason}

    data = _with_station(run)
    return data, f"Surat nomor {data['number']} dicabut: {reason}"


@letter.command("reprint")
@click.argument("number")
@click.option("--operator", default=None, help="Petugas (jejak audit).")
@command_output
def letter_reprint(number: str, operator: str | None) -> tuple[dict[str, Any], str]:
    """Cetak ulang: nomor dan segel sama; ditandai SALINAN n bila sudah pernah tercetak."""
    from station.letters import document_to_text
    from station.letters.store import reprint_letter

    def run(station: Any) -> tuple[dict[str, Any], str]:
        who = acting_operator(station, operator)
        with station.db.write() as session:
            found, doc = reprint_letter(
                session, station.office_id, number, operator=who, printed=False
            )
            printed_number = found.number
            data = {
                "number": printed_number,
                "copy": found.copies,
                "copy_marker": doc.copy_marker,
                "print_count": found.print_count,
            }
        data.update(_print_document(station, printed_number, doc, who))
        return data, document_to_text(doc)

    data, text = _with_station(run)
    if not data["printed"]:
        raise Refusal(data["print_message"], **data)
    note = f"\n{data['print_note']}" if data.get("print_note") else ""
    marker = data["copy_marker"] or "asli"  # never printed before: this is the original
    return data, f"{text}\nSurat dicetak ({marker}).{note}"


@letter.command("pdf")
@click.argument("number")
@click.option(
    "--paper",
    type=click.Choice(("f4", "a4")),
    default=None,
    help="Ukuran kertas (bawaan: kertas jenis suratnya, atau F4).",
)
@click.option("--output", default=None, help="Simpan PDF ke berkas ini (bukan ke printer kantor).")
@click.option("--operator", default=None, help="Petugas (jejak audit).")
@command_output
def letter_pdf(
    number: str, paper: str | None, output: str | None, operator: str | None
) -> tuple[dict[str, Any], str]:
    """Surat yang sama sebagai PDF F4/A4: nomor dan segel sama, SALINAN n bila sudah tercetak."""
    from station.letters.store import reprint_letter

    def run(station: Any) -> dict[str, Any]:
        who = acting_operator(station, operator)
        settings = _settings(station)
        with station.db.write() as session:
            found, doc = reprint_letter(
                session, station.office_id, number, operator=who, printed=False
            )
            printed_number = found.number
        chosen = paper or settings.catalogue.default_paper(doc.type_code)
        if chosen not in ("f4", "a4"):
            chosen = "f4"
        data = {"number": printed_number, "copy_marker": doc.copy_marker}
        data.update(_print_document(station, printed_number, doc, who, paper=chosen, output=output))
        return data

    data = _with_station(run)
    if not data["printed"]:
        raise Refusal(data["print_message"], **data)
    note = f"\n{data['print_note']}" if data.get("print_note") else ""
    marker = data["copy_marker"] or "asli"
    return data, f"{_pdf_line(data)} ({marker}){note}"


# --- keys ------------------------------------------------------------------------------------


@click.group()
def keys() -> None:
    """Kunci tanda tangan surat."""


def _key_dict(key: Any) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "public_key": bytes(key.public_key).hex(),
        "created_at": key.created_at.isoformat(),
        "retired_at": key.retired_at.isoformat() if key.retired_at else None,
        "compromised_at": key.compromised_at.isoformat() if key.compromised_at else None,
    }


def _retired_text(retired_at: str | None, tz: Any) -> str:
    """A key's retirement, as the office reads it (the JSON keeps the UTC moment)."""
    import datetime as dt

    from station.letters.formats import format_moment_id

    return format_moment_id(dt.datetime.fromisoformat(retired_at), tz) if retired_at else "-"


def _all_keys(station: Any) -> list[dict[str, Any]]:
    from station.home.keys import office_keys

    with station.db.read() as session:
        return [_key_dict(k) for k in office_keys(session, station.office_id)]


@keys.command("show")
@command_output
def keys_show() -> tuple[dict[str, Any], str]:
    """Kunci yang aktif dan kunci lama (yang tetap dipakai memeriksa surat lama)."""

    def run(station: Any) -> dict[str, Any]:
        found = _all_keys(station)
        active = next((k for k in found if k["retired_at"] is None), None)
        return {
            "key_id": active["key_id"] if active else None,
            "public_key": active["public_key"] if active else None,
            "keys": found,
        }

    data, tz = _with_station(lambda station: (run(station), station.clock.tz))
    lines = [f"Kunci aktif: {data['key_id']}", f"Kunci publik: {data['public_key']}"]
    lines += [
        f"  lama: {k['key_id']} (pensiun {_retired_text(k['retired_at'], tz)})"
        for k in data["keys"][1:]
    ]
    return data, "\n".join(lines)


@keys.command("rotate")
@click.option("--operator", default=None, help="Admin yang bertindak (PIN-nya diperiksa).")
@command_output
def keys_rotate(operator: str | None) -> tuple[dict[str, Any], str]:
    """Buat kunci baru; kunci lama dipensiunkan tetapi surat lama tetap terperiksa."""
    from station.home.keys import rotate_key
    from station.store import audit

    def run(station: Any) -> dict[str, Any]:
        who = acting_operator(station, operator)  # the core then refuses anyone but an admin
        with station.db.write() as session:
            key_id, retired = rotate_key(
                session, station.office_id, station.config.keys_dir, by=who
            )
            audit.record(
                session,
                office_id=station.office_id,
                action="keys.rotate",
                subject=key_id,
                details={"retired": retired},
                operator=who,
            )
        found = _all_keys(station)
        return {"key_id": key_id, "public_key": found[0]["public_key"], "retired": retired}

    data = _with_station(run)
    return data, f"Kunci baru {data['key_id']}; dipensiunkan: {', '.join(data['retired']) or '-'}"


@keys.command("revoke")
@click.argument("key_id")
@click.option("--reason", required=True, help="Mengapa kunci ini tidak dapat dipercaya lagi.")
@click.option("--operator", default=None, help="Admin yang bertindak (PIN-nya diperiksa).")
@command_output
def keys_revoke(key_id: str, reason: str, operator: str | None) -> tuple[dict[str, Any], str]:
    """Nyatakan kunci bocor: tidak satu pun segelnya dipercaya lagi (kunci aktif diganti)."""
    from station.home.keys import revoke_key
    from station.letters.formats import clean_text
    from station.store import audit

    why = clean_text(reason).strip()
    if not why:
        raise Refusal("Alasan pencabutan kunci wajib diisi.")

    def run(station: Any) -> dict[str, Any]:
        who = acting_operator(station, operator)  # the core then refuses anyone but an admin
        with station.db.write() as session:
            try:
                new_id, retired = revoke_key(
                    session, station.office_id, station.config.keys_dir, key_id, reason=why,
                    by=who,
                )  # fmt: skip
            except KeyError:
                raise Refusal(f"Kunci {key_id} tidak dikenal kantor ini.") from None
            audit.record(
                session,
                office_id=station.office_id,
                action="keys.revoke",
                subject=key_id.lower(),
                details={"reason": why, "new_key": new_id, "retired": retired},
                operator=who,
            )
        return {"key_id": key_id.lower(), "compromised": True, "new_key_id": new_id}

    data = _with_station(run)
    human = f"Kunci {data['key_id']} dinyatakan bocor: segelnya tidak dipercaya lagi."
    if data["new_key_id"]:
        human += f" Kunci aktif baru: {data['new_key_id']}."
    return data, human


@keys.command("export-public")
@command_output
def keys_export_public() -> tuple[dict[str, Any], str]:
    """Kunci publik kantor (semua, termasuk yang pensiun) untuk pemeriksa luar kantor."""

    def run(station: Any) -> dict[str, Any]:
        from station.store.models import Office

        with station.db.read() as session:
            office = session.get(Office, station.office_id)
            code = office.code if office else ""
        found = _all_keys(station)
        active = next((k for k in found if k["retired_at"] is None), None)
        return {
            "office_code": code,
            "key_id": active["key_id"] if active else None,
            "public_key": active["public_key"] if active else None,
            "keys": found,
        }

    data = _with_station(run)
    import json

    return data, json.dumps(data, indent=2)


# --- serve -----------------------------------------------------------------------------------


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@rate_limit_option
@click.option(
    "--city",
    "city_wide",
    is_flag=True,
    help="Server kota: verifikasi surat semua kantor di basis data kota.",
)
def serve(host: str, port: int, rate_limit: int, city_wide: bool) -> None:
    """Halaman verifikasi surat (GET /v/TOKEN) dan API-nya (GET /api/v/TOKEN)."""
    from station.home.context import NotInitialised, open_city, open_station
    from station.web.server import serve as serve_page

    try:
        station = open_city(channel="web") if city_wide else open_station(channel="web")
    except NotInitialised as exc:
        raise click.ClickException(str(exc)) from exc
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"Halaman verifikasi surat: http://{shown_host}:{port}/")
    if city_wide:
        click.echo("Memverifikasi surat setiap kantor di basis data kota.")
    else:
        click.echo(f"Kode QR surat kantor ini menuju: {station.config.verify_base_url}v/…")
    click.echo("Hentikan dengan Ctrl+C.")
    serve_page(station, host=host, port=port, rate_limit_per_minute=rate_limit)


def register(cli: click.Group) -> None:
    cli.add_command(letter)
    cli.add_command(keys)
    cli.add_command(serve)
