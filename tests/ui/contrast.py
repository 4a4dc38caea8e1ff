"""Contrast of rendered text (WCAG 2 ratio), to check that a selected row reads in every theme."""

from __future__ import annotations

from rich.color import Color
from rich.style import Style
from textual.strip import Strip

#: WCAG 2's least contrast for large or bold text; the selected row's text is bold.
READABLE = 3.0


def _luminance(color: Color) -> float:
    red, green, blue = (channel / 255 for channel in color.get_truecolor())

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(style: Style) -> float:
    """Contrast ratio of a style's text colour on its background (1 to 21)."""
    assert style.color is not None and style.bgcolor is not None, style
    lighter, darker = sorted((_luminance(style.color), _luminance(style.bgcolor)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def worst_contrast(strip: Strip) -> tuple[float, str]:
    """The least readable text of a rendered line: (ratio, the text)."""
    worst = (21.0, "")
    for segment in strip:
        if not segment.text.strip() or segment.style is None:
            continue
        ratio = contrast(segment.style)
        if ratio < worst[0]:
            worst = (ratio, segment.text)
    return worst
