"""In the real operator app (Pilot): choosing who signs a letter (F4, a.n. the lurah), and the
resident card of a household whose head died (renew the KK, F7 pengantar, Ctrl+N new head)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from station.home.config import SignerConfig
from station.home.context import Station
from station.letters.store import IssuedLetter
from station.screens.operator.app import OperatorApp
from station.screens.operator.letter import STEP_FORM, STEP_PREVIEW, LetterScreen
from station.screens.operator.lookup import LookupScreen
from station.store.models import Letter, Resident
from tests.helpers.letter_helpers import HEAD, RESIDENTS, WIFE
from tests.helpers.operator_pilot import (
    SIZE,
    add_indexed_residents,
    audit_actions,
    login,
    notes,
    run,
    settle,
    text,
    to_lookup,
)

SECRETARY = SignerConfig(
    name="Maria Goreti Seran, S.H.",
    nip="198105122006042003",
    rank="Penata (III/c)",
    position="Sekretaris Kelurahan",
)


def test_f4_lets_the_secretary_sign_on_behalf_of_the_lurah(station: Station, tmp_path: Any) -> None:
    add_indexed_residents(station, RESIDENTS)
    station.config.signers = {"sekretaris": SECRETARY}
    station.config.printer.uri = f"file:{tmp_path / 'printer.bin'}"
    results: list[Any] = []

    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=(100, 34)) as pilot:
            await pilot.pause()
            await login(app, pilot)
            app.push_screen(LetterScreen(HEAD, None), results.append)
            await settle(app, pilot)
            await pilot.press("enter", "enter")  # SKD: its optional field
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, LetterScreen) and screen.step == STEP_FORM
            assert "Penanda tangan: Lurah (F4 ganti)" in text(app, "#form-message")
            await pilot.press(*"Melamar", "enter")
            await settle(app, pilot)
            assert screen.step == STEP_PREVIEW
            preview = text(app, "#preview-text")
            assert "LURAH OESAPA" in preview and "a.n." not in preview
            await pilot.press("f4")
            await pilot.pause()
            await pilot.press("down", "enter")  # the secretary, below the lurah
            await settle(app, pilot)
            assert screen.step == STEP_PREVIEW
            preview = text(app, "#preview-text")
            assert "a.n. LURAH OESAPA" in preview
            assert "SEKRETARIS KELURAHAN" in preview
            assert "MARIA GORETI SERAN, S.H." in preview
            assert "Sekretaris Kelurahan" in text(app, "#preview-note")
            await pilot.press("enter")  # issue and print
            await settle(app, pilot)
            assert not isinstance(app.screen, LetterScreen)

    run(scenario())
    assert results and isinstance(results[0], IssuedLetter)
    with station.db.read() as session:
        [letter] = session.scalars(select(Letter)).all()
    signer = letter.document["signer"]
    assert signer["on_behalf"] == "a.n. LURAH OESAPA"
    assert signer["name"] == "MARIA GORETI SERAN, S.H."


def test_the_card_of_a_widow_says_renew_the_kk_and_records_her_as_head(
    station: Station,
) -> None:
    add_indexed_residents(station, RESIDENTS)
    with station.db.write() as session:  # what the SKK for the head left (its effect)
        session.execute(update(Resident).where(Resident.nik == HEAD).values(status="deceased"))

    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await to_lookup(app, pilot)
            await pilot.press(*WIFE, "enter")
            await settle(app, pilot)
            card = text(app, "#card")
            assert "KK harus diperbarui di Dukcapil" in card
            assert "YOHANES EMANUEL KEBAN" in card and "MENINGGAL" in card
            assert "F7" in card and "Ctrl+N" in card
            # F7 offers the pengantar: the letter screen opens on SPKK
            await pilot.press("f7")
            await settle(app, pilot)
            letter = app.screen
            assert isinstance(letter, LetterScreen)
            assert letter.offers[0].code == "SPKK" and letter.offers[0].allowed
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, LookupScreen)
            # Ctrl+N: "Batal" is the safe default, then yes
            await pilot.press("ctrl+n")
            await pilot.pause()
            await pilot.press("enter")
            await settle(app, pilot)
            assert "resident.head_changed" not in audit_actions(station)
            await pilot.press("ctrl+n")
            await pilot.pause()
            await pilot.press("up", "enter")
            await settle(app, pilot)
            card = text(app, "#card")
            assert "KK harus diperbarui" not in card and "Ctrl+N" not in card
            assert "KEPALA KELUARGA" in card
            assert "MARIA KEBAN dicatat sebagai kepala keluarga." in notes(app)

    run(scenario())
    assert "resident.head_changed" in audit_actions(station)
    with station.db.read() as session:
        widow = session.scalars(select(Resident).where(Resident.nik == WIFE)).one()
    assert widow.family_relationship == "KEPALA KELUARGA"
