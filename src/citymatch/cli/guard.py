"""Keeping the command line's files safe: clean ends on signals, outputs never over inputs.

**Signals.**  :func:`handling_signals` wraps the entry point: while a command runs, SIGTERM,
SIGINT and SIGHUP (where they still have their default disposition — an ignored signal,
e.g. under ``nohup``, stays ignored) raise :class:`Interrupted`, a ``BaseException``, so the
one atomic write (:func:`citymatch._util.atomic_output`) removes its temporary file and
leaves the target exactly as it was.  The command then prints one line and returns
128 + the signal number (143 for SIGTERM, 130 for SIGINT).  Handlers are installed only
for the duration of the call and only from the main thread; importing citymatch installs
none, and ``serve`` leaves signal handling to uvicorn.

**Outputs over inputs.**  :func:`check_outputs` refuses ``--output``, ``--scores`` or
``--plot`` when it is an input file under any spelling or link, or lies inside an input
folder (:func:`citymatch._util.check_output_not_input`) — a usage error, before any work.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Protocol

from .._util import check_output_not_input, discard_temporaries
from ..errors import OutputPathError
from .output import UsageError

__all__ = [
    "INPUT_ARGUMENTS",
    "OUTPUT_ARGUMENTS",
    "Interrupted",
    "check_outputs",
    "handling_signals",
]

#: Signals that end a command cleanly (those this platform has).
SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)
#: Command-line arguments naming files or folders a command reads …
INPUT_ARGUMENTS = (
    "candidates",
    "criteria",
    "criteria_folder",
    "matrix",
    "problem",
    "register",
    "request",
    "record",
)
#: … and those naming files it writes.
OUTPUT_ARGUMENTS = ("output", "scores", "plot")


class Main(Protocol):
    """The entry point's signature: ``main(argv=None) -> exit code``."""

    def __call__(self, argv: Sequence[str] | None = None) -> int: ...


class Interrupted(BaseException):
    """A signal ended the command; ``signum`` is its number (exit code 128 + signum)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _command(argv: Sequence[str] | None) -> str | None:
    """The sub-command of ``argv`` (global options take no value)."""
    args = sys.argv[1:] if argv is None else argv
    return next((a for a in args if not a.startswith("-")), None)


def handling_signals(run: Main) -> Main:
    """Wrap the entry point: a signal removes unfinished output and exits 128 + signal."""

    @functools.wraps(run)
    def main(argv: Sequence[str] | None = None) -> int:
        if threading.current_thread() is not threading.main_thread() or _command(argv) == "serve":
            return run(argv)
        previous = {
            sig: old
            for sig in SIGNALS
            if (old := signal.getsignal(sig)) in (signal.SIG_DFL, signal.default_int_handler)
        }

        def interrupted(signum: int, frame: FrameType | None) -> None:
            for sig in previous:  # a second signal must not cut the clean-up short
                signal.signal(sig, signal.SIG_IGN)
            raise Interrupted(signum)

        try:
            for sig in previous:
                signal.signal(sig, interrupted)
            return run(argv)
        except (Interrupted, KeyboardInterrupt) as exc:
            signum = exc.signum if isinstance(exc, Interrupted) else int(signal.SIGINT)
            discard_temporaries()
            sys.stderr.write(
                f"citymatch: interrupted by {signal.Signals(signum).name}; unfinished output "
                "removed, existing files left as they were.\n"
            )
            return 128 + signum
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)

    return main


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse an output argument that is, or lies inside, an input argument (exit 2)."""
    inputs = [v for a in INPUT_ARGUMENTS if isinstance(v := getattr(args, a, None), str) and v]
    outputs = [
        (a, v) for a in OUTPUT_ARGUMENTS if isinstance(v := getattr(args, a, None), str) and v
    ]
    for i, (a, first) in enumerate(outputs):  # two outputs of one command on one file
        for b, second in outputs[i + 1 :]:
            if os.path.realpath(first) == os.path.realpath(second):
                raise UsageError(
                    f"--{a} and --{b} must be different files (one would overwrite the other); "
                    f"both are {first!r}."
                )
    for attr in OUTPUT_ARGUMENTS:
        out = getattr(args, attr, None)
        if not (isinstance(out, str) and out and inputs):
            continue
        try:
            check_output_not_input(out, inputs, name=f"--{attr}")
        except OutputPathError as exc:
            raise UsageError(str(exc)) from exc
