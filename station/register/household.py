"""The household (KK) and its head: a KK whose kepala keluarga died or moved, and recording
the new head (docs/domain.md §2, "The head of a household").

When the SKK marks the head deceased, the KK still lists him: the family must renew the KK at
Dukcapil (UU 24/2013 Pasal 12; Perpres 96/2018). Until then the surviving spouse acts for the
household (an SKTM for the widow is not refused for want of a head), every member's card says
the KK must be renewed and offers the pengantar for it, and once the new KK is out the
operator records its head here (audited with the old and the new head).

Core module: no Textual or click import (docs/architecture.md §Import contracts).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

HEAD = "KEPALA KELUARGA"
SPOUSES = frozenset({"ISTRI", "SUAMI"})
ACTIVE = "active"
# The pengantar to Dukcapil for the renewed KK (station/letters/builtin/SPKK.toml).
KK_RENEWAL_TYPE = "SPKK"
KK_RENEWAL_NAME = "Surat Pengantar Perubahan KK"


def relation_of(member: Any) -> str:
    return " ".join(str(getattr(member, "family_relationship", "") or "").upper().split())


def former_heads(members: Iterable[Any]) -> list[Any]:
    """The KK's recorded heads who are no longer living here (deceased or moved) when no
    living member is its head: the KK must be renewed. Empty for a KK with a living head,
    and for a KK whose head was never recorded (nothing says who is missing)."""
    members = list(members)
    heads = [m for m in members if relation_of(m) == HEAD]
    if any(getattr(m, "status", ACTIVE) == ACTIVE for m in heads):
        return []
    return heads


def needs_new_head(members: Iterable[Any]) -> bool:
    """True when the KK's head died or moved and no new head is recorded."""
    return bool(former_heads(members))


def acts_for_household(resident: Any, members: Iterable[Any]) -> bool:
    """The surviving spouse of a head who died or moved acts for the household until the
    renewed KK names its head."""
    return (
        getattr(resident, "status", ACTIVE) == ACTIVE
        and relation_of(resident) in SPOUSES
        and needs_new_head(members)
    )


def renewal_warning(members: Iterable[Any]) -> str | None:
    """The card's words for a member of a KK without a living head, or None."""
    gone = former_heads(members)
    if not gone:
        return None
    head = gone[0]
    what = "MENINGGAL" if getattr(head, "status", "") == "deceased" else "PINDAH"
    return (
        f"Kepala keluarga KK ini ({getattr(head, 'name', '-')}) tercatat {what}: KK harus "
        f"diperbarui di Dukcapil. Tawarkan {KK_RENEWAL_NAME} ({KK_RENEWAL_TYPE}); setelah KK "
        "baru terbit, catat kepala keluarga baru (F4 di kartu penduduk)."
    )
