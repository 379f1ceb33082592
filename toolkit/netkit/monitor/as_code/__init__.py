"""Monitoring as code: alert rules, Alertmanager routes, Grafana dashboards, file_sd targets and the Prometheus stack."""
