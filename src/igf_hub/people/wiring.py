"""What people/ plugs into the processes (installed by app.py and worker.py; see core/wiring.py)."""

from __future__ import annotations

from igf_hub.core.wiring import Wiring
from igf_hub.people.account_notices import NOTICE_KINDS as ACCOUNT_NOTICE_KINDS
from igf_hub.people.device_notices import NOTICE_KINDS as DEVICE_NOTICE_KINDS

# Security notices (verification, password reset, invitation, new sign-in) are declared here by the accounts
# work; each domain declares its own kinds in its own Wiring.
WIRING = Wiring(domain="people", notice_kinds=[*ACCOUNT_NOTICE_KINDS, *DEVICE_NOTICE_KINDS])
