"""Portfolio optimiser: the projects (and start years) that fit the budget, staff and cap, exactly.

The problem is a 0/1 programme: binary ``x[p, y]`` = project p starts in year y, solved with
:func:`scipy.optimize.milp` (HiGHS): exact, with a time limit and a reported optimality gap.
A single-year problem with one budget row is the plain 0/1 knapsack; fixed starts with a cost
list per year give multi-period capital budgeting.

Modules, inner first (each imports only the ones above it):

- :mod:`.problem`: loading and validating a problem (model, mapping, JSON/TOML path), values;
- :mod:`.values`: project values from a project criteria set (TOPSIS), partner scores;
- :mod:`.model`: variables, objective, one row builder per constraint family, ``build()``;
- :mod:`.explain`: selection and schedule tables, binding rows, left-out reasons, conflicts;
- :mod:`.solve`: the ``milp`` call, :class:`PlanStatus`, :class:`Plan`, :func:`optimize_portfolio`;
- :mod:`.analysis`: efficient frontier, marginal value of money, selection acceptability.
"""

from ..errors import PortfolioError
from .analysis import efficient_frontier, marginal_value, portfolio_acceptability
from .problem import ProblemLike, load_problem
from .solve import (
    INFEASIBLE,
    OPTIMAL,
    OTHER,
    TIME_LIMIT,
    UNBOUNDED,
    Plan,
    PlanStatus,
    optimize_portfolio,
)
from .values import score_projects, with_partner_scores

__all__ = [
    "INFEASIBLE",
    "OPTIMAL",
    "OTHER",
    "TIME_LIMIT",
    "UNBOUNDED",
    "Plan",
    "PlanStatus",
    "PortfolioError",
    "ProblemLike",
    "efficient_frontier",
    "load_problem",
    "marginal_value",
    "optimize_portfolio",
    "portfolio_acceptability",
    "score_projects",
    "with_partner_scores",
]
