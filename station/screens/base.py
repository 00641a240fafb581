"""What every screen of the three apps shares, written once (docs/architecture.md).

Screens run the core in thread workers and come back to the UI thread with ``_to_ui``; they
speak to people with ``_notify``. ``station_app`` is the app that hosts them, typed as that
app's host Protocol (``OperatorHost``, ``KioskHost``, ``BoardHost``), so a screen never
imports its App module, not even for typing: the apps import their screens, never the
reverse, and the import graph has no cycle.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from textual.content import Content

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

HostT = TypeVar("HostT")


def plain(value: object) -> Content:
    """Data (a name, an address, a message from the core) as content that is never read as
    markup: ``[BOLD RED]MERAH[/]`` in the register shows as typed. Rich's ``escape`` is not
    enough (Textual's parser still reads upper-case and ``link=`` tags)."""
    return Content(str(value))


def markup(template: str, **values: object) -> Content:
    """Our own markup with data filled in as plain text: ``markup("[b]$name[/b]", name=x)``."""
    return Content.from_markup(template, **{key: str(v) for key, v in values.items()})


def joined(parts: Iterable[Content | str], separator: str = "\n") -> Content:
    """Lines of content, each kept as it is (a ``str`` part is our own text, not data)."""
    return Content(separator).join(
        part if isinstance(part, Content) else Content(part) for part in parts
    )


def to_ui(app: App[Any], callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``callback`` on the UI thread, from a worker thread; nothing once the app closes."""
    with contextlib.suppress(RuntimeError):  # the app is closing
        app.call_from_thread(callback, *args, **kwargs)


class StationScreen(Generic[HostT]):
    """Mixin for a screen (or the palette's provider) hosted by an app typed ``HostT``.

    Listed before the Textual base: ``class MainScreen(StationScreen[OperatorHost], Screen)``.
    """

    if TYPE_CHECKING:
        app: App[Any]  # the Textual base's (``MessagePump.app``)

    @property
    def station_app(self) -> HostT:
        """The hosting app, as its host Protocol (what screens may use of it)."""
        return cast("HostT", self.app)

    def _to_ui(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        to_ui(self.app, callback, *args, **kwargs)

    def _notify(self, message: str, severity: SeverityLevel = "information") -> None:
        self.app.notify(message, severity=severity)
