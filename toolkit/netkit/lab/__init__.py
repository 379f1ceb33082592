"""The lab: real devices (FRR routers, snmpd, sshd, service hosts) in Linux network namespaces.

Kept import-light on purpose: the lab's helper processes (`netkit.lab.relay`,
`netkit.lab.service_http`) run as `python -m` and must start fast.
"""
