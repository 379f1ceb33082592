"""The SLA report as a ministry receives it, opened in a real browser (Debian's headless chromium): every
plot is drawn, the Khmer headings and names are there, and the PDF embeds a Khmer font whose text
extracts back to the Khmer names."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from netkit.localtime import zone
from netkit.monitor.sla_report.report import DailyPoint, MinistrySla, Period, SiteSla, SlaReport
from netkit.monitor.sla_report.report_pdf import html_to_png, write_pdf
from netkit.monitor.sla_report.report_render import KM, to_html

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed (make deps)")
PP = zone("Asia/Phnom_Penh")
SITE_KM = "សាលាដំបូងខេត្តរតនគិរី"
MINISTRY_KM = "ក្រសួងយុត្តិធម៌"


def _report() -> SlaReport:
    daily = [DailyPoint(day=date(2026, 11, 1) + timedelta(days=i), availability=0.97 + (i % 3) * 0.01,
                        loss=0.002 * (i % 5), rtt_mean_s=0.08 + 0.002 * (i % 7)) for i in range(30)]
    site = SiteSla(site="moj-ratanakiri", name="Ratanakiri Provincial Court", name_km=SITE_KM, ministry="moj",
                   ministry_name="Ministry of Justice", ministry_name_km=MINISTRY_KM, province="Ratanakiri",
                   availability=0.985, availability_target=0.99, within_latency=0.999, latency_mean_s=0.085,
                   latency_p95_s=0.1, latency_target_s=0.12, loss=0.004, loss_target=0.02,
                   bandwidth_target_bps=20e6, daily=daily)
    period = Period(label="2026-11", start=datetime(2026, 11, 1, tzinfo=PP), end=datetime(2026, 12, 1, tzinfo=PP),
                    partial=False, timezone="Asia/Phnom_Penh")
    return SlaReport(period=period, prometheus="http://127.0.0.1:9090", generated_at=datetime(2026, 12, 1, tzinfo=PP),
                     ministries=[MinistrySla(code="moj", name="Ministry of Justice", name_km=MINISTRY_KM,
                                             sites=[site])])


def _pixels(png: Path) -> tuple[int, int, list[bytes]]:
    """Rows of RGBA/RGB pixels of a non-interlaced 8-bit PNG (what chromium writes)."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 4
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and color in (2, 6), (depth, color, interlace)
            channels = 4 if color == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def _differing_pixels(a: Path, b: Path) -> int:
    _, _, ra = _pixels(a)
    _, _, rb = _pixels(b)
    return sum(1 for x, y in zip(ra, rb, strict=True) for i in range(0, len(x), 4) if x[i:i + 3] != y[i:i + 3])


def test_every_plot_is_drawn_in_a_real_browser(tmp_path: Path) -> None:
    html = to_html(_report())
    assert SITE_KM in html and MINISTRY_KM in html and KM["availability"] in html
    full = tmp_path / "full.html"
    full.write_text(html, encoding="utf-8")
    html_to_png(full, tmp_path / "full.png")
    width, height, rows = _pixels(tmp_path / "full.png")
    assert (width, height) == (1280, 2400)
    assert any(px != rows[0][:3] for row in rows for px in (row[i:i + 3] for i in range(0, len(row), 4)))
    # Where each plot stands: the pixels that change when only that plot is hidden (layout kept).
    for n in (1, 2, 3):
        hidden = tmp_path / f"hide{n}.html"
        hidden.write_text(html.replace("</style>", f".plots figure:nth-of-type({n}) svg{{visibility:hidden}}</style>"),
                          encoding="utf-8")
        html_to_png(hidden, tmp_path / f"hide{n}.png")
        drawn = _differing_pixels(tmp_path / "full.png", tmp_path / f"hide{n}.png")
        assert drawn > 2000, f"plot {n}: only {drawn} non-blank pixels"  # 30 bars and an agreement line


def test_the_pdf_embeds_a_khmer_font_and_extracts_the_khmer_names(tmp_path: Path) -> None:
    if not (shutil.which("pdffonts") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils not installed (make deps)")
    pdf = tmp_path / "report.pdf"
    write_pdf(to_html(_report()), pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    khmer = [line for line in fonts.splitlines() if "khmer" in line.lower()]
    assert khmer and all(" yes " in f" {line} " for line in khmer), fonts  # embedded
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for name in (SITE_KM, MINISTRY_KM, "Ratanakiri Provincial Court"):
        assert name in text, (name, text[:2000])
    # Khmer writes no spaces between words: where the browser broke the long title, pdftotext puts one.
    assert KM["title"] in "".join(text.split()), text[:500]
