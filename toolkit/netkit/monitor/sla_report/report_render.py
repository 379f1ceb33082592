"""The SLA report as CSV (one row per site) or a self-contained HTML page with inline SVG plots.

The HTML loads nothing from anywhere: styles and charts are inline, so it can be mailed or archived.
"""

from __future__ import annotations

import csv
import io
from html import escape

from netkit.localtime import stamp, zone
from netkit.monitor.sla_report.report import DailyPoint, SiteSla, SlaReport

CSV_FIELDS = [
    "period", "ministry", "ministry_name", "site", "name", "province",
    "availability", "availability_target", "availability_met",
    "latency_mean_ms", "latency_p95_ms", "latency_target_ms", "within_latency", "latency_met",
    "loss", "loss_target", "loss_met", "maintenance_hours", "probe_cycles", "packets_sent", "met",
]


def _num(v: float | None, scale: float = 1.0, digits: int = 6) -> str:
    return "" if v is None else f"{v * scale:.{digits}f}".rstrip("0").rstrip(".")


def _flag(v: bool | None) -> str:
    return "" if v is None else ("yes" if v else "no")


def to_csv(report: SlaReport) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for m in report.ministries:
        for s in m.sites:
            writer.writerow({
                "period": report.period.label, "ministry": s.ministry, "ministry_name": s.ministry_name,
                "site": s.site, "name": s.name, "province": s.province,
                "availability": _num(s.availability), "availability_target": _num(s.availability_target),
                "availability_met": _flag(s.availability_met),
                "latency_mean_ms": _num(s.latency_mean_s, 1000, 3), "latency_p95_ms": _num(s.latency_p95_s, 1000, 3),
                "latency_target_ms": _num(s.latency_target_s, 1000, 3), "within_latency": _num(s.within_latency),
                "latency_met": _flag(s.latency_met),
                "loss": _num(s.loss), "loss_target": _num(s.loss_target), "loss_met": _flag(s.loss_met),
                "maintenance_hours": _num(s.maintenance_s, 1 / 3600, 2), "probe_cycles": _num(s.probe_cycles, 1, 0),
                "packets_sent": _num(s.packets_sent, 1, 0), "met": _flag(s.met),
            })
    return out.getvalue()


# ---------------------------------------------------------------- HTML

# Khmer headings beside the English ones (the report is what a ministry receives).
KM = {
    "title": "របាយការណ៍ប្រចាំខែស្តីពីកិច្ចព្រមព្រៀងតភ្ជាប់",
    "site": "ទីតាំង", "province": "ខេត្ត", "availability": "ភាពអាចប្រើបាន", "latency": "ពេលពន្យារ",
    "loss": "ការបាត់បង់កញ្ចប់ទិន្នន័យ", "bandwidth": "កម្រិតបញ្ជូន", "maintenance": "ការថែទាំ",
    "verdict": "លទ្ធផល",
}

_CSS = """
body{font-family:"Khmer OS System","Khmer OS","Noto Sans Khmer",system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:2px solid #345}h3{margin:1.2em 0 .3em}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border:1px solid #ccc;padding:.3em .5em;text-align:right}
th{background:#eef}td.l,th.l{text-align:left}.met{background:#dfd}.breach{background:#fdd;font-weight:bold}
.nodata{background:#eee;color:#777}.note{color:#555;font-size:.9em}figure{display:inline-block;margin:.3em 1em .3em 0}
figcaption{font-size:.8em;color:#444}
"""


def _cls(v: bool | None) -> str:
    return "nodata" if v is None else ("met" if v else "breach")


def _pct(v: float | None, digits: int = 3) -> str:
    return "no data" if v is None else f"{v * 100:.{digits}f} %"


def _ms(v: float | None) -> str:
    return "no data" if v is None else f"{v * 1000:.1f} ms"


def bar_chart(values: list[float | None], target: float | None, *, higher_is_better: bool, label: str,
              fmt: str = "pct", width: int = 330, height: int = 110) -> str:
    """Daily bars against a dashed target line; a bar on the wrong side of the target is red."""
    known = [v for v in values if v is not None] + ([target] if target is not None else [])
    if not known:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" ' \
               f'aria-label="{escape(label)}: no data"><text x="10" y="{height // 2}" font-size="12">no data</text></svg>'
    if higher_is_better:
        hi = max(max(known), 1.0) if fmt == "pct" else max(known)
        lo = min(known)
        lo -= max((hi - lo) * 0.15, 1e-4)
    else:
        lo, hi = 0.0, max(max(known) * 1.15, 1e-9)
    span = (hi - lo) or 1.0
    left, top, plot_w, plot_h = 40, 8, width - 48, height - 24
    n = max(len(values), 1)
    bar_w = plot_w / n

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / span)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(label)}">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>']
    for i, v in enumerate(values):
        if v is None:
            continue
        bad = target is not None and (v < target if higher_is_better else v > target)
        y0 = y(max(v, lo))
        parts.append(f'<rect x="{left + i * bar_w + 0.5:.1f}" y="{y0:.1f}" width="{max(bar_w - 1, 0.5):.1f}" '
                     f'height="{top + plot_h - y0:.1f}" fill="{"#d33" if bad else "#4a7"}"><title>day {i + 1}: '
                     f'{_pct(v) if fmt == "pct" else _ms(v)}</title></rect>')
    if target is not None:
        ty = y(target)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#000" '
                     f'stroke-dasharray="4 3"><title>agreement</title></line>')
    for v in (lo, hi):
        text = _pct(v, 2) if fmt == "pct" else _ms(v)
        parts.append(f'<text x="{left - 3}" y="{y(v) + 4:.1f}" font-size="9" text-anchor="end">{escape(text)}</text>')
    parts.append(f'<text x="{left}" y="{height - 3}" font-size="9">day 1</text>'
                 f'<text x="{left + plot_w}" y="{height - 3}" font-size="9" text-anchor="end">day {n}</text></svg>')
    return "".join(parts)


def _site_row(s: SiteSla) -> str:
    def cell(text: str, ok: bool | None) -> str:
        return f'<td class="{_cls(ok)}">{escape(text)}</td>'

    verdict = {True: "met", False: "BREACHED", None: "incomplete data"}[s.met]
    km = f"{escape(s.name_km)}<br>" if s.name_km else ""
    agreed = "-" if s.bandwidth_target_bps is None else f"{s.bandwidth_target_bps / 1e6:g} Mbit/s"
    measured = "not measured" if s.bandwidth_bps is None else f"{s.bandwidth_bps / 1e6:.1f} Mbit/s"
    return (f'<tr><td class="l">{km}<b>{escape(s.name)}</b><br>{escape(s.site)}</td>'
            f'<td class="l">{escape(s.province)}</td>'
            + cell(f"{_pct(s.availability)} / {_pct(s.availability_target, 2)}", s.availability_met)
            + cell(f"{_ms(s.latency_mean_s)} (p95 {_ms(s.latency_p95_s)}) / {_ms(s.latency_target_s)}; "
                   f"{_pct(s.within_latency, 2)} within", s.latency_met)
            + cell(f"{_pct(s.loss)} / {_pct(s.loss_target, 2)}", s.loss_met)
            + cell(f"{measured} / {agreed}", s.bandwidth_met)
            + f"<td>{s.maintenance_s / 3600:.1f} h</td>" + cell(verdict, s.met) + "</tr>")


def _site_plots(s: SiteSla) -> str:
    daily: list[DailyPoint] = s.daily
    charts = [
        ("Availability per day", bar_chart([d.availability for d in daily], s.availability_target,
                                           higher_is_better=True, label=f"{s.site} availability per day")),
        ("Packet loss per day", bar_chart([d.loss for d in daily], s.loss_target, higher_is_better=False,
                                          label=f"{s.site} loss per day")),
        ("Mean round-trip time per day", bar_chart([d.rtt_mean_s for d in daily], s.latency_target_s,
                                                   higher_is_better=False, fmt="ms",
                                                   label=f"{s.site} mean RTT per day")),
    ]
    figures = "".join(f"<figure>{svg}<figcaption>{escape(title)} (dashed: agreement)</figcaption></figure>"
                      for title, svg in charts)
    km = f"{escape(s.name_km)} · " if s.name_km else ""
    return f'<h3>{km}{escape(s.name)} ({escape(s.site)})</h3><div class="plots" id="plots-{escape(s.site)}">{figures}</div>'



def to_html(report: SlaReport) -> str:
    p = report.period
    tz = zone(p.timezone)
    partial = (' <span class="breach">partial: the month is not over</span>' if p.partial else "")
    body = [f"<h1>{KM['title']}<br>Connectivity agreements: SLA report for {escape(p.label)}</h1>",
            f'<p class="note">{escape(stamp(p.start, tz))} to {escape(stamp(p.end, tz))}{partial}. '
            f"Measured by netkit's probes from the NOC, read from {escape(report.prometheus)} at "
            f"{escape(stamp(report.generated_at, tz))}. Declared maintenance windows are excluded. Latency is "
            "met when at least the agreed availability share of replies arrives within the agreed latency.</p>"]
    if not report.ministries:
        body.append("<p><b>No data:</b> Prometheus has no netkit series for this period and selection.</p>")
    for m in report.ministries:
        met = sum(1 for s in m.sites if s.met)
        km = f"{escape(m.name_km)}<br>" if m.name_km else ""
        body.append(f"<h2>{km}{escape(m.name)} ({escape(m.code)})</h2>"
                    f"<p>{met} of {len(m.sites)} sites met every target of their agreement.</p>")
        body.append(f'<table><tr><th class="l">{KM["site"]}<br>Site</th><th class="l">{KM["province"]}<br>Province</th>'
                    f"<th>{KM['availability']}<br>Availability measured / agreed</th>"
                    f"<th>{KM['latency']}<br>Latency measured / agreed</th>"
                    f"<th>{KM['loss']}<br>Loss measured / agreed</th>"
                    f"<th>{KM['bandwidth']}<br>Bandwidth measured / agreed</th>"
                    f"<th>{KM['maintenance']}<br>Maintenance</th><th>{KM['verdict']}<br>Verdict</th></tr>")
        body += [_site_row(s) for s in m.sites]
        body.append("</table>")
        body += [_site_plots(s) for s in m.sites]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>SLA report {escape(p.label)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
