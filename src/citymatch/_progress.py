"""The one progress bar of citymatch's long calls: a line on standard error, standard library only.

Every call that can take more than a few seconds (SMAA rank acceptability, stability
intervals, the portfolio frontier, marginal value and acceptability, streamed Parquet
ranking; the CLI's ``--progress/--no-progress``) takes ``progress: bool | None = None``:

- ``None`` (default): shown only when standard error is a terminal **and** the call is still
  running after :data:`AUTO_DELAY` seconds — quick calls, notebooks, pipes, logs and tests
  stay silent;
- ``True``: shown from the start, wherever standard error goes;
- ``False``: never.

The bar only counts: it never changes a result (tests compare results with and without it).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import IO, Any, TypeVar

from .errors import CitymatchTypeError

__all__ = ["AUTO_DELAY", "Progress", "check_progress", "counted", "progress_bar"]

#: Seconds a call runs before ``progress=None`` shows its bar (on a terminal).
AUTO_DELAY = 2.0
#: Seconds between two redraws of the line (the first and the last are always drawn).
MIN_INTERVAL = 0.1
_WIDTH = 24

T = TypeVar("T")


def check_progress(progress: object) -> bool | None:
    """``progress`` as given, or an error naming the rule: ``True``, ``False`` or ``None``."""
    if progress is not None and not isinstance(progress, bool):
        raise CitymatchTypeError(f"`progress` must be True, False or None; got {progress!r}.")
    return progress


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """A counter drawn as one line on a stream: ``desc: 40%|█████     | 4/10 block [00:03<00:05]``.

    Parameters
    ----------
    total : int or None
        Steps to count (None: unknown, the line shows the count only).
    desc, unit : str
        What runs, and what one step is.
    stream : text stream
        Where the line goes (``sys.stderr`` when the bar is made by :func:`progress_bar`).
    on : bool
        Draw at all; an off bar still counts (``count``) and never writes.
    delay : float
        Seconds before the first drawing.
    """

    def __init__(
        self,
        total: int | None,
        desc: str,
        *,
        unit: str = "step",
        stream: IO[str],
        on: bool = True,
        delay: float = 0.0,
    ) -> None:
        self.total = total
        self.desc = desc
        self.unit = unit
        self.count = 0
        self.on = on
        self.closed = False
        self._stream = stream
        self._start = time.monotonic()
        self._delay = delay
        self._drawn_at: float | None = None
        if on and delay <= 0:
            self._draw(self._start)

    def update(self, n: int = 1) -> None:
        """Count ``n`` more steps; redraw at most every :data:`MIN_INTERVAL` seconds."""
        self.count += n
        if not self.on or self.closed:
            return
        now = time.monotonic()
        if now - self._start < self._delay:
            return
        done = self.total is not None and self.count >= self.total
        if done or self._drawn_at is None or now - self._drawn_at >= MIN_INTERVAL:
            self._draw(now)

    def close(self) -> None:
        """Draw the final state and end the line (once; nothing if the bar never showed)."""
        if self.closed:
            return
        self.closed = True
        if self.on and self._drawn_at is not None:
            self._draw(time.monotonic())
            self._stream.write("\n")
            self._stream.flush()

    def line(self, now: float | None = None) -> str:
        """The text of the bar as it would be drawn now."""
        elapsed = (time.monotonic() if now is None else now) - self._start
        if self.total is None or self.total <= 0:
            return f"{self.desc}: {self.count:,} {self.unit} [{_clock(elapsed)}]"
        frac = min(1.0, self.count / self.total)
        fill = round(frac * _WIDTH)
        eta = elapsed * (1 - frac) / frac if frac > 0 else 0.0
        return (
            f"{self.desc}: {frac:4.0%}|{'█' * fill}{' ' * (_WIDTH - fill)}| "
            f"{self.count:,}/{self.total:,} {self.unit} [{_clock(elapsed)}<{_clock(eta)}]"
        )

    def _draw(self, now: float) -> None:
        self._drawn_at = now
        self._stream.write("\r" + self.line(now))
        self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def progress_bar(
    total: int | Callable[[], int | None] | None,
    desc: str,
    progress: bool | None,
    *,
    unit: str = "step",
    stream: IO[str] | None = None,
) -> Progress:
    """The bar of one long call, on or off by ``progress`` (see the module docstring).

    ``total`` may be a function, called only when the bar can show (e.g. reading footers).
    """
    progress = check_progress(progress)
    out = sys.stderr if stream is None else stream
    on = progress is True or (progress is None and _is_terminal(out))
    if callable(total):
        total = total() if on else None
    return Progress(
        total, desc, unit=unit, stream=out, on=on, delay=0.0 if progress else AUTO_DELAY
    )


def counted(
    items: Iterable[T], bar: Progress, size: Callable[[Any], int] | None = None
) -> Iterator[T]:
    """Yield ``items``, counting one step (or ``size(item)``) on ``bar`` after each is used.

    If the consumer stops early (an error), the bar is closed so that its line ends.
    """
    finished = False
    try:
        for item in items:
            yield item
            bar.update(1 if size is None else size(item))
        finished = True
    finally:
        if not finished:
            bar.close()
