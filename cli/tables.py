"""Tables for the terminal: rich's `Table` for the usual sizes, and past LONG rows plain aligned lines.

rich measures and wraps every cell of a table (about a millisecond a row), so a 3,000-statement program's graph
took 16 s to print; aligned lines cost a few microseconds a row and read the same. Cells arrive as plain text
(already escaped by `diffx.text.printable` where they echo the user's input) and stay plain: no markup.
"""
from __future__ import annotations

LONG = 400          # rows past which a table is printed as aligned lines


def table(title, columns: list, rows: list[list[str]], right: frozenset = frozenset()):
    """A renderable table: `columns` are headings (str or rich Text), `right` the headings to align right."""
    from rich.text import Text
    if len(rows) <= LONG:
        from rich.table import Table
        t = Table(box=None, pad_edge=False, title=title if isinstance(title, Text) else Text(str(title)),
                  title_justify="left")
        for col in columns:
            t.add_column(col, justify="right" if str(col) in right else "left", overflow="fold")
        for row in rows:
            t.add_row(*(Text(cell) for cell in row))
        return t
    return _Lines(str(title), [str(c) for c in columns], rows, right)


class _Lines:
    """Aligned plain lines: a title, a heading row and one line per row, columns as wide as their widest cell."""

    def __init__(self, title: str, columns: list[str], rows: list[list[str]], right: frozenset):
        self.title, self.columns, self.rows, self.right = title, columns, rows, right

    def __rich_console__(self, console, options):
        from rich.text import Text
        widths = [max(len(c), *(len(r[k]) for r in self.rows)) for k, c in enumerate(self.columns)]
        fits = [c in self.right for c in self.columns]

        def line(cells) -> str:
            return " ".join(cell.rjust(w) if r else cell.ljust(w) for cell, w, r in zip(cells, widths, fits)).rstrip()
        from rich.segment import Segment
        yield Text(self.title, no_wrap=True, overflow="ellipsis")
        yield Text(line(self.columns), style="bold", no_wrap=True, overflow="ignore")
        for r in self.rows:                 # segments, not one Text: rich splits a Text's lines in n² time
            yield Segment(line(r))
            yield Segment.line()
