"""Satisfaction survey (SKM, PermenPAN-RB 14/2017) and its index (IKM), exactly
(docs/domain.md §6.5).

- Nine elements (unsur), each scored 1-4 by a respondent.
- NRR_i = sum of scores of element i / respondents; weighted with exactly 1/9 (not 0.111,
  which makes an all-4 survey 99.9); IKM = 25 x sum of weighted NRR, from 25 to 100.
- Computed with ``fractions.Fraction`` and rounded half-up to 2 decimals only at the end; the
  grade (mutu) and performance label (kinerja) are read off the rounded IKM, because the
  table's bounds have gaps between their 2-decimal ends.

A response belongs to a ticket finished today (the kiosk asks for its number): one response
per ticket, refused for unknown, unfinished or already rated tickets. Responses hold no NIK and
no name. Recording is one transaction with its audit event.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.queue.rules import DONE, STATUS_LABELS, ticket_subject
from station.store import audit
from station.store.errors import StationError
from station.store.models import SKM_ELEMENTS, SurveyResponse, Ticket

if TYPE_CHECKING:
    from station.home.context import Station

ELEMENTS = (
    "Persyaratan",
    "Sistem, Mekanisme, Prosedur",
    "Waktu Penyelesaian",
    "Biaya/Tarif",
    "Produk Spesifikasi Jenis Pelayanan",
    "Kompetensi Pelaksana",
    "Perilaku Pelaksana",
    "Sarana dan Prasarana",
    "Penanganan Pengaduan, Saran dan Masukan",
)
# The questionnaire as residents read it (one question per element, standard SKM wording).
QUESTIONS = (
    "Bagaimana pendapat Anda tentang kesesuaian persyaratan dengan jenis pelayanannya?",
    "Bagaimana pendapat Anda tentang kemudahan prosedur pelayanan di kantor ini?",
    "Bagaimana pendapat Anda tentang kecepatan waktu pelayanan?",
    "Bagaimana pendapat Anda tentang kewajaran biaya/tarif pelayanan?",
    "Bagaimana pendapat Anda tentang kesesuaian hasil pelayanan dengan yang dijanjikan?",
    "Bagaimana pendapat Anda tentang kemampuan petugas dalam melayani?",
    "Bagaimana pendapat Anda tentang kesopanan dan keramahan petugas?",
    "Bagaimana pendapat Anda tentang kualitas sarana dan prasarana?",
    "Bagaimana pendapat Anda tentang penanganan pengaduan, saran dan masukan?",
)
# The answers to each question, for scores 1, 2, 3, 4, in each element's own words: the
# questionnaire of the Lampiran of PermenPAN-RB 14/2017 (Pedoman Penyusunan Survei Kepuasan
# Masyarakat), "contoh kuesioner" (docs/domain.md §6.5). Residents answer "Murah" or "Gratis"
# about cost, not "Baik".
ANSWER_LABELS: tuple[tuple[str, str, str, str], ...] = (
    ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),  # persyaratan
    ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),  # prosedur
    ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),  # waktu penyelesaian
    ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),  # biaya/tarif
    ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),  # produk
    ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),  # kompetensi
    (  # perilaku
        "Tidak sopan dan ramah",
        "Kurang sopan dan ramah",
        "Sopan dan ramah",
        "Sangat sopan dan ramah",
    ),
    ("Buruk", "Cukup", "Baik", "Sangat baik"),  # sarana dan prasarana
    (  # penanganan pengaduan, saran dan masukan
        "Tidak ada",
        "Ada tetapi tidak berfungsi",
        "Berfungsi kurang maksimal",
        "Dikelola dengan baik",
    ),
)
# Generic words for a score (reports' per-element summaries); the questionnaire itself uses
# ANSWER_LABELS.
SCORE_LABELS = {1: "Tidak baik", 2: "Kurang baik", 3: "Baik", 4: "Sangat baik"}


def answer_labels(element: int) -> dict[int, str]:
    """Score -> the answer's words for element ``element`` (0-based), e.g. 4 -> "Gratis"."""
    return dict(enumerate(ANSWER_LABELS[element], start=1))


WEIGHT = Fraction(1, SKM_ELEMENTS)
# (lowest IKM of the band, rounded to 2 decimals, grade, label), highest first
BANDS = (
    (Decimal("88.31"), "A", "Sangat Baik"),
    (Decimal("76.61"), "B", "Baik"),
    (Decimal("65.00"), "C", "Kurang Baik"),
    (Decimal("25.00"), "D", "Tidak Baik"),
)


class SurveyError(StationError):
    """A refusal for the resident at the kiosk (Bahasa Indonesia); ``code`` for programs."""

    code: str

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message, code)


@dataclass(frozen=True)
class Ikm:
    respondents: int
    nrr: tuple[Fraction, ...]  # per element
    value: Fraction  # exact IKM
    rounded: Decimal  # 2 decimals, half up
    grade: str
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "respondents": self.respondents,
            "nrr": [str(_round(n, "0.001")) for n in self.nrr],
            "ikm": str(self.rounded),
            "ikm_exact": f"{self.value.numerator}/{self.value.denominator}",
            "grade": self.grade,
            "label": self.label,
        }


def _round(value: Fraction, places: str) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def classify(ikm: Decimal) -> tuple[str, str]:
    """Grade and label of an IKM rounded to 2 decimals."""
    for lowest, grade, label in BANDS:
        if ikm >= lowest:
            return grade, label
    raise ValueError(f"IKM {ikm} di bawah 25")


def check_scores(scores: Sequence[int]) -> tuple[int, ...]:
    if len(scores) != SKM_ELEMENTS:
        raise SurveyError(f"Harus ada {SKM_ELEMENTS} jawaban, ada {len(scores)}.", "bad_scores")
    for score in scores:
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 4:
            raise SurveyError("Setiap jawaban harus angka 1 sampai 4.", "bad_scores")
    return tuple(scores)


def compute_ikm(responses: Sequence[Sequence[int]]) -> Ikm | None:
    """IKM of a set of responses (each nine scores 1-4); None when there are none."""
    if not responses:
        return None
    checked = [check_scores(r) for r in responses]
    sums = [sum(r[i] for r in checked) for i in range(SKM_ELEMENTS)]
    return ikm_from_sums(len(checked), sums)


_NUMBER = re.compile(r"^\s*([A-Za-z]{1,3})\s*-?\s*(\d{1,3})\s*$")


def normalize_ticket_number(text: str) -> str:
    """What a resident types ("a1", "A 001", "A-001") as the printed number ("A-001")."""
    match = _NUMBER.match(text)
    if match is None:
        raise SurveyError(
            "Nomor antrean tidak dikenali. Ketik seperti pada karcis, mis. A-012.", "bad_number"
        )
    return f"{match.group(1).upper()}-{int(match.group(2)):03d}"


def rateable_ticket(session: Session, office_id: int, number: str, *, today: dt.date) -> Ticket:
    """Today's finished, not yet rated ticket ``number`` (locked when writing), or a refusal."""
    wanted = normalize_ticket_number(number)
    ticket = session.scalars(
        select(Ticket)
        .where(Ticket.office_id == office_id, Ticket.day == today, Ticket.number == wanted)
        .with_for_update()
    ).one_or_none()
    if ticket is None:
        raise SurveyError(f"Nomor antrean {wanted} tidak ada hari ini.", "not_found")
    if ticket.status != DONE:
        raise SurveyError(
            f"Layanan untuk nomor {wanted} belum selesai ({STATUS_LABELS[ticket.status]}). "
            "Survei dapat diisi setelah layanan selesai.",
            "not_finished",
        )
    already = session.scalar(select(SurveyResponse.id).where(SurveyResponse.ticket_id == ticket.id))
    if already is not None:
        raise SurveyError(f"Nomor antrean {wanted} sudah mengisi survei. Terima kasih.", "rated")
    return ticket


def record_response(
    session: Session,
    office_id: int,
    number: str,
    scores: Sequence[int],
    *,
    today: dt.date,
) -> SurveyResponse:
    """Store a response for today's finished ticket ``number``; audited."""
    clean_scores = check_scores(scores)
    ticket = rateable_ticket(session, office_id, number, today=today)
    response = SurveyResponse(
        office_id=office_id,
        ticket_id=ticket.id,
        ticket_number=ticket.number,
        day=ticket.day,
        **{f"q{i + 1}": s for i, s in enumerate(clean_scores)},
    )
    session.add(response)
    session.flush()
    audit.record(
        session,
        office_id=office_id,
        action="skm.response",
        subject=ticket_subject(ticket.day, ticket.number),
        details={"scores": list(clean_scores)},
        operator=None,
    )
    return response


def period_report(session: Session, office_id: int, start: dt.date, end: dt.date) -> dict[str, Any]:
    """IKM, grade, label, NRR per element and the number of respondents for a period."""
    columns = [getattr(SurveyResponse, f"q{i}") for i in range(1, SKM_ELEMENTS + 1)]
    where = (
        SurveyResponse.office_id == office_id,
        SurveyResponse.day >= start,
        SurveyResponse.day <= end,
    )
    row = session.execute(
        select(func.count(SurveyResponse.id), *(func.sum(c) for c in columns)).where(*where)
    ).one()
    n = int(row[0] or 0)
    data: dict[str, Any] = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "respondents": n,
        "elements": list(ELEMENTS),
        "nrr": None,
        "ikm": None,
        "grade": None,
        "label": None,
    }
    if n == 0:
        return data
    ikm = ikm_from_sums(n, [int(s) for s in row[1:]])
    data.update(ikm.to_dict())
    return data


def ikm_from_sums(respondents: int, sums: Sequence[int]) -> Ikm:
    """Same as :func:`compute_ikm`, from per-element sums (what SQL aggregates give)."""
    nrr = tuple(Fraction(s, respondents) for s in sums)
    value = sum((x * WEIGHT for x in nrr), Fraction(0)) * 25
    rounded = _round(value, "0.01")
    grade, label = classify(rounded)
    return Ikm(respondents, nrr, value, rounded, grade, label)


def rateable_tickets(
    session: Session, office_id: int, *, today: dt.date, limit: int = 8
) -> list[str]:
    """Numbers of today's finished tickets without a response, the most recently finished
    first: what the kiosk offers to touch instead of typing a number. Ticket numbers only
    (no NIK, no name): they are on every printed ticket and on the board already."""
    rated = select(SurveyResponse.ticket_id).where(SurveyResponse.office_id == office_id)
    return list(
        session.scalars(
            select(Ticket.number)
            .where(
                Ticket.office_id == office_id,
                Ticket.day == today,
                Ticket.status == DONE,
                Ticket.id.not_in(rated),
            )
            .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
            .limit(limit)
        )
    )


# --- the kiosk's survey screen: each call one transaction of its own -----------------------


def recent_unrated(station: Station, *, today: dt.date, limit: int = 8) -> list[str]:
    """:func:`rateable_tickets` in a read transaction of its own."""
    with station.db.read() as session:
        return rateable_tickets(session, station.office_id, today=today, limit=limit)


def rateable_number(station: Station, number: str, *, today: dt.date) -> str:
    """The number of today's finished, not yet rated ticket (:func:`rateable_ticket`)."""
    with station.db.read() as session:
        return rateable_ticket(session, station.office_id, number, today=today).number


def save_response(station: Station, number: str, scores: Sequence[int], *, today: dt.date) -> None:
    """:func:`record_response` in a write transaction of its own; audited."""
    with station.db.write() as session:
        record_response(session, station.office_id, number, scores, today=today)
