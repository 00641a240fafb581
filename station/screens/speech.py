"""The announcer: speaks call phrases one after another on a single thread.

Why one thread and a queue: two counters calling at the same moment must be heard one after
the other, never on top of each other, and the board's UI thread must never wait for a sound.
Speech is espeak-ng's Indonesian voice, offline: rendered to a WAV file and played with
``aplay``/``paplay``/``pw-play`` when one is installed (the sound then goes where the desktop
sends it), else spoken by espeak-ng directly. Without espeak-ng, or with ``[voice] enabled =
false``, a bell (the caller's, e.g. the terminal bell) marks each call instead.
"""

from __future__ import annotations

import contextlib
import math
import queue
import shutil
import struct
import subprocess
import tempfile
import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

PLAYERS = (("aplay", ("-q",)), ("paplay", ()), ("pw-play", ()))
TIMEOUT_SECONDS = 30.0
_RATE = 22050


def find_espeak() -> str | None:
    return shutil.which("espeak-ng")


def find_player() -> list[str] | None:
    """The command (without the file) of the first WAV player installed, or None."""
    for name, args in PLAYERS:
        path = shutil.which(name)
        if path:
            return [path, *args]
    return None


def render_wav(text: str, path: Path, *, voice: str = "id", speed: int = 130) -> Path:
    """Speak ``text`` into a WAV file with espeak-ng (text on stdin: never read as options)."""
    engine = find_espeak()
    if engine is None:
        raise FileNotFoundError("espeak-ng tidak terpasang")
    subprocess.run(
        [engine, "-v", voice, "-s", str(speed), "-w", str(path)],
        input=text.encode("utf-8"),
        check=True,
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
    )
    return path


def write_chime(path: Path) -> Path:
    """A soft two-tone "ding-dong" (E5 then C5, fading), so heads turn before the words."""
    frames = bytearray()
    for freq in (659.25, 523.25):
        count = int(_RATE * 0.45)
        for i in range(count):
            fade = math.exp(-4.0 * i / count)
            sample = 0.35 * fade * math.sin(2 * math.pi * freq * i / _RATE)
            frames += struct.pack("<h", int(sample * 32767))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(_RATE)
        out.writeframes(bytes(frames))
    return path


def describe(voice: Any) -> dict[str, Any]:
    """What the board will do for a call on this PC (for ``station board --json``)."""
    engine = find_espeak()
    player = find_player()
    if not voice.enabled:
        mode = "bell"
    elif engine is None:
        mode = "bell (espeak-ng tidak terpasang)"
    else:
        mode = "espeak-ng + " + Path(player[0]).name if player else "espeak-ng"
    return {
        "enabled": voice.enabled,
        "mode": mode,
        "espeak_ng": engine,
        "player": player[0] if player else None,
        "voice": voice.voice,
        "speed": voice.speed,
        "chime": voice.chime,
        "phrase": voice.phrase,
    }


class Announcer:
    """Queue of phrases spoken in order by one daemon thread.

    ``voice`` is the ``[voice]`` config; ``bell`` rings when there is no speech (the board
    passes the terminal bell); ``speak`` replaces the sound output (tests, other engines);
    ``on_error`` hears about a failed announcement (the next one is tried all the same).
    """

    def __init__(
        self,
        voice: Any,
        *,
        bell: Callable[[], None] | None = None,
        speak: Callable[[str], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self.voice = voice
        self.bell = bell or (lambda: None)
        self.on_error = on_error or (lambda exc: None)
        self._speak = speak or self._speak_out_loud
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._chime: Path | None = None
        self.spoken: list[str] = []  # what was announced, in order (shown in tests and logs)

    def start(self) -> Announcer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
            self._thread.start()
        return self

    def say(self, text: str) -> None:
        """Queue a phrase; returns at once."""
        self.start()
        self._queue.put(text)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every queued phrase is spoken (for shutdown and tests)."""
        done = threading.Event()

        def waiter() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=waiter, daemon=True).start()
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop after the phrase being spoken; the rest of the queue is dropped."""
        if self._thread is None:
            return
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
                self._queue.task_done()
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def _run(self) -> None:
        while True:
            text = self._queue.get()
            try:
                if text is None:
                    return
                self._speak(text)
                self.spoken.append(text)
            except Exception as exc:  # one failed sound must not silence the rest
                self.on_error(exc)
            finally:
                self._queue.task_done()

    # --- the real sound (announcer thread) ------------------------------------------------

    def _dir(self) -> Path:
        if self._workdir is None:
            self._workdir = tempfile.TemporaryDirectory(prefix="station-voice-")
        return Path(self._workdir.name)

    def _play(self, player: list[str], path: Path) -> None:
        subprocess.run(
            [*player, str(path)], check=True, capture_output=True, timeout=TIMEOUT_SECONDS
        )

    def _speak_out_loud(self, text: str) -> None:
        engine = find_espeak() if self.voice.enabled else None
        if engine is None:
            self.bell()
            return
        player = find_player()
        if self.voice.chime:
            if player:
                if self._chime is None:
                    self._chime = write_chime(self._dir() / "chime.wav")
                self._play(player, self._chime)
            else:
                self.bell()
        if player:
            path = render_wav(
                text, self._dir() / "call.wav", voice=self.voice.voice, speed=self.voice.speed
            )
            self._play(player, path)
            return
        subprocess.run(
            [engine, "-v", self.voice.voice, "-s", str(self.voice.speed)],
            input=text.encode("utf-8"),
            check=True,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
        )
