"""The announcer: one thread, phrases in order and never overlapping, a bell without speech,
and (where espeak-ng is installed) a real Indonesian WAV of the call phrase."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import pytest

from station.home.config import VoiceConfig
from station.queue.announce import call_phrase
from station.screens.speech import Announcer, describe, find_espeak, render_wav, write_chime


def test_announcements_queue_up_and_never_overlap() -> None:
    active = 0
    most = 0
    threads: set[int] = set()
    lock = threading.Lock()

    def speak(text: str) -> None:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
            threads.add(threading.get_ident())
        time.sleep(0.01)  # long enough for the callers below to pile up
        with lock:
            active -= 1

    announcer = Announcer(VoiceConfig(), speak=speak)
    phrases = [call_phrase(f"A-{n:03d}", 1 + n % 2) for n in range(1, 9)]
    callers = [threading.Thread(target=announcer.say, args=(p,)) for p in phrases[:4]]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    for phrase in phrases[4:]:
        announcer.say(phrase)
    assert announcer.wait_idle(10)
    announcer.close()
    assert most == 1
    assert len(threads) == 1 and threading.get_ident() not in threads
    assert sorted(announcer.spoken) == sorted(phrases)
    assert announcer.spoken[4:] == phrases[4:]  # one caller's order is kept


def test_say_returns_before_the_sound_ends() -> None:
    release = threading.Event()
    announcer = Announcer(VoiceConfig(), speak=lambda text: release.wait(5))
    announcer.say("Nomor antrian A satu, silakan menuju loket satu")
    assert announcer.spoken == []  # still speaking, yet say() returned
    release.set()
    assert announcer.wait_idle(5)
    assert announcer.spoken == ["Nomor antrian A satu, silakan menuju loket satu"]
    announcer.close()


def test_a_failed_sound_does_not_silence_the_next() -> None:
    errors: list[Exception] = []

    def speak(text: str) -> None:
        if "satu" in text:
            raise OSError("kartu suara hilang")

    announcer = Announcer(VoiceConfig(), speak=speak, on_error=errors.append)
    announcer.say("A satu")
    announcer.say("A dua")
    assert announcer.wait_idle(5)
    announcer.close()
    assert announcer.spoken == ["A dua"]
    assert [str(e) for e in errors] == ["kartu suara hilang"]


def test_voice_off_rings_the_bell(monkeypatch: pytest.MonkeyPatch) -> None:
    rings: list[str] = []
    announcer = Announcer(VoiceConfig(enabled=False), bell=lambda: rings.append("ding"))
    announcer.say("A satu")
    announcer.say("A satu")  # a recall repeats it
    assert announcer.wait_idle(5)
    announcer.close()
    assert rings == ["ding", "ding"]
    assert describe(VoiceConfig(enabled=False))["mode"] == "bell"


def test_no_espeak_rings_the_bell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("station.screens.speech.find_espeak", lambda: None)
    rings: list[str] = []
    announcer = Announcer(VoiceConfig(), bell=lambda: rings.append("ding"))
    announcer.say("A satu")
    assert announcer.wait_idle(5)
    announcer.close()
    assert rings == ["ding"]
    assert describe(VoiceConfig())["mode"].startswith("bell")


def test_chime_is_a_playable_wav(tmp_path: Path) -> None:
    path = write_chime(tmp_path / "chime.wav")
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 1 and wav.getframerate() == 22050
        assert wav.getnframes() > 10000


@pytest.mark.skipif(find_espeak() is None, reason="espeak-ng is not installed")
def test_espeak_renders_the_indonesian_phrase(tmp_path: Path) -> None:
    phrase = call_phrase("A-012", 1)
    path = render_wav(phrase, tmp_path / "call.wav")
    with wave.open(str(path)) as wav:
        frames = wav.getnframes()
        seconds = frames / wav.getframerate()
    assert frames > 0
    assert seconds > 1.0  # a whole sentence, not an empty or one-syllable file
    assert describe(VoiceConfig())["espeak_ng"] is not None


@pytest.mark.skipif(find_espeak() is None, reason="espeak-ng is not installed")
def test_the_real_announcer_runs_espeak_without_a_player(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With espeak-ng and a "player" that copies what it is given, the WAVs played are real."""
    played = tmp_path / "played"
    played.mkdir()
    script = f'cp "$0" "{played}/$(ls "{played}" | wc -l).wav"'

    def fake_player() -> list[str]:
        return ["/bin/sh", "-c", script]

    monkeypatch.setattr("station.screens.speech.find_player", fake_player)
    announcer = Announcer(VoiceConfig(chime=True))
    announcer.say(call_phrase("B-021", 2))
    assert announcer.wait_idle(30)
    announcer.close()
    assert announcer.spoken == ["Nomor antrian B dua puluh satu, silakan menuju loket dua"]
    sizes = [p.stat().st_size for p in sorted(played.iterdir())]
    assert len(sizes) == 2 and all(size > 1000 for size in sizes)  # the chime, then the words
