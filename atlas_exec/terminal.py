"""Text a program wrote to a terminal, as the reader's screen would show it.

Progress bars rewrite their line with carriage returns and backspaces,
coloured output carries SGR codes, cursor codes hide and show the cursor,
terminal hyperlinks (OSC 8) wrap their text. A VT100 emulator (pyte) plays the
text onto a screen large enough to hold it, and the screen's final state is
what the page shows: the last state of each rewritten line, no escape
sequence of any kind.
"""

from __future__ import annotations

import pyte

_CONTROL = ("\x1b", "\r", "\b", "\x9b", "\x9d")


def screen_text(text: str) -> str:
    """``text`` after a terminal has interpreted its control characters and escape sequences."""
    if not any(control in text for control in _CONTROL):
        return text
    lines = text.split("\n")
    # Wide characters take two cells: twice the longest line never wraps.
    screen = pyte.Screen(max(1, 2 * max(len(line) for line in lines)), len(lines) + 1)
    screen.set_mode(pyte.modes.LNM)  # "\n" also returns the carriage, as on a tty
    pyte.Stream(screen).feed(text)
    rows = [row.rstrip() for row in screen.display[: screen.cursor.y + 1]]
    shown = "\n".join(rows)
    if text.endswith("\n"):
        shown = shown.rstrip("\n") + "\n"
    return shown.rstrip(" ") if not text.endswith("\n") else shown
