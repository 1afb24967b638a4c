"""Notebook display shared by every result type (``_repr_html_``)."""

from __future__ import annotations

import html

import pandas as pd

__all__ = ["html_table"]


def html_table(frame: pd.DataFrame, footer: str, max_rows: int = 12) -> str:
    """The notebook display of every citymatch result: the first rows and a footer line."""
    shown = frame.head(max_rows)
    body = shown.to_html(float_format=lambda v: f"{v:.4f}", border=0, classes="citymatch")
    more = "" if len(frame) <= max_rows else f"<p>… {len(frame) - max_rows} more rows</p>"
    return f"<div>{body}{more}<p><small>{html.escape(footer)}</small></p></div>"
