"""The SLA report: availability and latency per site over a period, from Prometheus (`netkit report`)."""
