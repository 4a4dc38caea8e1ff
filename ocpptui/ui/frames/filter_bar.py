"""One line above a frame table: a filter query, an action and a direction picker, errors only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Checkbox, Input, Select

from ocpptui.core.frame import Direction
from ocpptui.core.frame_filter import FilterSyntaxError, FrameFilter, combine, parse_query

#: Typing pauses this long before the table refilters.
DEBOUNCE_SECONDS = 0.15


class FilterBar(Horizontal):
    """Builds a FrameFilter from its inputs and reports it as `FilterChanged`."""

    HELP: ClassVar[str] = """
Filter query: free text, `action:Heartbeat`, `action:Status*`, `dir:in`, `dir:out`,
`type:call|result|error`, `id:<prefix>`, `is:error`. All conditions must hold.
"""

    DEFAULT_CSS = """
    FilterBar {
        height: 1;
        background: $panel;
        & > #filter-query { width: 1fr; }
        & > #filter-action { width: 28; }
        & > #filter-direction { width: 13; }
        & > #filter-errors { width: auto; }
        & > #filter-query.-invalid { color: $text-error; }
    }
    """

    class FilterChanged(Message):
        """The filter the inputs describe now (`error` set when the query cannot be read)."""

        def __init__(self, bar: FilterBar, frame_filter: FrameFilter, error: str | None) -> None:
            super().__init__()
            self.bar = bar
            self.frame_filter = frame_filter
            self.error = error

        @property
        def control(self) -> FilterBar:
            return self.bar

    class QuerySubmitted(Message):
        """Enter in the query box with a query that reads: the reader wants the results."""

        def __init__(self, bar: FilterBar) -> None:
            super().__init__()
            self.bar = bar

        @property
        def control(self) -> FilterBar:
            return self.bar

    def __init__(self, actions: Iterable[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._actions = sorted(set(actions))
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="filter: text  action:Heartbeat  dir:in  type:error  is:error",
            compact=True,
            id="filter-query",
        )
        yield Select(
            [(name, name) for name in self._actions],
            prompt="any action",
            compact=True,
            id="filter-action",
        )
        yield Select(
            [("→ in", Direction.IN.value), ("← out", Direction.OUT.value)],
            prompt="any dir",
            compact=True,
            id="filter-direction",
        )
        yield Checkbox("errors", compact=True, id="filter-errors")

    @property
    def query_input(self) -> Input:
        return self.query_one("#filter-query", Input)

    @property
    def errors_only(self) -> bool:
        return self.query_one("#filter-errors", Checkbox).value

    @errors_only.setter
    def errors_only(self, value: bool) -> None:
        self.query_one("#filter-errors", Checkbox).value = value

    def set_action(self, action: str | None) -> None:
        select = self.query_one("#filter-action", Select)
        if action is None:
            select.clear()
        elif action in self._actions:
            select.value = action

    def clear(self) -> None:
        self.query_input.value = ""
        self.set_action(None)
        self.query_one("#filter-direction", Select).clear()
        self.errors_only = False

    @on(Input.Changed, "#filter-query")
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self.emit_filter)

    @on(Input.Submitted, "#filter-query")
    def _query_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self.emit_filter()
        if not self.query_input.has_class("-invalid"):
            self.post_message(self.QuerySubmitted(self))

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _picker_changed(self, event: Message) -> None:
        event.stop()
        self.emit_filter()

    def current_filter(self) -> tuple[FrameFilter, str | None]:
        """The filter the inputs describe, and the query's syntax error if any."""
        error = None
        try:
            query_filter = parse_query(self.query_input.value)
        except FilterSyntaxError as exc:
            query_filter, error = FrameFilter(), str(exc)
        action = self.query_one("#filter-action", Select).value
        direction = self.query_one("#filter-direction", Select).value
        picked = FrameFilter(
            actions=(action.lower(),) if isinstance(action, str) else (),
            direction=Direction(direction) if isinstance(direction, str) else None,
            errors_only=self.errors_only,
        )
        return combine(query_filter, picked), error

    def emit_filter(self) -> None:
        frame_filter, error = self.current_filter()
        self.query_input.set_class(error is not None, "-invalid")
        self.post_message(self.FilterChanged(self, frame_filter, error))
