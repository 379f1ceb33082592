"""Known SSH host keys per inventory: what `netkit trust` and `lab up` record, what every SSH connection
netkit makes must find, and the check that refuses an unknown or changed key before any credential."""
