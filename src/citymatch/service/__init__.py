"""The scoring engine for other systems: the JSON contract, decision records and the HTTP service.

- :mod:`.contract` — the request/response models (the only JSON shape citymatch speaks; the
  CLI's ``--format json`` prints them too) and the ``*_response`` views of results;
- :mod:`.operations` — the table of operations and :func:`execute` to run one in process;
- :mod:`.records` — decision records, signed (:func:`make_record`, :func:`replay`,
  :func:`verify_record`, :func:`load_record_key`);
- :mod:`.limits` — the service's settings and its one table of request limits;
- :mod:`.server` — the FastAPI application (:func:`create_app`, :func:`serve`; extra
  ``server``, imported on first use);
- :mod:`.fast` and :mod:`.lane` — the array path of a rank request (no pandas) and the
  HTTP fast lane that answers small ones without FastAPI's request machinery.
"""

from .contract import (
    SCHEMA_VERSION,
    AHPRequest,
    AHPResponse,
    PortfolioRequest,
    PortfolioResponse,
    RankRequest,
    RankResponse,
    ReviewRequest,
    ReviewResponse,
    SensitivityRequest,
    SensitivityResponse,
)
from .limits import LIMITS, ServiceSettings, apply_limits
from .operations import OPERATIONS, execute
from .records import (
    DecisionRecord,
    RecordKey,
    ReplayResult,
    load_record_key,
    make_record,
    replay,
    verify_record,
)
from .server import create_app, serve

__all__ = [
    "LIMITS",
    "OPERATIONS",
    "SCHEMA_VERSION",
    "AHPRequest",
    "AHPResponse",
    "DecisionRecord",
    "PortfolioRequest",
    "PortfolioResponse",
    "RankRequest",
    "RankResponse",
    "RecordKey",
    "ReplayResult",
    "ReviewRequest",
    "ReviewResponse",
    "SensitivityRequest",
    "SensitivityResponse",
    "ServiceSettings",
    "apply_limits",
    "create_app",
    "execute",
    "load_record_key",
    "make_record",
    "replay",
    "serve",
    "verify_record",
]
