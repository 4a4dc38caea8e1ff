"""Which row of a DataTable the cursor is on, by the key the row was added with."""

from __future__ import annotations

from textual.widgets import DataTable


def cursor_row_key(table: DataTable) -> str | None:
    """The key of the row under `table`'s cursor; None while the table has no rows."""
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
