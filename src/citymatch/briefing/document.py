"""``brief()``: the one- or two-page decision brief for a council meeting, and its result."""

from __future__ import annotations

import html as html_lib
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date as Date
from pathlib import Path

from .. import __version__
from .._util import atomic_write
from .._validate import check_count
from ..errors import ArgumentError, CitymatchTypeError, UnsupportedAnalysisError
from ..portfolio.solve import Plan
from ..rank import Ranking
from ..sensitivity.acceptability import RankAcceptabilityResult, rank_acceptability
from ..sensitivity.stability import StabilityResult, stability_intervals
from . import content
from .page import Sections, render
from .pdf import html_to_pdf

__all__ = ["BRIEF_FORMATS", "Brief", "brief"]

#: Output suffixes :meth:`Brief.to_file` writes.
BRIEF_FORMATS = (".html", ".htm", ".pdf")


@dataclass(frozen=True, repr=False, eq=False)
class Brief:
    """A decision brief: one self-contained HTML document, printable on one or two A4 pages.

    Attributes
    ----------
    html : str
        The complete HTML document (inline CSS; no script, no external resource).
    title : str
        The brief's title.
    leader : str
        The display name of the candidate ranked first (names joined by " and " on a tie).
    """

    html: str
    title: str
    leader: str

    def to_html(self, path: str | os.PathLike[str]) -> Path:
        """Write the HTML document to ``path`` (atomically); returns the path."""
        return atomic_write(path, self.html, name="path")

    def to_pdf(
        self,
        path: str | os.PathLike[str],
        *,
        browser: str | os.PathLike[str] | None = None,
        timeout: float = 120.0,
    ) -> Path:
        """Print the brief to the PDF ``path`` with a headless Chromium-family browser.

        ``browser``: the executable (default ``$CITYMATCH_BROWSER``, else the first of
        ``chromium``, ``google-chrome``, … on ``PATH``).  Written atomically; returns the path.

        Raises
        ------
        BrowserNotFoundError
            No browser found (an ``ImportError``: write ``.html`` and print it instead).
        BrowserError
            The browser failed, timed out or wrote no PDF.
        """
        return html_to_pdf(self.html, path, browser=browser, timeout=timeout)

    def to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write ``.html`` / ``.htm`` or ``.pdf`` by ``path``'s suffix; returns the path.

        Raises
        ------
        ArgumentError
            Any other suffix.
        """
        suffix = Path(path).suffix.lower()
        if suffix == ".pdf":
            return self.to_pdf(path)
        if suffix in (".html", ".htm"):
            return self.to_html(path)
        raise ArgumentError(
            f"`path` must end in {', '.join(BRIEF_FORMATS)} (the brief is HTML or PDF); got "
            f"{os.fspath(path)!r}."
        )

    def __repr__(self) -> str:
        return f"Brief({self.title!r}; recommends {self.leader})"

    def _repr_html_(self) -> str:
        # In a frame, so that the brief's style sheet does not restyle the notebook.
        return (
            f'<iframe srcdoc="{html_lib.escape(self.html, quote=True)}" '
            'style="width:100%;height:42em;border:1px solid #ccc" title="decision brief"></iframe>'
        )


def _check_types(
    ranking: object,
    acceptability: object,
    stability: object,
    plan: object,
    sources: object,
    texts: dict[str, object],
    day: object,
) -> None:
    wanted = [(name, value, str, True) for name, value in texts.items()] + [
        ("ranking", ranking, Ranking, False),
        ("acceptability", acceptability, RankAcceptabilityResult, True),
        ("stability", stability, StabilityResult, True),
        ("plan", plan, Plan, True),
        ("date", day, Date, True),
    ]
    for name, value, cls, optional in wanted:
        if not isinstance(value, cls) and not (optional and value is None):
            raise CitymatchTypeError(
                f"`{name}` must be a {cls.__name__}{' or None' if optional else ''}; "
                f"got {type(value).__name__}."
            )
    if isinstance(sources, str) or not (
        isinstance(sources, Sequence) and all(isinstance(s, str) for s in sources)
    ):
        raise CitymatchTypeError(
            f"`sources` must be a sequence of strings (one per source); got {sources!r}."
        )


def _sections(
    ranking: Ranking,
    acceptability: RankAcceptabilityResult | None,
    stability: StabilityResult | None,
    plan: Plan | None,
    title: str | None,
    subject: str | None,
    top: int,
    sources: Sequence[str],
    day: Date,
) -> Sections:
    """What the page shows, in words (see :mod:`.content`)."""
    n = len(ranking.table)
    cs = ranking.criteria
    set_title = content.short(cs.title, content.LABEL_CHARS)
    subject = content.short(subject or f"“{set_title}”", 2 * content.LABEL_CHARS)
    title = content.short(title or f"Partner recommendation: {set_title}", 2 * content.LABEL_CHARS)
    robust = (
        content.acceptability_sentences(ranking, acceptability) if acceptability is not None else []
    )
    sections = Sections(
        title=title,
        meta=f"{day:%d %B %Y} · {n:,} candidates ranked · {set_title} (version {cs.version})",
        recommendation=content.recommendation(ranking, subject),
        candidates=content.candidates(ranking, top),
        robustness=robust,
        tipping=content.tipping_sentences(ranking, stability) if stability is not None else None,
        plan=content.plan_summary(plan) if plan is not None else None,
        conventions=content.conventions(ranking, acceptability, stability),
        sources=list(sources),
        footer=f"Prepared with citymatch {__version__}. Scores and shares are computed, "
        "not judgements: read them with the criteria and weights above.",
    )
    return sections


def brief(
    ranking: Ranking,
    *,
    acceptability: RankAcceptabilityResult | None = None,
    stability: StabilityResult | None = None,
    plan: Plan | None = None,
    robustness: bool = True,
    title: str | None = None,
    subject: str | None = None,
    top: int = 5,
    sources: Sequence[str] = (),
    date: Date | None = None,
    samples: int = 2_000,
    rng: int | None = 0,
) -> Brief:
    """A one- or two-page decision brief for a council meeting, as self-contained HTML.

    The brief states the recommendation (the candidate ranked first, and its margin), the
    ``top`` candidates with why (the criteria that add most to and take most from each
    score, in words), how robust the lead is (its SMAA-2 rank acceptability, and the tipping
    weights in words: "Paris stays first unless the weight of Partner commitment rises above
    17%"), what the portfolio ``plan`` costs per year when one is given, and the sources and
    conventions (criteria set, method, normalisation, weights and where they come from).
    Money and shares are formatted for people (``$120,000``, ``79%``); every name is
    HTML-escaped.  Print it from any browser, or :meth:`Brief.to_pdf`.

    Parameters
    ----------
    ranking : Ranking
        The ranking to brief on (:func:`citymatch.rank`).
    acceptability : RankAcceptabilityResult, optional
        Rank acceptability of ``ranking``'s candidates; computed when omitted and
        ``robustness`` (``samples`` weight vectors drawn around the ranking's weights,
        Dirichlet, seed ``rng``; first three ranks).
    stability : StabilityResult, optional
        Exact stability intervals of ``ranking``; computed when omitted and ``robustness``.
    plan : Plan, optional
        A portfolio plan (:func:`citymatch.optimize_portfolio`): its cost per year,
        projects and notes are added.
    robustness : bool, default True
        Compute the robustness results not given; ``False`` shows only those given.
    title : str, optional
        Default "Partner recommendation: <criteria set title>".
    subject : str, optional
        What the ranking measures, for the recommendation sentence; default the criteria
        set's title.
    top : int, default 5
        Candidates listed (ties at the cut are kept).
    sources : sequence of str
        Where the data come from (file names, publications), listed under the conventions.
    date : datetime.date, optional
        The brief's date (default today).
    samples : int, default 2,000
        Weight draws of the computed rank acceptability.
    rng : int or None, default 0
        Seed of the computed rank acceptability (None: fresh randomness each time).

    Returns
    -------
    Brief

    Raises
    ------
    CitymatchTypeError
        An argument of the wrong type (``top`` or ``samples`` not an integer).
    CitymatchValueError
        ``top`` or ``samples`` not a positive integer.
    """
    _check_types(
        ranking, acceptability, stability, plan, sources, {"title": title, "subject": subject}, date
    )
    top = check_count(top, name="top", minimum=1)
    samples = check_count(samples, name="samples", minimum=1)
    n = len(ranking.table)
    left_out = None
    try:
        if robustness and acceptability is None:
            acceptability = rank_acceptability(
                ranking, samples=samples, sampler="dirichlet", rng=rng, ranks=min(3, n)
            )
        if robustness and stability is None:
            stability = stability_intervals(ranking, k=min(3, n - 1))
    except UnsupportedAnalysisError as err:  # e.g. TOPSIS with fixed ideal points
        left_out = f"Not computed for this ranking: {err}"
    sections = _sections(
        ranking, acceptability, stability, plan, title, subject, top, sources, date or Date.today()
    )
    if left_out is not None:
        sections = replace(sections, robustness=[*sections.robustness, left_out])
    names = content.display_names(ranking)
    leader = " and ".join(names[i] for i in content.leaders(ranking))
    return Brief(html=render(sections), title=sections.title, leader=leader)
