"""netkit: provision and watch the government network's ministry sites from one inventory."""

__version__ = "0.1.0"
