"""Issue 18, password rules (NIST SP 800-63B-4): at least 15 characters, 64 and more allowed, no composition
rules, no known password, each refusal a sentence; applied by the service, so by the API and the CLI too."""

from __future__ import annotations

import httpx
import pytest

from igf_hub.auth import password_rules
from igf_hub.auth.principal import Role
from igf_hub.web.i18n import LANGUAGES, gettext
from tests.support.auth import TokenFactory


@pytest.mark.parametrize(
    ("password", "refusal"),
    [
        ("", password_rules.EMPTY),
        ("fourteen chars", password_rules.TOO_SHORT),  # 14
        ("x" * 257 + "y", password_rules.TOO_LONG),
        ("1q2w3e4r5t6y7u8i9o0p", password_rules.COMMON),
        ("Password12345678", password_rules.COMMON),  # a listed one, padded: case does not make it new
        ("iloveyou!!!!!!!!", password_rules.COMMON),
        ("12345678901234567", password_rules.COMMON),  # a run of the digits
        ("qwertyuiopasdfgh", password_rules.COMMON),  # a run of the keyboard
        ("qqqqqqqqqqqqqqqqqqqq", password_rules.REPEATED),
        ("passwordpassword", password_rules.REPEATED),
        ("amina.diallo@example.org", password_rules.PERSONAL),
        ("amina.diallo.example", None),
        ("correct horse battery staple", None),  # four words, no digit, no capital: fine
        ("ПарольИзСловНаРусском", None),  # any script
        ("z" * 100 + "q", None),  # long is allowed (64 and more)
        ("fifteen chars!!", None),  # exactly 15
    ],
)
def test_each_password_is_judged_by_the_rules(password: str, refusal: str | None) -> None:
    assert password_rules.refusal(password, email="amina.diallo@example.org", name="Amina") == refusal


def test_the_list_is_shipped_and_read_without_network() -> None:
    listed = password_rules.common_passwords()
    assert len(listed) > 19_000 and "123456" in listed and "iloveyou" in listed


def test_every_refusal_reads_as_a_sentence_in_the_six_languages() -> None:
    sentences = [
        password_rules.EMPTY,
        password_rules.TOO_SHORT,
        password_rules.TOO_LONG,
        password_rules.COMMON,
        password_rules.REPEATED,
        password_rules.PERSONAL,
    ]
    for language in LANGUAGES:
        for sentence in sentences:
            text = gettext(language, sentence) % {"num": 15}
            assert text.strip() and text[-1] in ".。!", (language, text)
            if language != "en":
                assert text != sentence % {"num": 15}, (language, sentence)  # translated


async def test_the_api_refuses_a_known_password_naming_the_field(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    admin = await tokens.user(Role.secretariat)
    refused = await client.post(
        "/v1/users", json={"email": "new@example.org", "password": "iloveyou"}, headers=admin.headers
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"].endswith("/password-refused")
    assert problem["errors"] == [
        {
            "pointer": "/password",
            "detail": "Your password must be at least 15 characters long. A few words "
            "you will remember work well.",
        }
    ]
    common = await client.post(
        "/v1/users", json={"email": "new@example.org", "password": "password12345678"}, headers=admin.headers
    )
    assert common.status_code == 422 and "attackers try first" in common.json()["detail"]
    created = await client.post(
        "/v1/users",
        json={"email": "new@example.org", "password": "a long and unusual passphrase"},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
