"""What a new password must be (NIST SP 800-63B-4, section 3.1.1.2), for every way a password is chosen: sign-up,
reset, an invitation accepted, ``igf-hub users create`` and ``POST /v1/users`` (``IdentityService``).

- **At least 15 characters.** 800-63B-4 requires 15 for a password that is the only factor, and 8 only when it
  is one of two; two-factor is offered to everyone but required only of the Secretariat and the MAG chair, so
  for most accounts the password is the only factor. A passphrase of four common words passes.
- **Up to 256 characters** (the standard asks that at least 64 be allowed); every character counts, spaces and
  any script included, and nothing is truncated or changed (argon2 hashes the whole string).
- **No composition rules** (no "one digit, one capital"), no expiry: the standard forbids both.
- **Not a known password:** not on the list of 19,640 passwords that appear most often in breaches, shipped with
  the package (``data/common-passwords.txt.gz``, from Django 5.2's ``django/contrib/auth``, BSD licence in
  ``data/common-passwords.LICENSE``; the list is Royce Williams' compilation of breached-password corpora); not
  a shorter string repeated (``passwordpassword``), nor a listed password padded with digits or symbols
  (``password12345678``), nor a run of the keyboard or of the digits; not the person's e-mail address or name
  (context-specific words). No network is used.

Each refusal is a sentence marked for translation (``N_``): the pages show it in the reader's language, the API
in English.
"""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

from igf_hub.core.errors import FieldError, Unprocessable
from igf_hub.web.i18n import N_

MIN_LENGTH = 15
MAX_LENGTH = 256
LIST = Path(__file__).parent / "data" / "common-passwords.txt.gz"

EMPTY = N_("Enter a password.")
TOO_SHORT = N_(
    "Your password must be at least %(num)d characters long. A few words you will remember work well."
)
TOO_LONG = N_("Your password must be at most %(num)d characters long.")
COMMON = N_(
    "This password is on a list of passwords that attackers try first, because many people use it. Choose "
    "another."
)
REPEATED = N_("Your password must not be the same characters repeated. Choose another.")
PERSONAL = N_("Your password must not be your e-mail address or your name. Choose another.")


class PasswordRefused(Unprocessable):
    slug, title = "password-refused", "This password cannot be used"

    def __init__(self, message: str, *, pointer: str = "/password") -> None:
        self.message = message  # the untranslated sentence, for a page to translate
        detail = message % {"num": limit(message)} if "%(num)d" in message else message
        super().__init__(detail, errors=[FieldError(pointer=pointer, detail=detail)])


def limit(message: str) -> int:
    """The number a refusal names (its ``%(num)d``)."""
    return MAX_LENGTH if message == TOO_LONG else MIN_LENGTH


# Runs people type when asked for something long: a password that is a piece of one is refused as known.
RUNS = ("0123456789" * 4, "9876543210" * 4, "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")
PADDING = "0123456789!@#$%^&*()-_=+.,;:?/ "


@functools.cache
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def refusal(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` cannot be chosen (an untranslated sentence), or None when it can."""
    if not password:
        return EMPTY
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    folded = password.strip().casefold()
    if _repeats(folded):
        return REPEATED
    core = folded.strip(PADDING)
    if folded in common_passwords() or not core or core in common_passwords():
        return COMMON
    if any(folded in run for run in RUNS):
        return COMMON
    personal = {email.strip().casefold(), email.strip().casefold().partition("@")[0], name.strip().casefold()}
    if folded in personal - {""}:
        return PERSONAL
    return None


def _repeats(text: str) -> bool:
    """``text`` is a shorter string said again and again (``aaaa…``, ``abcabc…``)."""
    return any(
        len(text) % size == 0 and text[:size] * (len(text) // size) == text
        for size in range(1, len(text) // 2 + 1)
    )


def check(password: str, *, email: str = "", name: str = "", pointer: str = "/password") -> None:
    """PasswordRefused (422, naming the field) unless ``password`` may be chosen."""
    message = refusal(password, email=email, name=name)
    if message is not None:
        raise PasswordRefused(message, pointer=pointer)
