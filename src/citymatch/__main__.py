"""``python -m citymatch``: the command line."""

from .cli import main

raise SystemExit(main())
