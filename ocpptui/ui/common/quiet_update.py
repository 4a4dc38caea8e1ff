"""Updates that cost nothing when nothing changed.

`Static.update` lays the screen out again and setting a border title repaints the widget,
even when the new value is the one already shown. Views that are told "this charger changed"
several times a second (issue 18) go through these, so a repaint happens only when the text
or its styles really differ.
"""

from __future__ import annotations

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static


def same_content(old: object, new: Content) -> bool:
    """Whether `old` shows exactly `new`: the same text with the same styles."""
    return isinstance(old, Content) and old.plain == new.plain and old.spans == new.spans


def update_static(static: Static, content: Content, *, layout: bool = True) -> bool:
    """Show `content` in `static` unless it already shows it; True when it was updated.

    `layout=False` when the widget's size cannot change with its text (a one-line status).
    """
    if same_content(static.content, content):
        return False
    static.update(content, layout=layout)
    return True


def screen_shown(screen: Screen) -> bool:
    """Whether `screen` can be seen: the top screen, or one seen through translucent ones.

    Textual's `Screen.is_current` is also true for the screen right under an opaque one (its
    list of background screens always takes the next one down), and every repaint there
    repaints the top screen too: work for a screen nobody sees waits for this.
    """
    try:
        stack = screen.app.screen_stack
    except Exception:  # no app or no stack any more (shutting down)
        return False
    if not stack or screen not in stack:
        return False
    above = stack[stack.index(screen) + 1 :]
    return all(other.styles.background.a < 1 for other in above)
