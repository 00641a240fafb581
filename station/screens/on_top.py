"""Screens that must not act while another screen covers them.

A print can finish while the idle lock (or a dialog) is on top. Dismissing then would pop the
*top* screen (in Textual 8.2 ``dismiss`` pops whatever is on top), and a fault dialog would
open over the lock. Such screens defer the callback until they are on top again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.screen import Screen

ResultT = TypeVar("ResultT")


class WaitsOnTop(Screen[ResultT]):
    """Mixin-style base: ``when_on_top(callback)`` runs now, or on the next resume."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deferred: list[Callable[[], Any]] = []

    @property
    def on_top(self) -> bool:
        """Top of the stack (``is_current`` is also true just below a screen on top)."""
        try:
            return self.app.screen is self
        except Exception:  # no screen stack: the app is closing
            return False

    def when_on_top(self, callback: Callable[[], Any]) -> None:
        if self.on_top:
            callback()
        else:
            self.deferred.append(callback)

    def on_screen_resume(self) -> None:
        waiting, self.deferred = self.deferred, []
        for callback in waiting:
            callback()
