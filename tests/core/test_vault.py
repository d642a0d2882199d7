"""core/vault.py: the AES-GCM vault every domain uses for secrets at rest."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from igf_hub.core.settings import Environment
from igf_hub.core.vault import Vault, VaultError, decode_key, key_file_text, new_key_text, open_vault


def test_a_ciphertext_is_bound_to_its_context() -> None:
    vault = Vault([decode_key(new_key_text())], purpose="signing key")
    blob = vault.encrypt(b"private", b"kid-1")
    assert vault.decrypt(blob, b"kid-1") == b"private"
    with pytest.raises(VaultError, match="signing key failed authentication"):
        vault.decrypt(blob, b"kid-2")  # moved to another row
    assert vault.is_current(blob)
    assert not Vault([decode_key(new_key_text()), decode_key(new_key_text())]).is_current(blob)


def test_production_needs_the_setting_and_development_keeps_a_key_file(tmp_path: Path) -> None:
    common = {"variable": "IGF_HUB_X_KEY", "key_file": "x.key", "data_dir": str(tmp_path), "purpose": "x"}
    with pytest.raises(VaultError, match="set IGF_HUB_X_KEY in production"):
        open_vault("", environment=Environment.production, **common)
    dev = open_vault("", environment=Environment.development, **common)
    assert (tmp_path / "x.key").stat().st_mode & 0o777 == 0o600
    assert dev.decrypt(dev.encrypt(b"s")) == b"s"
    with pytest.raises(VaultError, match="IGF_HUB_X_KEY holds a value that is not base64url"):
        open_vault("not base64!", environment=Environment.production, **common)


def test_a_development_key_file_is_never_read_half_written(tmp_path: Path) -> None:
    """Two processes of one data dir starting at once (two test workers on a fresh checkout) must agree on one
    key: the second must not read the file the first has created but not yet written."""
    path = tmp_path / "x.key"
    first_writing, first_may_finish = threading.Event(), threading.Event()

    def first_key() -> str:
        first_writing.set()
        first_may_finish.wait(10)
        return "first\n"

    texts: dict[str, str] = {}
    first = threading.Thread(target=lambda: texts.update(first=key_file_text(path, first_key)))
    first.start()
    assert first_writing.wait(10)
    texts["second"] = key_file_text(path, lambda: "second\n")  # while the first is still writing
    first_may_finish.set()
    first.join(10)
    assert texts == {"first": "second\n", "second": "second\n"}
    assert [p.name for p in tmp_path.iterdir()] == ["x.key"]  # no draft left behind
