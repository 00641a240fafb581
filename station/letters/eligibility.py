"""Who may receive which letter: named rules over a resident snapshot, with Indonesian refusals.

Rules are named so that a letter-type file can list them (``eligibility = ["active", …]``)
and an admin can combine them without code.  Everything here is pure: the caller passes the
resident, the KK members and "today" (the office's local date).  Effects a letter has on the
register (a death letter marks the resident deceased) are described here and applied by the
database layer in the issuing transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from station.letters.formats import age_on, clean_text, format_date_id
from station.letters.resident import (
    MARRIED,
    STATUS_ACTIVE,
    STATUS_DECEASED,
    STATUS_MOVED,
    ResidentSnapshot,
    marital_state,
)
from station.register.codes import FAMILY_RELATIONSHIP
from station.register.household import (
    KK_RENEWAL_NAME,
    KK_RENEWAL_TYPE,
    acts_for_household,
    needs_new_head,
)


class RuledType(Protocol):
    """What eligibility reads of a letter type (``catalogue.LetterType`` is one). A protocol,
    not an import: the catalogue imports the rules, so the rules may not import it back."""

    @property
    def title_case(self) -> str: ...
    @property
    def effects(self) -> Sequence[Any]: ...  # catalogue.EffectSpec
    @property
    def eligibility(self) -> Sequence[str]: ...
    @property
    def lists_family(self) -> bool: ...


ADULT_AGE = 17  # KTP-el age (UU 24/2013 Pasal 63), also used for SKCK
MARRIAGE_AGE = 19  # UU 16/2019 amending UU 1/1974 Pasal 7 ayat 1, for men and women alike
ISLAM = "ISLAM"
# The KUA's form (N1) is for Muslims; everyone else gets the general pengantar, whose
# marriage is recorded by Dukcapil (UU 24/2013 Pasal 34). Named in the refusals.
KUA_MARRIAGE_TYPE = ("N1", "Pengantar Nikah (N1)")
GENERAL_MARRIAGE_TYPE = ("SPN", "Surat Pengantar Nikah")
NEVER_MARRIED = "BELUM KAWIN"
HEAD_OF_FAMILY = "KEPALA KELUARGA"


@dataclass(frozen=True)
class Ineligibility:
    """Why a letter cannot be issued: ``rule`` for programs, ``message`` for people. (Not an
    exception: ``LetterRefusal`` carries these messages to the faces.)"""

    rule: str
    message: str


@dataclass(frozen=True)
class Eligibility:
    """The answer for one resident and one letter type."""

    allowed: bool
    refusals: tuple[Ineligibility, ...]
    dependants: tuple[ResidentSnapshot, ...] = ()

    @property
    def message(self) -> str:
        return " ".join(r.message for r in self.refusals)


@dataclass(frozen=True)
class Effect:
    """A change to the register that issuing the letter implies, for the DB layer to apply
    in the same transaction (and to audit)."""

    kind: str  # "mark_deceased"
    nik: str
    status: str  # the resident status to set
    effective_on: date | None
    description: str


@dataclass(frozen=True)
class EligibilityContext:
    title: str
    resident: ResidentSnapshot
    today: date
    records_death: bool
    family: tuple[ResidentSnapshot, ...] = ()  # the KK's members, the resident included

    @property
    def name(self) -> str:
        return clean_text(self.resident.name) or "Penduduk ini"


Rule = Callable[[EligibilityContext], str | None]


def _active(ctx: EligibilityContext) -> str | None:
    status = ctx.resident.status
    if status == STATUS_ACTIVE:
        return None
    if status == STATUS_DECEASED:
        hint = (
            " Jika surat kematiannya hilang, cetak ulang surat yang sudah terbit."
            if ctx.records_death
            else ""
        )
        return (
            f"{ctx.name} tercatat sudah meninggal dunia; {ctx.title} tidak dapat diterbitkan."
            + hint
        )
    if status == STATUS_MOVED:
        return (
            f"{ctx.name} tercatat sudah pindah; {ctx.title} hanya untuk penduduk yang masih "
            "berdomisili di kelurahan ini."
        )
    return f"Status penduduk {ctx.name} ({status!r}) tidak dikenal; periksa data penduduk."


def _not_deceased(ctx: EligibilityContext) -> str | None:
    if ctx.resident.status == STATUS_DECEASED:
        return f"{ctx.name} tercatat sudah meninggal dunia; {ctx.title} tidak dapat diterbitkan."
    return None


def _head_of_family(ctx: EligibilityContext) -> str | None:
    relation = clean_text(ctx.resident.family_relationship).upper()
    if relation == HEAD_OF_FAMILY:
        return None
    # The head died or moved: the surviving spouse acts for the household until the renewed
    # KK names its head (station.register.household, docs/domain.md §2).
    if acts_for_household(ctx.resident, ctx.family):
        return None
    shown = relation or "belum tercatat"
    message = (
        f"{ctx.title} hanya dapat diajukan oleh kepala keluarga; kedudukan {ctx.name} "
        f"dalam KK: {shown}."
    )
    if needs_new_head(ctx.family):
        message += (
            " Kepala keluarga KK ini sudah tidak ada: perbarui KK di Dukcapil "
            f"({KK_RENEWAL_NAME}, {KK_RENEWAL_TYPE}) atau ajukan oleh suami/istrinya."
        )
    return message


def _has_kk(ctx: EligibilityContext) -> str | None:
    kk = ctx.resident.kk_number
    if len(kk) == 16 and kk.isascii() and kk.isdigit():
        return None
    return f"Nomor KK {ctx.name} belum tercatat dengan benar; perbarui data penduduk dahulu."


def _has_address(ctx: EligibilityContext) -> str | None:
    """A letter that prints the address needs a street address: without one it would read
    "Alamat : Kel. OESAPA" (a resident registered at the counter without an address)."""
    if clean_text(ctx.resident.address):
        return None
    return (
        f"Alamat {ctx.name} belum tercatat, padahal {ctx.title} mencantumkan alamat; "
        "perbarui data penduduk dahulu (isi alamat)."
    )


def _never_married(ctx: EligibilityContext) -> str | None:
    status = clean_text(ctx.resident.marital_status).upper()
    if status == NEVER_MARRIED:
        return None
    if not status:
        return f"Status perkawinan {ctx.name} belum tercatat; perbarui data penduduk dahulu."
    return f"{ctx.title} hanya untuk penduduk berstatus BELUM KAWIN; {ctx.name} tercatat {status}."


def _age(ctx: EligibilityContext) -> int:
    return age_on(ctx.resident.birth_date, ctx.today)


def _ever_married(resident: ResidentSnapshot) -> bool:
    status = clean_text(resident.marital_status).upper()
    return bool(status) and status != NEVER_MARRIED


def _adult(ctx: EligibilityContext) -> str | None:
    age = _age(ctx)
    if age >= ADULT_AGE:
        return None
    return (
        f"{ctx.title} hanya untuk penduduk berumur {ADULT_AGE} tahun ke atas; "
        f"{ctx.name} berumur {age} tahun."
    )


def _adult_or_married(ctx: EligibilityContext) -> str | None:
    age = _age(ctx)
    if age >= ADULT_AGE or _ever_married(ctx.resident):
        return None
    return (
        f"{ctx.title} hanya untuk penduduk berumur {ADULT_AGE} tahun ke atas atau yang "
        f"sudah/pernah kawin; {ctx.name} berumur {age} tahun dan belum kawin."
    )


def _marriage_age(ctx: EligibilityContext) -> str | None:
    age = _age(ctx)
    if age >= MARRIAGE_AGE:
        return None
    return (
        f"{ctx.title} hanya untuk calon pengantin berumur {MARRIAGE_AGE} tahun ke atas "
        f"(UU 16/2019 tentang Perubahan UU 1/1974, Pasal 7); {ctx.name} berumur {age} tahun. "
        "Di bawah umur itu perkawinan memerlukan dispensasi dari pengadilan."
    )


def _religion(ctx: EligibilityContext) -> str:
    return " ".join(clean_text(ctx.resident.religion).upper().split())


def _islam(ctx: EligibilityContext) -> str | None:
    religion = _religion(ctx)
    if religion == ISLAM:
        return None
    code, name = GENERAL_MARRIAGE_TYPE
    if not religion:
        return f"Agama {ctx.name} belum tercatat; perbarui data penduduk dahulu."
    return (
        f"{ctx.title} adalah formulir KUA untuk calon pengantin beragama Islam; {ctx.name} "
        f"beragama {religion}. Gunakan {name} ({code})."
    )


def _not_islam(ctx: EligibilityContext) -> str | None:
    religion = _religion(ctx)
    if not religion:
        return f"Agama {ctx.name} belum tercatat; perbarui data penduduk dahulu."
    if religion != ISLAM:
        return None
    code, name = KUA_MARRIAGE_TYPE
    return (
        f"{ctx.name} beragama Islam; pernikahannya dicatat KUA, jadi gunakan {name} ({code}), "
        f"bukan {ctx.title}."
    )


def _may_marry(ctx: EligibilityContext) -> str | None:
    """Not bound by a marriage; a Muslim husband may marry again with the court's permission
    (UU 1/1974 Pasal 3 ayat 2, Pasal 4 and Pasal 9), which the KUA checks."""
    status = clean_text(ctx.resident.marital_status).upper()
    if not status:
        return f"Status perkawinan {ctx.name} belum tercatat; perbarui data penduduk dahulu."
    if marital_state(status) != MARRIED:
        return None
    if ctx.resident.sex == "L" and _religion(ctx) == ISLAM:
        return None
    return (
        f"{ctx.name} tercatat berstatus {status}; {ctx.title} hanya untuk calon pengantin "
        "yang tidak terikat perkawinan (UU 1/1974 Pasal 9). Bila perkawinan sudah putus, "
        "perbarui data penduduk dahulu."
    )


def _ektp_not_recorded(ctx: EligibilityContext) -> str | None:
    if not ctx.resident.ektp_recorded:
        return None
    when = ctx.resident.ektp_recorded_on
    on = f" pada {format_date_id(when)}" if when else ""
    return (
        f"{ctx.name} sudah melakukan perekaman KTP-el{on}; pengantar perekaman tidak "
        "diperlukan lagi. Untuk KTP-el hilang atau rusak gunakan Surat Pengantar."
    )


RULES: dict[str, Rule] = {
    "active": _active,
    "not_deceased": _not_deceased,
    "kepala_keluarga": _head_of_family,
    "has_kk": _has_kk,
    "has_address": _has_address,
    "belum_kawin": _never_married,
    "adult": _adult,
    "adult_or_married": _adult_or_married,
    "ektp_not_recorded": _ektp_not_recorded,
    "marriage_age": _marriage_age,
    "islam": _islam,
    "not_islam": _not_islam,
    "may_marry": _may_marry,
}
RULE_DESCRIPTIONS: dict[str, str] = {
    "active": "penduduk berstatus aktif (bukan pindah, bukan meninggal)",
    "not_deceased": "penduduk belum tercatat meninggal (penduduk pindah boleh)",
    "kepala_keluarga": (
        "hanya kepala keluarga (atau suami/istrinya bila kepala keluarga meninggal atau pindah "
        "dan KK belum diperbarui)"
    ),
    "has_kk": "nomor KK tercatat (16 digit)",
    "has_address": "alamat tercatat (wajib bagi surat yang mencantumkan alamat)",
    "belum_kawin": "status perkawinan BELUM KAWIN",
    "adult": f"berumur {ADULT_AGE} tahun ke atas",
    "adult_or_married": f"berumur {ADULT_AGE} tahun ke atas atau sudah/pernah kawin",
    "ektp_not_recorded": "belum melakukan perekaman KTP-el",
    "marriage_age": f"berumur {MARRIAGE_AGE} tahun ke atas (umur kawin, UU 16/2019)",
    "islam": "beragama Islam (formulir KUA)",
    "not_islam": "beragama selain Islam (perkawinan dicatat Dukcapil)",
    "may_marry": "tidak terikat perkawinan (kecuali suami beragama Islam: izin diperiksa KUA)",
}
EFFECT_KINDS: dict[str, str] = {
    "mark_deceased": "status penduduk menjadi meninggal (tanggal dari isian bertipe date)",
}


def check_eligibility(
    letter_type: RuledType,
    resident: ResidentSnapshot,
    *,
    today: date,
    family: Iterable[ResidentSnapshot] = (),
) -> Eligibility:
    """Apply the type's rules in order; all refusals are reported, not only the first.

    ``family`` is the resident's KK (any order, the resident may be included); types with a
    dependants table get the active members other than the resident, in KK order.
    """
    family = tuple(family)
    kk = resident.kk_number
    ctx = EligibilityContext(
        title=letter_type.title_case,
        resident=resident,
        today=today,
        records_death=any(e.kind == "mark_deceased" for e in letter_type.effects),
        family=tuple(m for m in family if kk and m.kk_number == kk),
    )
    refusals = []
    rules = list(letter_type.eligibility)
    # A type that prints the address always needs one, whatever its file lists. (Read with
    # getattr: ``prints_address`` is optional for a RuledType.)
    if getattr(letter_type, "prints_address", False) and "has_address" not in rules:
        rules.append("has_address")
    for name in rules:
        message = RULES[name](ctx)
        if message:
            refusals.append(Ineligibility(name, message))
    dependants = dependants_of(resident, family) if letter_type.lists_family else ()
    return Eligibility(not refusals, tuple(refusals), dependants)


_RELATION_ORDER = {label: i for i, (_, label) in enumerate(FAMILY_RELATIONSHIP)}


def dependants_of(
    head: ResidentSnapshot, family: Iterable[ResidentSnapshot]
) -> tuple[ResidentSnapshot, ...]:
    """Active members of the same KK other than ``head``, in KK order (SHDK, then age)."""
    seen: dict[str, ResidentSnapshot] = {}
    for member in family:
        if (
            head.kk_number
            and member.kk_number == head.kk_number
            and member.nik != head.nik
            and member.status == STATUS_ACTIVE
        ):
            seen.setdefault(member.nik, member)
    return tuple(
        sorted(
            seen.values(),
            key=lambda m: (
                _RELATION_ORDER.get(clean_text(m.family_relationship).upper(), 99),
                m.birth_date,
                m.nik,
            ),
        )
    )


def letter_effects(
    letter_type: RuledType, resident: ResidentSnapshot, field_values: Mapping[str, str]
) -> tuple[Effect, ...]:
    """The register changes issuing this letter implies (validated field values expected)."""
    effects = []
    for spec in letter_type.effects:
        if spec.kind == "mark_deceased":
            raw = field_values.get(spec.date_field or "", "")
            on = date.fromisoformat(raw) if raw else None
            since = f" sejak {format_date_id(on)}" if on else ""
            effects.append(
                Effect(
                    kind="mark_deceased",
                    nik=resident.nik,
                    status=STATUS_DECEASED,
                    effective_on=on,
                    description=(
                        f"Status {clean_text(resident.name)} di register diubah menjadi "
                        f"meninggal dunia{since}."
                    ),
                )
            )
    return tuple(effects)
