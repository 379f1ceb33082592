"""Watching the sites, in three folders, one per job.

- `exporter/`: the exporter (pollers, probers, collectors, /metrics; `netkit monitor serve`).
- `as_code/`: monitoring as code (rules, Alertmanager, dashboards, file_sd targets, the Prometheus stack).
- `sla_report/`: the SLA report from Prometheus (`netkit report`).
"""
