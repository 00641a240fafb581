"""`station ticket ...` and `station queue ...`: thin commands over ``station.queue.facade``.

Registered by ``station.cli`` (import that module, not this one, first). Every command takes
``--json``; a refusal (empty queue, wrong counter, unknown ticket) exits 1 with its message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import click

from station.cli.common import Refusal, acting_operator, command_output, open_station, operator_name
from station.queue.rules import OUTCOMES, PRIORITY_REASONS, STATUS_LABELS

T = TypeVar("T")


_NOBODY: Any = object()


def _with_queue(action: Callable[..., T], operator: str | None = _NOBODY) -> T:
    """Open the station and run one queue action; a refusal (QueueError, database trouble:
    a StationError) ends the command with exit 1 through ``command_output``.

    With ``operator`` (a command's ``--operator``), the action also gets who acts: that
    operator once their PIN is checked (``common.acting_operator``), or None when not given."""
    from station.queue.facade import Queue

    station = open_station()
    try:
        queue = Queue.for_station(station)
        if operator is _NOBODY:
            return action(queue)
        who = acting_operator(station, operator) if operator else None
        return action(queue, who)
    finally:
        station.close()


def _ticket_line(t: Any) -> str:
    where = f" di Loket {t.counter}" if t.counter else ""
    if t.target_counter:
        where += f" (dialihkan ke Loket {t.target_counter})"
    flag = f" [prioritas: {t.priority_reason}]" if t.priority else ""
    return f"{t.number:<7} {t.service} {STATUS_LABELS[t.status]}{where}{flag}"


counter_option = click.option("--counter", "counter", type=int, required=True, help="Nomor loket.")
operator_option = click.option("--operator", "operator", required=True, help="Petugas loket.")
ticket_option = click.option(
    "--ticket", "ticket", default=None, help="Nomor tiket hari ini (bawaan: tiket di loket ini)."
)


# --- ticket ----------------------------------------------------------------------------------


@click.group()
def ticket() -> None:
    """Tiket antrean."""


@ticket.command("take")
@click.argument("service")
@click.option(
    "--priority",
    type=click.Choice(list(PRIORITY_REASONS)),
    default=None,
    help="Prioritas dan alasannya.",
)
@click.option("--nik", default=None, help="NIK warga, bila sudah diketahui.")
@click.option("--operator", default=None, help="Petugas yang mengambilkan tiket (bawaan: kios).")
@command_output
def ticket_take(
    service: str, priority: str | None, nik: str | None, operator: str | None
) -> tuple[dict[str, Any], str]:
    """Ambil nomor antrean untuk layanan SERVICE (awalan, mis. A)."""
    issued = _with_queue(
        lambda q, who: q.take_ticket(service, priority=priority, nik=nik, operator=who), operator
    )
    t = issued.ticket
    data = issued.to_dict()
    data.update(_print_ticket(issued))
    lines = [
        f"Nomor antrean {t.number} - {t.service_name}",
        f"Di depan Anda: {issued.ahead} orang; perkiraan menunggu {issued.estimated_wait_min} "
        "menit.",
    ]
    if t.priority:
        lines.append(f"Prioritas: {PRIORITY_REASONS[t.priority_reason or 'lainnya']}")
    if issued.documents:
        lines.append("Siapkan: " + "; ".join(issued.documents))
    if not data["printed"]:
        raise Refusal(data["print_message"], **data)
    return data, "\n".join(lines)


def _print_ticket(issued: Any) -> dict[str, Any]:
    """Print the ticket; a printer fault keeps the ticket (it is already in the queue)."""
    from station.home.config import load_config
    from station.printing import PrinterFault, print_ticket

    config = load_config()
    try:
        print_ticket(issued, f"Kelurahan {config.office.name}", config.printer, tz=config.tz)
    except PrinterFault as fault:
        return {
            "printed": False,
            "print_fault": fault.kind,
            "print_message": f"{fault.message} Nomor {issued.ticket.number} tetap tercatat "
            "di antrean; sebutkan nomor ini kepada warga.",
        }
    return {"printed": True}


# --- queue -----------------------------------------------------------------------------------


@click.group()
def queue() -> None:
    """Antrean bersama: loket, panggil, layani, alihkan, ambil alih."""


def _services_option(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [p.strip().upper() for p in value.split(",") if p.strip()]


def _counter_result(view: Any, verb: str) -> tuple[dict[str, Any], str]:
    data = view.to_dict()
    data["counter"] = view.number
    services = ", ".join(view.services) or "-"
    cover = " (mode bantu: semua layanan)" if view.cover else ""
    line = f"Loket {view.number} {verb}; petugas {view.operator or '-'}; layanan {services}{cover}"
    if view.ticket:
        line += f"\nTiket {view.ticket} masih di loket ini: loket lain dapat mengambil alihnya."
    return data, line


@queue.command("open")
@counter_option
@operator_option
@click.option("--services", default=None, help="Layanan yang dilayani, mis. A,B.")
@click.option("--cover/--no-cover", default=None, help="Mode bantu: layani semua layanan.")
@command_output
def queue_open(
    counter: int, operator: str, services: str | None, cover: bool | None
) -> tuple[dict[str, Any], str]:
    """Buka loket (atau ubah layanannya selagi buka)."""
    wanted = _services_option(services)
    view = _with_queue(
        lambda q, who: q.open_counter(counter, who, services=wanted, cover=cover), operator
    )
    return _counter_result(view, "dibuka")


@queue.command("close")
@counter_option
@operator_option
@command_output
def queue_close(counter: int, operator: str) -> tuple[dict[str, Any], str]:
    """Tutup loket."""
    view = _with_queue(lambda q, who: q.close_counter(counter, who), operator)
    return _counter_result(view, "ditutup")


@queue.command("touch")
@counter_option
@operator_option
@command_output
def queue_touch(counter: int, operator: str) -> tuple[dict[str, Any], str]:
    """Tanda aktif loket (aplikasi petugas mengirimnya berkala)."""
    _with_queue(lambda q, who: q.touch(counter, who), operator)
    return {"counter": counter, "operator": operator}, f"Loket {counter} aktif."


def _ticket_result(view: Any, headline: str) -> tuple[dict[str, Any], str]:
    return view.to_dict(), f"{headline}\n{_ticket_line(view)}"


@queue.command("next")
@counter_option
@operator_option
@command_output
def queue_next(counter: int, operator: str) -> tuple[dict[str, Any], str]:
    """Panggil tiket berikutnya untuk loket ini."""
    view = _with_queue(lambda q, who: q.call_next(counter, who), operator)
    return _ticket_result(
        view, f"Nomor antrean {view.number}, silakan menuju loket {view.counter}."
    )


@queue.command("recall")
@counter_option
@operator_option
@ticket_option
@command_output
def queue_recall(counter: int, operator: str, ticket: str | None) -> tuple[dict[str, Any], str]:
    """Panggil ulang tiket di loket ini."""
    view = _with_queue(lambda q, who: q.recall(counter, who, ticket=ticket), operator)
    return _ticket_result(view, f"Panggilan ke-{view.call_count} untuk {view.number}.")


@queue.command("start")
@counter_option
@operator_option
@ticket_option
@command_output
def queue_start(counter: int, operator: str, ticket: str | None) -> tuple[dict[str, Any], str]:
    """Warga sudah di loket: mulai layanan."""
    view = _with_queue(lambda q, who: q.start(counter, who, ticket=ticket), operator)
    return _ticket_result(view, f"Layanan {view.number} dimulai.")


@queue.command("finish")
@counter_option
@operator_option
@ticket_option
@click.option("--outcome", type=click.Choice(list(OUTCOMES)), required=True)
@command_output
def queue_finish(
    counter: int, operator: str, ticket: str | None, outcome: str
) -> tuple[dict[str, Any], str]:
    """Selesaikan layanan dengan hasilnya."""
    view = _with_queue(
        lambda q, who: q.finish(counter, who, outcome=outcome, ticket=ticket), operator
    )
    return _ticket_result(view, f"{view.number} selesai: {OUTCOMES[outcome]}.")


@queue.command("no-show")
@counter_option
@operator_option
@ticket_option
@command_output
def queue_no_show(counter: int, operator: str, ticket: str | None) -> tuple[dict[str, Any], str]:
    """Tandai tidak hadir (setelah cukup panggilan)."""
    view = _with_queue(lambda q, who: q.no_show(counter, who, ticket=ticket), operator)
    return _ticket_result(view, f"{view.number} ditandai tidak hadir.")


@queue.command("reactivate")
@click.argument("number")
@operator_option
@command_output
def queue_reactivate(number: str, operator: str) -> tuple[dict[str, Any], str]:
    """Aktifkan kembali tiket tidak hadir (hari yang sama)."""
    view = _with_queue(lambda q, who: q.reactivate(number, who), operator)
    return _ticket_result(view, f"{view.number} kembali menunggu di tempatnya semula.")


@queue.command("transfer")
@counter_option
@operator_option
@ticket_option
@click.option("--to-service", default=None, help="Awalan layanan tujuan, mis. B.")
@click.option("--to-counter", type=int, default=None, help="Nomor loket tujuan.")
@command_output
def queue_transfer(
    counter: int, operator: str, ticket: str | None, to_service: str | None, to_counter: int | None
) -> tuple[dict[str, Any], str]:
    """Alihkan tiket ke layanan atau loket lain (urutan waktunya tetap)."""
    view = _with_queue(
        lambda q, who: q.transfer(
            counter, who, ticket=ticket, to_service=to_service, to_counter=to_counter
        ),
        operator,
    )
    return _ticket_result(view, f"{view.number} dialihkan.")


@queue.command("takeover")
@counter_option
@operator_option
@click.option("--ticket", "ticket", required=True, help="Tiket di loket yang tutup/tidak aktif.")
@click.option("--return", "return_to_queue", is_flag=True, help="Kembalikan ke depan antrean.")
@command_output
def queue_takeover(
    counter: int, operator: str, ticket: str, return_to_queue: bool
) -> tuple[dict[str, Any], str]:
    """Ambil alih tiket dari loket yang ditutup atau tidak aktif."""
    view = _with_queue(
        lambda q, who: q.takeover(counter, who, ticket=ticket, return_to_queue=return_to_queue),
        operator,
    )
    verb = "dikembalikan ke antrean" if return_to_queue else f"diambil alih Loket {counter}"
    return _ticket_result(view, f"{view.number} {verb}.")


@queue.command("cancel")
@click.argument("number")
@operator_option
@click.option("--reason", default="Dibatalkan atas permintaan warga", show_default=True)
@command_output
def queue_cancel(number: str, operator: str, reason: str) -> tuple[dict[str, Any], str]:
    """Batalkan tiket hari ini."""
    view = _with_queue(lambda q, who: q.cancel(number, who, reason=reason), operator)
    return _ticket_result(view, f"{view.number} dibatalkan.")


@queue.command("attach-nik")
@click.argument("number")
@click.argument("nik")
@operator_option
@command_output
def queue_attach_nik(number: str, nik: str, operator: str) -> tuple[dict[str, Any], str]:
    """Catat NIK warga pada tiketnya."""
    view = _with_queue(lambda q, who: q.attach_nik(number, nik, who), operator)
    return _ticket_result(view, f"NIK {view.nik_masked} dicatat pada {view.number}.")


@queue.command("status")
@command_output
def queue_status() -> tuple[dict[str, Any], str]:
    """Keadaan antrean sekarang."""
    status = _with_queue(lambda q: q.status())
    lines = [f"Antrean {status.day}"]
    for c in status.counters:
        state = "buka" if c.open else "tutup"
        if c.open and not c.live:
            state = "buka, TIDAK AKTIF"
        held = f", memegang {c.ticket} ({STATUS_LABELS[c.ticket_status]})" if c.ticket else ""
        cover = ", mode bantu" if c.cover else ""
        services = ",".join(c.services or c.configured_services)
        lines.append(
            f"  Loket {c.number}: {state}{cover}; {c.operator or '-'}; layanan {services}{held}"
        )
    for s in status.services:
        warn = "  (tidak ada loket aktif!)" if s["uncovered"] and s["waiting"] else ""
        lines.append(
            f"  {s['prefix']} {s['name']}: {s['waiting']} menunggu, "
            f"perkiraan {s['estimated_wait_min']} menit{warn}"
        )
    lines += ["Menunggu:"] + [f"  {_ticket_line(t)}" for t in status.waiting[:30]]
    if len(status.waiting) > 30:
        lines.append(f"  ... dan {len(status.waiting) - 30} lagi")
    return status.to_dict(), "\n".join(lines)


@queue.command("close-day")
@click.option("--operator", default=None, help="Yang menutup hari (jejak audit).")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--reason", default=None, help="Alasan tiket tidak terlayani.")
@command_output
def queue_close_day(
    operator: str | None, day: dt.datetime | None, reason: str | None
) -> tuple[dict[str, Any], str]:
    """Akhiri hari: tiket yang masih menunggu ditutup sebagai tidak terlayani."""
    options: dict[str, Any] = {"day": day.date() if day else None}
    if reason:
        options["reason"] = reason
    result = _with_queue(lambda q, who: q.close_day(operator_name(who), **options), operator)
    by_service = ", ".join(f"{k}: {v}" for k, v in sorted(result.by_service.items())) or "-"
    closed = len(result.closed)
    lines = [f"Hari {result.day} ditutup: {closed} tiket tidak terlayani ({by_service})."]
    if result.still_serving:
        lines.append("Masih dilayani (selesaikan di loket): " + ", ".join(result.still_serving))
    return result.to_dict(), "\n".join(lines)


@queue.command("check")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@command_output
def queue_check(day: dt.datetime | None) -> tuple[dict[str, Any], str]:
    """Periksa keutuhan antrean (nomor, status, peristiwa), mis. setelah listrik padam."""
    problems = _with_queue(lambda q: q.check(day.date() if day else None))
    if problems:
        raise Refusal("Antrean tidak utuh: " + "; ".join(problems[:20]), problems=problems)
    return {"ok": True, "problems": []}, "Antrean utuh."


def register(cli: click.Group) -> None:
    cli.add_command(ticket)
    cli.add_command(queue)
