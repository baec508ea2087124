"""The banner shown on every screen while the cloud does not answer; it hides itself when the connection is back.

It watches the app's `offline` attribute (attributes down): screens only report what their calls saw (messages up).
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Static


class ConnectionBanner(Static):
    DEFAULT_CSS = """
    ConnectionBanner {
        display: none;
        height: 1;
        background: $error;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    ConnectionBanner.-offline { display: block; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "offline", self._changed, init=True)

    def _changed(self, reason: Any) -> None:
        self.set_class(bool(reason), "-offline")
        if reason:
            self.update(f"Connection lost: {reason}. Retrying; the console recovers by itself.")
