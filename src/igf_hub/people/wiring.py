"""What people/ plugs into the processes (installed by app.py and worker.py; see core/wiring.py)."""

from __future__ import annotations

from igf_hub.core.wiring import Wiring

# Security notices (verification, password reset, invitation, new sign-in) are declared here by the accounts
# work; each domain declares its own kinds in its own Wiring.
WIRING = Wiring(domain="people")
