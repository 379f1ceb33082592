"""The SLA report as PDF, printed by Debian's headless chromium from the report's own HTML.

Why chromium and not an HTML-to-PDF library: the HTML already is the report (inline SVG plots, CSS), and
Khmer needs complex text shaping (subscript consonants, vowel signs) that a browser's HarfBuzz does right;
WeasyPrint would also shape it but is one more large dependency tree to keep in step, and wkhtmltopdf is
unmaintained. chromium is also what the report's rendering test uses, so the PDF is exactly what was tested.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from netkit.errors import EnvironmentProblem, NetkitError

# Flags for a quiet, isolated headless run: no GPU, no network of its own, no profile left behind.
HEADLESS_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise EnvironmentProblem("chromium is not installed (Debian package chromium; `make deps` installs it, with the "
                             "Khmer fonts fonts-khmeros)")


def _run(args: list[str], out: Path, timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="netkit-chromium-") as profile:
        cmd = [chromium(), *HEADLESS_FLAGS, f"--user-data-dir={profile}", *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as e:
            raise NetkitError(f"chromium did not finish {out} within {timeout:.0f} s") from e
    if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise NetkitError(f"chromium could not write {out} (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")


def html_to_pdf(html: Path, pdf: Path, timeout: float = 120) -> None:
    """Print `html` (a file: the report loads nothing else) to `pdf`."""
    pdf.unlink(missing_ok=True)
    _run(["--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}", html.resolve().as_uri()], pdf, timeout)


def html_to_png(html: Path, png: Path, width: int = 1280, height: int = 2400, timeout: float = 120) -> None:
    """A screenshot of `html` at width x height CSS pixels."""
    png.unlink(missing_ok=True)
    _run(["--hide-scrollbars", f"--window-size={width},{height}", f"--screenshot={png.resolve()}",
          html.resolve().as_uri()], png, timeout)


def write_pdf(html_text: str, pdf: Path) -> None:
    """The report's HTML text as a PDF file."""
    with tempfile.TemporaryDirectory(prefix="netkit-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html_text, encoding="utf-8")
        html_to_pdf(page, pdf)
