"""The one secret-mark pattern: where a secret goes in a rendered config, `@@secret:<name>@@`.

Intended configs never hold secret values, so they can be shown, diffed, stored and compared; whoever
pushes a config fills the marks in (config.secrets, and the playbook modules, which import this module:
it must stay free of imports beyond `re`).
"""

from __future__ import annotations

import re

SECRET_MARK = "@@secret:{name}@@"
SECRET_MARK_RE = re.compile(r"@@secret:([a-z_]+)@@")  # group 1: the secret's name
SECRET_NAMES = ("username", "password", "snmp_auth_key", "snmp_priv_key", "snmp_community")
