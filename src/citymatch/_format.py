"""Numbers formatted for people: money, percentages and plain figures in reports.

The one home of the formatting every human-facing output uses (the decision brief, the
annual report): ``$120,000``, never ``1.2e+05``; ``79%``, never ``0.7917``.  Missing or
non-finite values come out as :data:`MISSING` (an em dash), never ``nan``.
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["MISSING", "money", "number", "percent", "share_pair", "value_text"]

#: What a missing (None, NaN, ±inf) value prints as.
MISSING = "—"
_MINUS = "−"  # U+2212, the typographic minus sign


def _finite(value: object) -> float | None:
    """``value`` as a finite float, or None (None, NaN, ±inf, booleans, non-numbers)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    v = float(value)
    return v if math.isfinite(v) else None


def money(value: object, *, currency: str = "$", cents: bool = False) -> str:
    """An amount of money for people: ``$120,000``; ``−$7,500``; ``—`` when missing.

    Whole currency units (rounded half to even) unless ``cents``; the sign goes before the
    currency symbol.
    """
    v = _finite(value)
    if v is None:
        return MISSING
    text = f"{abs(v):,.2f}" if cents else f"{abs(round(v)):,.0f}"
    sign = _MINUS if v < 0 and text.strip("0.,") else ""
    return f"{sign}{currency}{text}"


def percent(value: object, *, digits: int = 0) -> str:
    """A share (0.7917) as a percentage for people (``79%``); ``—`` when missing.

    ``digits`` decimals.  A share strictly between 0 and the smallest printable step never
    prints as ``0%`` (``<1%``), nor one just below 1 as ``100%`` (``>99%``), so a rare event
    is not shown as impossible nor an uncertain one as certain.
    """
    v = _finite(value)
    if v is None:
        return MISSING
    step = 10.0**-digits
    pct = v * 100.0
    if 0.0 < pct < step / 2:
        return f"<{step:.{digits}f}%"
    if 100.0 - step / 2 <= pct < 100.0:
        return f">{100.0 - step:.{digits}f}%"
    text = f"{abs(pct):.{digits}f}"
    sign = _MINUS if pct < 0 and text.strip("0.") else ""
    return f"{sign}{text}%"


def share_pair(a: float, b: float) -> tuple[str, str]:
    """Two shares as percentages with just enough decimals (0 to 2) to tell them apart.

    ``share_pair(0.1645, 0.1707)`` → ``("16%", "17%")``; ``(0.1645, 0.1648)`` →
    ``("16.45%", "16.48%")``.
    """
    for digits in (0, 1, 2):
        pa, pb = percent(a, digits=digits), percent(b, digits=digits)
        if pa != pb:
            return pa, pb
    return percent(a, digits=2), percent(b, digits=2)


def number(value: object, *, decimals: int = 2) -> str:
    """A plain figure for people: ``2,000``; ``0.5``; ``12.35``; ``—`` when missing.

    Thousands separated, at most ``decimals`` decimals, trailing zeros dropped, no exponent.
    """
    v = _finite(value)
    if v is None:
        return MISSING
    text = f"{abs(v):,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    sign = _MINUS if v < 0 and text.strip("0.,") else ""
    return f"{sign}{text}"


def value_text(value: object) -> str:
    """Any table cell as text for people: numbers through :func:`number`, missing → empty.

    For cells of no known kind (neither money nor a share); text passes unchanged.
    """
    if value is None:
        return ""
    if isinstance(value, Real) and not isinstance(value, bool):
        return "" if not math.isfinite(float(value)) else number(value)
    return str(value)
