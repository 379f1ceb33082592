"""The exporter: SNMP pollers, ICMP/TCP/HTTP probers and the /metrics endpoint (`netkit monitor serve`)."""
