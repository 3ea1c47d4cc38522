"""Quotes as people read them: each option's total, then its lines, each with where its number came from.
Works on the JSON form of app.workshops.quote (Costing.as_json, Comparison.as_json), which is also what a
workshop server stores with a quoted job, so the member and the staff see a quote the same way."""

from __future__ import annotations

from html import escape
from typing import Any


def costing_html(costing: dict[str, Any], title: str | None = None) -> str:
    """One option as a heading with its total and a table of lines: label, amount, source."""
    currency = escape(str(costing.get("currency", "")))
    heading = escape(title or str(costing.get("option", "quote")))
    rows = "".join(
        f"<tr><td>{escape(str(line.get('label', '')))}</td>"
        f"<td align='right'>&nbsp;{escape(str(line.get('amount', '')))}&nbsp;</td>"
        f"<td><small>{escape(str(line.get('source', '')))}</small></td></tr>"
        for line in costing.get("lines", []) if isinstance(line, dict))
    return (f"<p><b>{heading}: {escape(str(costing.get('total', '?')))} {currency}</b></p>"
            f"<table cellspacing='2'>{rows}</table>")


def comparison_html(comparison: dict[str, Any]) -> str:
    """Home, the workshop and buying, one after the other, and what each saves against buying."""
    parts = [costing_html(costing) for costing in comparison.get("costings", [])]
    if comparison.get("retail"):
        parts.append(costing_html(comparison["retail"], "buy"))
    parts += [f"<p>{escape(saving)}</p>" for saving in comparison.get("savings", [])]
    return "".join(parts)
