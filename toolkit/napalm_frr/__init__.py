"""napalm_frr: a NAPALM driver for FRRouting, reached over SSH like a whitebox router.

`napalm.get_network_driver("frr")` imports this package (NAPALM looks for `napalm_<name>`) and
returns the first NetworkDriver subclass it finds here: FrrDriver. Standalone: it depends on
NAPALM and paramiko only, never on netkit.
"""

from napalm_frr.frr import FrrDriver

__all__ = ["FrrDriver"]
__version__ = "0.1.0"
