"""When a KK has lost its head (station.register.household), in plain objects."""

from __future__ import annotations

from types import SimpleNamespace

from station.register.household import acts_for_household, needs_new_head, renewal_warning


def member(name: str, relation: str, status: str = "active") -> SimpleNamespace:
    return SimpleNamespace(name=name, family_relationship=relation, status=status)


def test_a_living_head_needs_nothing() -> None:
    kk = [member("YOHANES", "KEPALA KELUARGA"), member("MARIA", "ISTRI")]
    assert not needs_new_head(kk) and renewal_warning(kk) is None
    assert not acts_for_household(kk[1], kk)


def test_a_head_who_moved_away_leaves_the_spouse_acting() -> None:
    kk = [member("YOHANES", "KEPALA KELUARGA", "moved"), member("MARIA", "ISTRI")]
    assert needs_new_head(kk) and acts_for_household(kk[1], kk)
    warning = renewal_warning(kk)
    assert warning is not None and "YOHANES" in warning and "PINDAH" in warning


def test_a_child_never_acts_and_a_kk_without_a_recorded_head_is_not_flagged() -> None:
    kk = [member("YOHANES", "KEPALA KELUARGA", "deceased"), member("ANGELA", "ANAK")]
    assert needs_new_head(kk) and not acts_for_household(kk[1], kk)
    assert not needs_new_head([member("MARIA", "ISTRI"), member("ANGELA", "ANAK")])
    # a new head recorded: the former one stays on the KK as deceased, the warning goes
    kk.append(member("MARIA", "KEPALA KELUARGA"))
    assert not needs_new_head(kk)
