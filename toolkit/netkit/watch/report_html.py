"""The compliance report as one self-contained HTML page (styles inline, nothing loaded), like the SLA report."""

from __future__ import annotations

from html import escape

from netkit.monitor.sla_report.report_render import _CSS
from netkit.watch.report import ComplianceReport, DeviceRow


def _row(d: DeviceRow, features: list[str]) -> str:
    verdict = {True: ("met", "compliant"), False: ("breach", "DRIFTED"), None: ("nodata", "not judged")}[d.compliant]
    cells = []
    for f in features:
        ok = d.features.get(f)
        cls, text = ("nodata", "") if ok is None else (("met", "ok") if ok else ("breach", "drift"))
        cells.append(f'<td class="{cls}">{text}</td>')
    backup = "never" if d.last_backup is None else f"{d.last_backup:%Y-%m-%d %H:%M}"
    backup_cls = "nodata" if d.backup_ok is None else ("met" if d.backup_ok else "breach")
    return (f'<tr><td class="l"><b>{escape(d.device)}</b><br>{escape(d.site)}</td>'
            f'<td class="{verdict[0]}">{verdict[1]}</td><td>{d.drift_lines}</td>' + "".join(cells)
            + f'<td class="{backup_cls}">{backup}</td><td>{d.changes}</td>'
            f'<td class="l">{escape(d.error)}</td></tr>')


def to_html(report: ComplianceReport) -> str:
    features = report.features
    body = [f"<h1>Configuration compliance, {report.generated_at:%Y-%m-%d %H:%M} UTC</h1>",
            f'<p class="note">Each device\'s last backup ({escape(report.source)}) against the configuration the '
            "inventory and templates intend, feature by feature. Secrets are masked. A device that could not be "
            "backed up keeps the verdict of its last good backup.</p>"]
    if not report.ministries:
        body.append("<p><b>No devices</b> in this selection.</p>")
    for m in report.ministries:
        body.append(f"<h2>{escape(m.name)} ({escape(m.code)})</h2>"
                    f"<p>{m.compliant} of {len(m.devices)} devices match their intended configuration.</p>")
        head = "".join(f"<th>{escape(f)}</th>" for f in features)
        body.append(f'<table><tr><th class="l">Device</th><th>Verdict</th><th>Lines of drift</th>{head}'
                    '<th>Last good backup (UTC)</th><th>Changes seen</th><th class="l">Error</th></tr>')
        body += [_row(d, features) for d in m.devices]
        body.append("</table>")
        for d in m.devices:
            if d.remediation:
                body.append(f"<details><summary>Remediation for {escape(d.device)}</summary>"
                            f"<pre>{escape(d.remediation)}</pre></details>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Compliance report {report.generated_at:%Y-%m-%d}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
