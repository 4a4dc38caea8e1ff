"""Updates that cost nothing when nothing changed.

`Static.update` lays the screen out again and setting a border title repaints the widget,
even when the new value is the one already shown. Views that are told "this charger changed"
several times a second (issue 18) go through these, so a repaint happens only when the text
or its styles really differ.
"""

from __future__ import annotations

from textual.content import Content
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
