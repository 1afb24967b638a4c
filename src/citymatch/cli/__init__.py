"""The ``citymatch`` command line (``python -m citymatch``).

Exit codes: 0 success; 1 data error (one paragraph naming the file, the line or row and the
column — no traceback unless ``--debug``, whatever the exception); 2 usage error (a bad or
conflicting option, including an option value the library refuses with
:class:`~citymatch.errors.ArgumentError`); 3 ``portfolio`` only: the time limit stopped the
solver before it found any plan.  Output files are written atomically
(:func:`citymatch._util.atomic_write`): an error never leaves a half-written file.
``--format json`` prints the service contract's response models
(:mod:`citymatch.service.contract`), the same JSON the HTTP service returns.

Start-up stays light: these modules import only the standard library and citymatch's
light core at import time; each command imports what it needs when it runs.
"""

from .main import main

__all__ = ["main"]
