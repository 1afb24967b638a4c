"""HTML to PDF through a headless Chromium-family browser (Chromium, Chrome, Edge).

The browser prints the page with its print style sheet (``@page`` A4), without header or
footer, from a private temporary profile, with networking features that are not needed
switched off; the PDF is written through :func:`citymatch._util.atomic_output`, so the target
is replaced in one rename or left as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .._util import atomic_output
from ..errors import ArgumentError, BrowserError, BrowserNotFoundError

__all__ = ["BROWSER_ENV", "BROWSER_NAMES", "chromium_command", "find_browser", "html_to_pdf"]

#: Environment variable naming the browser to use (a path or a command name).
BROWSER_ENV = "CITYMATCH_BROWSER"
#: Command names searched on ``PATH``, in order.
BROWSER_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "msedge",
)
#: Where browsers live outside ``PATH`` (macOS applications).
_KNOWN_PATHS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)


def find_browser(browser: str | os.PathLike[str] | None = None) -> str:
    """The browser executable to print PDFs with.

    ``browser`` if given, else ``$CITYMATCH_BROWSER``, else the first of
    :data:`BROWSER_NAMES` on ``PATH`` (then the usual macOS application paths).

    Raises
    ------
    BrowserNotFoundError
        None found (or the one named is not an executable).
    """
    named = os.fspath(browser) if browser is not None else os.environ.get(BROWSER_ENV) or None
    if named is not None:
        found = shutil.which(named)
        if found is None:
            how = "`browser`" if browser is not None else f"${BROWSER_ENV}"
            raise BrowserNotFoundError(
                f"{how} must name a browser executable (a path or a command on PATH); got "
                f"{named!r}, which is not one.",
                package="chromium",
            )
        return found
    for name in BROWSER_NAMES:
        if found := shutil.which(name):
            return found
    for path in _KNOWN_PATHS:
        if os.access(path, os.X_OK):
            return path
    raise BrowserNotFoundError(
        "writing a PDF needs a Chromium-family browser (one of "
        f"{', '.join(BROWSER_NAMES)}), and none is on PATH: install one (Debian/Ubuntu: "
        f"`apt-get install chromium`), or name it with ${BROWSER_ENV} (or `browser=` in "
        "Python); or write the .html and print it to PDF from any browser.",
        package="chromium",
    )


def chromium_command(browser: str, page: Path, pdf: Path, profile: Path) -> list[str]:
    """The command that prints ``page`` to ``pdf`` headless, with a private ``profile``."""
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        "--print-to-pdf-no-header",  # the same, for browsers older than Chrome 112
        page.as_uri(),
    ]


def html_to_pdf(
    html: str,
    path: str | os.PathLike[str],
    *,
    browser: str | os.PathLike[str] | None = None,
    timeout: float = 120.0,
) -> Path:
    """Print the HTML document ``html`` to the PDF ``path`` (atomically); returns the path.

    Raises
    ------
    BrowserNotFoundError
        No browser (see :func:`find_browser`).
    BrowserError
        The browser failed, timed out, or wrote no PDF.
    ArgumentError
        ``timeout`` is not a positive number.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ArgumentError(f"`timeout` must be a positive number of seconds; got {timeout!r}.")
    exe = find_browser(browser)
    with tempfile.TemporaryDirectory(prefix="citymatch-brief-") as tmp:
        page = Path(tmp) / "brief.html"
        page.write_text(html, encoding="utf-8")
        with atomic_output(path, name="path") as out:
            cmd = chromium_command(exe, page, out.resolve(), Path(tmp) / "profile")
            try:
                done = subprocess.run(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise BrowserError(
                    f"{exe} did not finish printing the PDF within `timeout` = {timeout:g} s."
                ) from exc
            except OSError as exc:
                raise BrowserError(f"{exe} could not be started: {exc}.") from exc
            if done.returncode != 0 or not _is_pdf(out):
                tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
                raise BrowserError(
                    f"{exe} wrote no PDF (exit status {done.returncode}): "
                    + (" | ".join(tail) or "no error output")
                )
    return Path(path)


def _is_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"%PDF-"
    except OSError:
        return False
