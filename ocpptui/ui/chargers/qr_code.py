"""A QR code in half-block characters (two modules per cell row), made with segno."""

from __future__ import annotations

#: Quiet zone in modules around the code (the standard asks for 4; 2 scans fine on screens
#: and keeps a URL's code within 29 x 15 cells).
BORDER = 2

_CELLS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def qr_lines(text: str, *, light_on_dark: bool = True) -> list[str]:
    """`text` as QR code lines. Cameras want dark modules on a light ground: on a dark
    terminal the light modules are drawn (`light_on_dark`), on a light one the dark modules."""
    import segno  # imported here: only the connect screen draws codes

    code = segno.make(text, error="l", micro=False)
    rows = [
        [bool(module) != light_on_dark for module in row] for row in code.matrix_iter(border=BORDER)
    ]
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    return [
        "".join(_CELLS[(top, bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(rows[::2], rows[1::2], strict=True)
    ]
