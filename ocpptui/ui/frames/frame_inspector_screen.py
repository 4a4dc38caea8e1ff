"""One frame in full: pretty JSON, metadata, violations, and its request or response."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ocpptui.core.frame import Frame
from ocpptui.core.frame_window import FrameWindow
from ocpptui.ui.common.display_text import clock_time, latency, shorten
from ocpptui.ui.common.json_view import JsonView
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.common.line_style import direction_role, type_role
from ocpptui.ui.frames.frame_table import find_frame

_LABEL = "$text-muted"


def paired_seq(frame: Frame) -> int | None:
    """The request of a response, or the response of a request."""
    return frame.request_seq if frame.request_seq is not None else frame.response_seq


class FrameInspectorScreen(ModalScreen[Frame | None]):
    """Shows one frame; `r` jumps to its pair; dismisses with the frame shown last."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", tooltip="Back to the frame log", id="inspector.close"),
        Binding(
            "r",
            "show_paired",
            "Request/response",
            tooltip="Jump between this frame and its request or response",
            id="inspector.paired",
        ),
        Binding(
            "c",
            "copy_frame",
            "Copy",
            tooltip="Copy this frame's raw JSON to the clipboard",
            id="inspector.copy",
        ),
    ]

    DEFAULT_CSS = """
    FrameInspectorScreen {
        align: center middle;
        & > #inspector {
            width: 100%;
            height: 100%;
            margin: 1 2;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
        }
        & #inspector-meta { padding: 0 1; height: auto; }
        & #inspector-body { height: 1fr; border-top: solid $panel-lighten-1; }
    }
    """

    def __init__(self, window: FrameWindow, frame: Frame) -> None:
        super().__init__()
        self.window = window
        self.frame = frame
        self._shown_pair = paired_seq(frame)

    def compose(self) -> ComposeResult:
        with Vertical(id="inspector"):
            yield Static(id="inspector-meta", markup=False)
            with VerticalScroll(id="inspector-body"):
                yield JsonView(self.frame.raw, id="inspector-json")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.show_frame(self.frame)
        self.query_one("#inspector-body").focus()
        # A CALL shown before its answer arrived learns about the answer here.
        self.set_interval(0.5, self._refresh_pair, name="inspector-pair")

    def _refresh_pair(self) -> None:
        if paired_seq(self.frame) != self._shown_pair:
            self.show_frame(self.frame, keep_scroll=True)

    @property
    def paired_frame(self) -> Frame | None:
        seq = paired_seq(self.frame)
        return None if seq is None else find_frame(self.window, seq)

    def show_frame(self, frame: Frame, keep_scroll: bool = False) -> None:
        self.frame = frame
        self._shown_pair = paired_seq(frame)
        container = self.query_one("#inspector", Vertical)
        container.border_title = f"Frame #{frame.seq}"
        self.query_one("#inspector-meta", Static).update(self._metadata(frame))
        if not keep_scroll:
            self.query_one("#inspector-json", JsonView).show(frame.raw)
            self.query_one("#inspector-body", VerticalScroll).scroll_home(animate=False)
        self.refresh_bindings()

    def _metadata(self, frame: Frame) -> Content:
        lines: list[Content] = []
        lines.append(
            Content.assemble(
                (
                    f"{frame.direction.arrow} ",
                    f"$text-{direction_role(frame.direction.value)} bold",
                ),
                (frame.type_label, f"$text-{type_role(frame.message_type)} bold"),
                "  ",
                (shorten(frame.action, 60), "bold"),
                "  ",
                ("from " if frame.direction.value == "in" else "to ", _LABEL),
                (shorten(frame.identity, 48), ""),
                ("   seq ", _LABEL),
                (str(frame.seq), ""),
                ("   id ", _LABEL),
                (shorten(frame.message_id, 60), ""),
            )
        )
        utc = dt.datetime.fromtimestamp(frame.wall, dt.UTC).isoformat(timespec="milliseconds")
        lines.append(
            Content.assemble(
                ("Time ", _LABEL),
                (clock_time(frame.wall), ""),
                (f" local · {utc.replace('+00:00', 'Z')}", _LABEL),
                ("   Size ", _LABEL),
                (f"{len(frame.raw.encode())} bytes", ""),
                ("   Session ", _LABEL),
                (shorten(frame.session_id, 60), ""),
            )
        )
        pair = self.paired_frame
        if frame.request_seq is not None:
            answer = f"answers #{frame.request_seq} after {latency(frame.latency_ms)}"
            lines.append(self._pair_line(answer, pair, frame.request_seq))
        elif frame.response_seq is not None:
            answered = f"answered by #{frame.response_seq}"
            if pair is not None and pair.latency_ms is not None:
                answered += f" after {latency(pair.latency_ms)}"
            lines.append(self._pair_line(answered, pair, frame.response_seq))
        elif frame.message_type == 2:
            lines.append(Content.styled("No answer yet", _LABEL))
        if frame.error_code is not None:
            lines.append(
                Content.assemble(
                    ("CallError ", _LABEL), (shorten(frame.error_code, 60), "$text-error bold")
                )
            )
        if frame.problem is not None:
            lines.append(
                Content.assemble(("Problem ", _LABEL), (shorten(frame.problem, 500), "$text-error"))
            )
        for violation in frame.violations[:20]:
            lines.append(
                Content.assemble(
                    ("Violation ", _LABEL),
                    (shorten(violation.path, 80), "$text-warning bold"),
                    " ",
                    (shorten(violation.message, 300), "$text-warning"),
                )
            )
        if len(frame.violations) > 20:
            lines.append(Content.styled(f"… {len(frame.violations) - 20} more", _LABEL))
        if frame.flags:
            lines.append(Content.assemble(("Flags ", _LABEL), (", ".join(frame.flags), "")))
        return Content("\n").join(lines)

    def _pair_line(self, text: str, pair: Frame | None, seq: int) -> Content:
        if pair is None:
            return Content.assemble(
                ("Pair ", _LABEL), (text, ""), (f" (#{seq} is no longer in memory)", _LABEL)
            )
        return Content.assemble(
            ("Pair ", _LABEL),
            (text, ""),
            (f"  {pair.direction.arrow} ", f"$text-{direction_role(pair.direction.value)} bold"),
            (pair.type_label, f"$text-{type_role(pair.message_type)} bold"),
            ("  — r to jump", _LABEL),
        )

    def action_close(self) -> None:
        self.dismiss(self.frame)

    def action_show_paired(self) -> None:
        pair = self.paired_frame
        if pair is not None:
            self.show_frame(pair)

    def action_copy_frame(self) -> None:
        self.app.copy_to_clipboard(self.frame.raw)
        self.notify(
            f"Copied frame #{self.frame.seq} ({len(self.frame.raw.encode())} bytes)",
            title="Copied",
            markup=False,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_paired":
            return True if self.paired_frame is not None else None
        return True
