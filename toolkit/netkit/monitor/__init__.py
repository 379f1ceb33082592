"""Watching the sites: the exporter (pollers, probers, collectors) and monitoring as code (rules, dashboards)."""
