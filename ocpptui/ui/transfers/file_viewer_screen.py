"""A read-only look at the first part of a file a charger uploaded (text as text, else hex)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.key_footer import KeyFooter

#: How much of the file the viewer reads.
PREVIEW_BYTES = 64 * 1024
#: How much of a binary file is shown as hex.
HEX_BYTES = 2048

_MAGIC = (
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
)


def describe_bytes(data: bytes, total: int) -> tuple[str, str]:
    """(what the file is, the text to show): printable text, or a hex dump of binary data."""
    kind = next((name for magic, name in _MAGIC if data.startswith(magic)), None)
    if len(data) >= 262 and data[257:262] == b"ustar":
        kind = "tar archive"
    if kind is None and b"\x00" not in data[:8192]:
        text = data.decode("utf-8", errors="replace")
        # Keep line breaks and tabs; anything else that steers a terminal becomes visible.
        cleaned = "".join(
            ch if ch in "\n\t" or ch.isprintable() else f"\\x{ord(ch):02x}"
            for ch in text.replace("\r\n", "\n")
        )
        what = "text" if total <= len(data) else f"text, first {len(data):,} of {total:,} bytes"
        return what, cleaned
    lines = []
    for offset in range(0, min(len(data), HEX_BYTES), 16):
        chunk = data[offset : offset + 16]
        hex_part = " ".join(f"{byte:02x}" for byte in chunk)
        ascii_part = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in chunk)
        lines.append(f"{offset:08x}  {hex_part:<47}  {ascii_part}")
    what = f"{kind or 'binary data'}, first {min(len(data), HEX_BYTES):,} bytes as hex"
    if kind is not None:
        what += " (open it with an archive tool)"
    return what, "\n".join(lines)


class FileViewerScreen(ModalScreen[None]):
    """The file's path, what it is, and its first 64 kB; escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", tooltip="Close the viewer", id="viewer.close"),
        Binding("c", "copy_path", "Copy path", tooltip="Copy the file's path", id="viewer.copy"),
    ]

    DEFAULT_CSS = """
    FileViewerScreen {
        align: center middle;
        & > #viewer-box {
            width: 100%;
            height: 100%;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
        }
        & #viewer-about { height: auto; padding: 0 1; color: $text-muted; }
        & TextArea { height: 1fr; }
    }
    """

    class Loaded(Message):
        def __init__(self, about: str, text: str) -> None:
            super().__init__()
            self.about = about
            self.text = text

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(id="viewer-box") as box:
            box.border_title = Content(shorten(self.path.name, 60))
            yield Static(f"{self.path}\nreading…", id="viewer-about", markup=False)
            yield TextArea(read_only=True, soft_wrap=True, compact=True, id="viewer-text")
        yield KeyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self._load()
        self.query_one(TextArea).focus()

    @work(thread=True, exclusive=True, group="viewer", exit_on_error=False)
    def _load(self) -> None:
        try:
            with self.path.open("rb") as handle:
                data = handle.read(PREVIEW_BYTES)
            total = self.path.stat().st_size
        except OSError as exc:
            self.post_message(self.Loaded(f"cannot read it: {exc.strerror or exc}", ""))
            return
        what, text = describe_bytes(data, total)
        self.post_message(self.Loaded(f"{total:,} bytes · {what}", text))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.query_one("#viewer-about", Static).update(f"{self.path}\n{message.about}")
        self.query_one(TextArea).load_text(message.text)

    def action_copy_path(self) -> None:
        self.app.copy_to_clipboard(str(self.path))
        self.notify("Path copied to the clipboard")

    def action_close(self) -> None:
        self.dismiss(None)
