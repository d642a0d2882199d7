"""The kinds of notice people receive, declared by each domain in its ``Wiring`` (``notice_kinds``).

A kind is data: what it is called on the settings page, the subject line, the templates of its e-mail body and
whether it is a security notice (sent at once, never turned off, no unsubscribe link). people/notices.py
creates and sends notices of the installed kinds; see its docstring for how a domain adds one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Delivery = Literal["immediately", "daily", "weekly", "off"]
DELIVERIES: tuple[Delivery, ...] = ("immediately", "daily", "weekly", "off")


@dataclass(frozen=True, kw_only=True)
class NoticeKind:
    # Dotted, like event types: "nri.submitted". Stored with each notice and each person's setting.
    name: str
    # What the settings page calls it, marked with N_() where declared (translated where shown).
    label: str
    # The subject line and the inbox title, marked with N_(); ``%(placeholders)s`` are filled from the notice's
    # params after translation (so a translation may move them; ./dev i18n checks each keeps them).
    subject: str
    # templates/<template>.txt and .html: the e-mail body (each extends people/mail/notice.txt|.html).
    template: str
    # Security notices (sign-up verification, password reset, invitation, new sign-in) go at once, cannot be
    # turned off and carry no unsubscribe link.
    security: bool = False
    default_delivery: Delivery = "immediately"

    def __post_init__(self) -> None:
        if self.security and self.default_delivery != "immediately":
            raise ValueError(f"security notice {self.name} must go immediately")


_kinds: dict[str, NoticeKind] = {}


def register(kinds: Sequence[NoticeKind]) -> None:
    """Install kinds (core/wiring.install does it for every domain's Wiring). Idempotent; a different kind under
    a name already taken is a programming error."""
    for kind in kinds:
        known = _kinds.get(kind.name)
        if known is not None and known != kind:
            raise ValueError(f"two notice kinds are called {kind.name}")
        _kinds[kind.name] = kind


def registered() -> Mapping[str, NoticeKind]:
    return _kinds
