"""Proposals in (decision point 1): a folder of proposals becomes a candidate table.

City staff, elected officials, partners and citywide organisations propose partners (the
report's "partnership proposals"): one TOML file per proposal (:class:`~citymatch.models.
agreement.Proposal`: who proposes, which partner, which objective, endorsements, expected
resources).  :func:`load_proposals` validates a folder; :func:`proposal_table` turns the
proposals into a candidate table — the proposed partners' rows of a candidate table, with the
proposals' columns and the existing-agreement facts joined from the register — which
:func:`citymatch.rank` screens by the program rules (already a partner, one per region, a
cap rule on ``existing_active``) and ranks.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from .._files import decode_text, parse_document
from ..errors import RegisterError
from ..models._base import validate_model
from ..models.agreement import Proposal
from .facts import join_register
from .register import Register

__all__ = ["PROPOSAL_COLUMNS", "load_proposals", "proposal_table"]

#: The columns :func:`proposal_table` adds to the candidate rows.
PROPOSAL_COLUMNS = (
    "proposals",
    "proposers",
    "proposer_kinds",
    "endorsements",
    "proposed_budget",
    "proposed_staff",
)


def load_proposals(folder: str | os.PathLike[str]) -> list[Proposal]:
    """Load and validate every ``*.toml`` proposal in a folder (sorted by file name).

    Raises
    ------
    RegisterError
        A missing folder, invalid TOML, a field that breaks a rule or a duplicate id; the
        message names the file and the field.
    """
    root = Path(folder)
    if not root.is_dir():
        raise RegisterError(f"proposal folder {str(root)!r} does not exist.")
    out: list[Proposal] = []
    seen: dict[str, Path] = {}
    for path in sorted(root.glob("*.toml")):
        where = f"proposal file {str(path)!r}"
        text = decode_text(path.read_bytes(), where=where, error=RegisterError)
        data = parse_document(text, kind="toml", where=where, error=RegisterError)
        p = validate_model(Proposal, data, where=where, error=RegisterError)
        if p.id in seen:
            raise RegisterError(f"{where}: id {p.id!r} is already used by {str(seen[p.id])!r}.")
        seen[p.id] = path
        out.append(p)
    return out


def proposal_table(
    proposals: Sequence[Proposal],
    candidates: pd.DataFrame,
    register: Register | None = None,
    *,
    as_of: date | None = None,
) -> pd.DataFrame:
    """The candidate table of decision point 1: one row per proposed partner.

    Each proposed partner's row of ``candidates`` (matched on ``id``) with the proposals'
    columns (:data:`PROPOSAL_COLUMNS`: their ids, proposers and proposer kinds "; "-joined,
    the number of endorsements, the budget and staff asked summed), in order of first
    proposal; with ``register``, the existing-agreement columns joined from it as of
    ``as_of`` (default today), and after the proposed partners the rows of every partner in
    force that nobody proposed (no proposal: empty ``proposals``, 0 endorsements).  So the
    screening rules that count current agreements (one per region, a cap) count all of them,
    and the ranking screens those rows out as current partners.

    Raises
    ------
    RegisterError
        A proposed partner that is not a row of ``candidates`` (named, with the proposal).
    """
    if "id" not in candidates.columns:
        raise RegisterError("`candidates` must have an `id` column to match proposals on.")
    rows = candidates.assign(id=candidates["id"].astype(str)).set_index("id", drop=False)
    order: list[str] = []
    for p in proposals:
        if p.partner not in rows.index:
            raise RegisterError(
                f"proposal {p.id!r}: partner {p.partner!r} is not a row of the candidate table."
            )
        if p.partner not in order:
            order.append(p.partner)
    if register is not None:  # partners in force nobody proposed: kept for the count rules
        facts = join_register(rows.reset_index(drop=True), register, as_of=as_of or date.today())
        held = facts.loc[facts["existing_active"] == 1, "id"].astype(str)
        order += [i for i in held if i not in order]
    table = rows.loc[order].reset_index(drop=True)
    for q_col, values in _proposal_columns(proposals, order).items():
        table[q_col] = pd.Series(values, index=table.index)
    if register is not None:
        table = join_register(table, register, as_of=as_of or date.today())
    return table


def _proposal_columns(proposals: Sequence[Proposal], order: list[str]) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {c: [] for c in PROPOSAL_COLUMNS}
    for partner in order:
        mine = [p for p in proposals if p.partner == partner]
        out["proposals"].append("; ".join(p.id for p in mine))
        out["proposers"].append("; ".join(dict.fromkeys(p.proposer for p in mine)))
        out["proposer_kinds"].append("; ".join(dict.fromkeys(p.proposer_kind for p in mine)))
        out["endorsements"].append(sum(len(p.endorsements) for p in mine))
        out["proposed_budget"].append(sum(p.budget or 0.0 for p in mine))
        out["proposed_staff"].append(sum(p.staff or 0.0 for p in mine))
    return out
