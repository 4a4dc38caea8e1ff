"""Component-class styles for Line-API widgets that read well in every theme.

`get_component_rich_style(name, partial=True)` keeps what a component sets (so a row's own
background shows through), but leaves an `auto` colour unresolved: `$text-muted` is "auto 60%",
which only means something against a background, and without one it came out white — unreadable
on textual-light; a translucent background (`$error 15%`) came out opaque. Here the colours are
taken from the full style, where Textual resolves them against the widget's background.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget


def line_style(widget: Widget, name: str) -> Style:
    """The partial style of component `name`, its colours resolved for the theme."""
    partial = widget.get_component_rich_style(name, partial=True)
    if partial.color is None and partial.bgcolor is None:
        return partial
    full = widget.get_component_rich_style(name)
    # Only what the component sets: a row background leaves the text colours alone.
    return partial + Style(
        color=full.color if partial.color is not None else None,
        bgcolor=full.bgcolor if partial.bgcolor is not None else None,
    )


def theme_style(widget: Widget, role: str, *, bold: bool = False) -> Style:
    """A Rich style in the theme's text colour for `role` ("success", "error", "warning",
    "accent", "primary"), for Rich `Text` in DataTable cells: the same colours as the `$text-*`
    variables in CSS and Content, readable on light and dark themes (named colours such as
    "yellow" are not). `role` "muted" is dim text."""
    if role == "muted":
        return Style(dim=True, bold=bold)
    from textual.color import Color

    value = widget.app.theme_variables.get(f"text-{role}")
    try:
        color = Color.parse(value).rich_color if value else None
    except Exception:  # a theme with an unusual value: plain text rather than a crash
        color = None
    return Style(color=color, bold=bold)


#: Theme roles of a frame's direction and OCPP-J message type, everywhere a frame is shown
#: (the frame table's CSS, the inspector, the commissioning evidence): "$text-<role>".
DIRECTION_ROLES = {"in": "primary", "out": "secondary"}
TYPE_ROLES = {2: "accent", 3: "success", 4: "error", 5: "error", 6: "secondary"}


def direction_role(direction_value: str) -> str:
    return DIRECTION_ROLES.get(direction_value, "primary")


def type_role(message_type: int | None) -> str:
    return TYPE_ROLES.get(message_type or 0, "error")  # unreadable frames read as errors


def identity_cell(widget: Widget, identity: str | None, flagged: bool, limit: int) -> Text:
    """An identity for a table cell; `flagged` (it looks like a URL word, `ocpp`) adds ⚠ in
    the warning colour, room for it taken from the identity."""
    from ocpptui.ui.common.display_text import shorten

    if not flagged:
        return Text(shorten(identity, limit))
    text = Text(shorten(identity, limit - 2))
    text.append(" ⚠", style=theme_style(widget, "warning", bold=True))
    return text
