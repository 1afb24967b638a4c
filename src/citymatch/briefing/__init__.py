"""The decision brief: what a council reads — the recommendation, why, how robust, the cost.

Modules, inner first:

- :mod:`.content`: the words (recommendation, strengths, robustness, plan cost, conventions);
- :mod:`.page`: the self-contained HTML page with its A4 print style sheet;
- :mod:`.pdf`: printing HTML to PDF with a headless Chromium-family browser;
- :mod:`.document`: :func:`brief` and its result, :class:`Brief`.
"""

from .document import BRIEF_FORMATS, Brief, brief
from .pdf import find_browser, html_to_pdf

__all__ = ["BRIEF_FORMATS", "Brief", "brief", "find_browser", "html_to_pdf"]
