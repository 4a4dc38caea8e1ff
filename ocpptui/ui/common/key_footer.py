"""The footer of every screen: the keys that fit the width, with help and quit always shown.

Textual's Footer lays the keys out in a row and cuts what does not fit, so at 80 columns the
keys named last — the screen's own, and help and quit — were the ones lost. This footer
measures the keys, pins help, quit (and the palette where it is shown) on the right, and gives
up the least important keys first: those listed in SECONDARY_KEYS, then the focused widget's
last keys, then the screen's. Every key still works and is listed by F1 help.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey  # the footer's own key widget, for the same look

#: Actions pinned on the right, in this order, on every screen where they work.
PINNED_ACTIONS = ("help", "quit")

#: Binding ids that give way first at narrow widths (each has a palette command or a
#: neighbour that says the same).
SECONDARY_KEYS = frozenset(
    {
        "config.reread",
        "config.add_key",
        "config.export",
        "composer.anyway",
        "frames.pause",
        "charger.clear_filter",
        "main.frames",
        "main.chargers",
        "charger.back",
    }
)


class _Key(NamedTuple):
    node: DOMNode
    binding: Binding
    enabled: bool
    tooltip: str


class KeyFooter(Footer):
    """Footer(compact=True) that fits its width; use it instead of Footer on every screen."""

    DEFAULT_CSS = """
    KeyFooter {
        & > .key-footer-gap { height: 1; }
        & > FooterKey.-pinned { margin: 0 1 0 0; }
        & > FooterKey.-last { margin: 0; }
    }
    """

    def __init__(self, *, show_command_palette: bool = True, id: str | None = None) -> None:
        super().__init__(show_command_palette=show_command_palette, compact=True, id=id)
        self._composed_width = 0
        self._shown_keys: tuple[tuple[str, str, str, bool, str], ...] | None = None

    def _pinned(self, active: dict[str, _Key]) -> list[_Key]:
        """Help and quit: from the screen's bindings, else the app's (priority ones work on
        modal screens too, where Textual's list of active bindings leaves the app out)."""
        pinned: list[_Key] = []
        for action in PINNED_ACTIONS:
            found = next(
                (key for key in active.values() if key.binding.action in (action, f"app.{action}")),
                None,
            )
            if found is None:
                binding = next(
                    (
                        b
                        for b in self.app.BINDINGS
                        if isinstance(b, Binding) and b.action == action and b.priority
                    ),
                    None,
                )
                if binding is not None:
                    found = _Key(self.app, binding, True, binding.tooltip)
            if found is not None:
                pinned.append(found)
        return pinned

    def _width_of(self, key: _Key) -> int:
        display = self.app.get_key_display(key.binding)
        return cell_len(display) + 1 + cell_len(key.binding.description) + 1

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = {
            name: _Key(node, binding, enabled, tooltip or "")
            for name, (node, binding, enabled, tooltip) in self.screen.active_bindings.items()
        }
        pinned = self._pinned(active)
        pinned_actions = {key.binding.action for key in pinned}
        shown: list[_Key] = []
        actions: set[str] = set()
        for key in active.values():
            action = key.binding.action
            if not key.binding.show or action in actions or action in pinned_actions:
                continue
            if key.binding.key == self.app.COMMAND_PALETTE_BINDING:
                continue
            actions.add(action)
            shown.append(key)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            pinned.append(palette)

        width = self.size.width or self.app.size.width
        self._composed_width = width
        # Each key is followed by a one-cell margin, except the last one on the right.
        room = width - sum(self._width_of(key) for key in pinned) + 1
        kept = self._fit(shown, room)
        for key in kept:
            yield self._footer_key(key)
        gap = room - sum(self._width_of(key) for key in kept)
        if gap > 0:  # pushes the pinned keys to the right edge
            yield Static(classes="key-footer-gap").set_styles(f"width: {gap};")
        for index, key in enumerate(pinned, start=1):
            yield self._footer_key(key, "-pinned -last" if index == len(pinned) else "-pinned")

    def _fit(self, shown: list[_Key], room: int) -> list[_Key]:
        """The keys of `shown` that fit in `room` cells, in their order, dropping the least
        important first."""
        kept = list(shown)
        first_widget_key = next(
            (
                index
                for index, key in enumerate(shown)
                if not isinstance(key.node, (Screen, type(self.app)))
            ),
            -1,
        )

        def drop_order(index_key: tuple[int, _Key]) -> tuple[int, int]:
            index, key = index_key
            if key.binding.id in SECONDARY_KEYS:
                rank = 0
            elif not isinstance(key.node, (Screen, type(self.app))) and index != first_widget_key:
                rank = 1  # the focused widget's keys after its first one
            else:
                rank = 2
            return (rank, -index)

        order = [key for _, key in sorted(enumerate(shown), key=drop_order)]
        while kept and sum(self._width_of(key) for key in kept) > room:
            kept.remove(order.pop(0))
        return kept

    def _footer_key(self, key: _Key, classes: str = "") -> FooterKey:
        binding = key.binding
        return FooterKey(
            binding.key,
            self.app.get_key_display(binding),
            binding.description,
            binding.action,
            disabled=not key.enabled,
            tooltip=key.tooltip or binding.description,
            classes=classes,
        ).data_bind(compact=Footer.compact)

    def on_resize(self) -> None:
        if self._bindings_ready and self.size.width != self._composed_width:
            self.call_after_refresh(self.recompose)

    def bindings_changed(self, screen: Screen) -> None:
        # A screen asks for its keys again whenever something might have changed them; a
        # recompose replaces every key widget and lays the footer out, so it happens only
        # when the keys shown (or their availability) really changed.
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            keys = self._keys_signature()
            if self._bindings_ready and keys == self._shown_keys:
                return
            self._shown_keys = keys
        super().bindings_changed(screen)

    def _keys_signature(self) -> tuple[tuple[str, str, str, bool, str], ...]:
        return tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip or "")
            for _, binding, enabled, tooltip in self.screen.active_bindings.values()
        )
