"""The pure parts: Standard Webhooks signing, secrets at rest, SSRF classification, retry policy, bodies."""

from __future__ import annotations

import ipaddress
import json
import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from igf_hub.core.vault import Vault, VaultError, decode_key, new_key_text
from igf_hub.webhooks import policy, signing, ssrf
from igf_hub.webhooks.events import THIN_ABOVE, EventRow, render, subscription_problem
from tests.support.consumer import Verifier

# The Standard Webhooks specification's published example.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID, SPEC_TS, SPEC_BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_v1_signature_matches_the_specification_example() -> None:
    header = signing.signature_header(
        SPEC_ID, SPEC_TS, SPEC_BODY, hmac_keys=[signing.secret_key(SPEC_SECRET)]
    )
    assert header == SPEC_SIGNATURE
    signing.verify(SPEC_ID, SPEC_TS, SPEC_BODY, header, secret=SPEC_SECRET, now=SPEC_TS + 10)
    with pytest.raises(signing.SignatureError, match="tolerance"):
        signing.verify(SPEC_ID, SPEC_TS, SPEC_BODY, header, secret=SPEC_SECRET, now=SPEC_TS + 301)
    with pytest.raises(signing.SignatureError, match="no signature"):
        signing.verify(SPEC_ID, SPEC_TS, SPEC_BODY + b" ", header, secret=SPEC_SECRET, now=SPEC_TS)


def test_several_secrets_and_ed25519_sign_together_and_the_independent_verifier_agrees() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    key = signing.new_ed25519_key()
    public = signing.public_key_text(signing.ed25519_public_bytes(key))
    headers = signing.headers(
        "evt_1",
        1_700_000_000,
        b"{}",
        hmac_keys=[signing.secret_key(new), signing.secret_key(old)],
        ed25519_key=key,
    )
    assert [p.split(",")[0] for p in headers["webhook-signature"].split(" ")] == ["v1", "v1", "v1a"]
    for trusted in (old, new):
        assert Verifier([trusted], public, now=lambda: 1_700_000_000).check(headers, b"{}") == (
            True,
            True,
            None,
        )
    assert Verifier([signing.new_secret()], None, now=lambda: 1_700_000_000).check(headers, b"{}")[0] is False
    signing.verify_v1a("evt_1", 1_700_000_000, b"{}", headers["webhook-signature"], public_key=public)
    with pytest.raises(signing.SignatureError):
        signing.verify_v1a("evt_1", 1_700_000_000, b"{ }", headers["webhook-signature"], public_key=public)


def test_secrets_at_rest_are_authenticated_and_the_key_rotates() -> None:
    first, second = decode_key(new_key_text()), decode_key(new_key_text())
    old_vault = Vault([first])
    blob = old_vault.encrypt(b"whsec_abc")
    assert b"whsec_abc" not in blob and old_vault.decrypt(blob) == b"whsec_abc"
    rotated = Vault([second, first])  # the new key first: it encrypts; the old one still decrypts
    assert rotated.decrypt(blob) == b"whsec_abc"
    assert Vault([second]).decrypt(rotated.encrypt(b"x")) == b"x"
    with pytest.raises(VaultError, match="no longer has"):
        Vault([second]).decrypt(blob)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(VaultError, match="authentication"):
        old_vault.decrypt(tampered)
    with pytest.raises(VaultError, match="32 bytes"):
        decode_key("c2hvcnQ")


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("100.64.0.1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("::ffff:127.0.0.1", "embedding 127.0.0.1"),
        ("64:ff9b::a9fe:a9fe", "embedding 169.254.169.254"),
        ("64:ff9b:1::a00:1", "embedding 10.0.0.1"),
        ("2002:c0a8:1::", "embedding 192.168.0.1"),
        ("64:ff9b::808:808", None),
        ("fc00::1", "private"),
        ("198.18.0.1", "private"),
    ],
)
def test_addresses_that_may_not_be_contacted(address: str, refused: str | None) -> None:
    reason = ssrf.refusal(ipaddress.ip_address(address))
    assert (reason is None) == (refused is None), reason
    if refused:
        assert reason is not None
        assert refused.split()[0] in reason or refused in str(reason)


def test_url_rules_and_the_allowlist() -> None:
    nothing = ssrf.Allowlist.parse("")
    loopback = ssrf.Allowlist.parse("127.0.0.1, hooks.test")
    assert ssrf.static_problems("https://ungis.example.org/in", nothing) == []
    assert ssrf.static_problems("http://127.0.0.1:8080/in", loopback) == []
    assert ssrf.static_problems("http://hooks.test/in", loopback) == []
    details = " ".join(e.detail for e in ssrf.static_problems("http://u:p@ungis.example.org/in#x", nothing))
    assert "https" in details and "credentials" in details and "fragment" in details
    assert loopback.allows_address(ipaddress.ip_address("127.0.0.1"))
    assert not loopback.allows_address(ipaddress.ip_address("127.0.0.2"))


def test_unusable_ports_are_refused_naming_the_url() -> None:
    nothing = ssrf.Allowlist.parse("")
    cases = {
        "https://ungis.example.org:0/in": "port 0 cannot be connected to",
        "https://ungis.example.org:25/in": "port 25 belongs to another protocol",
        "https://ungis.example.org:22/in": "port 22 belongs to another protocol",
        "https://ungis.example.org:70000/in": "from 1 to 65535",
        "https://ungis.example.org:-1/in": "from 1 to 65535",
    }
    for url, detail in cases.items():
        problems = ssrf.static_problems(url, nothing)
        assert [e.pointer for e in problems] == ["/url"] and detail in problems[0].detail, (url, problems)
    assert ssrf.static_problems("https://ungis.example.org:8443/in", nothing) == []
    # Port 0 never works, allowlisted or not; other protocols' ports only for allowlisted (local) hosts.
    local = ssrf.Allowlist.parse("127.0.0.1")
    assert ssrf.static_problems("http://127.0.0.1:9/in", local) == []
    assert "port 0" in ssrf.static_problems("http://127.0.0.1:0/in", local)[0].detail


def test_allowlist_entries_opening_metadata_or_private_ranges_are_reported() -> None:
    assert (
        ssrf.allowlist_warnings(ssrf.Allowlist.parse("127.0.0.1, ::1, 127.0.0.0/8, localhost, hooks.test"))
        == []
    )
    assert ssrf.allowlist_warnings(ssrf.Allowlist.parse("203.0.113.7")) != []  # documentation range: reserved
    warnings = ssrf.allowlist_warnings(
        ssrf.Allowlist.parse(
            "10.0.0.0/8, 169.254.0.0/16, 0.0.0.0/0, fd00::/8, 8.8.8.8, metadata.google.internal"
        )
    )
    assert warnings == [
        "IGF_HUB_WEBHOOK_ALLOWED_HOSTS entry 10.0.0.0/8 opens a private or reserved range",
        "IGF_HUB_WEBHOOK_ALLOWED_HOSTS entry 169.254.0.0/16 opens the cloud metadata address 169.254.169.254",
        "IGF_HUB_WEBHOOK_ALLOWED_HOSTS entry 0.0.0.0/0 opens the cloud metadata address 100.100.100.200",
        "IGF_HUB_WEBHOOK_ALLOWED_HOSTS entry fd00::/8 opens the cloud metadata address fd00:ec2::254",
        "IGF_HUB_WEBHOOK_ALLOWED_HOSTS entry metadata.google.internal names a cloud metadata service",
    ]


async def test_the_resolver_vets_every_address_and_connects_to_the_vetted_one() -> None:
    resolver = ssrf.Resolver(ssrf.Allowlist.parse("127.0.0.1"))
    target = await resolver.target("http://127.0.0.1:8123/in?x=1")
    assert (target.url, target.host_header, target.server_name) == (
        "http://127.0.0.1:8123/in?x=1",
        "127.0.0.1:8123",
        None,
    )
    with pytest.raises(ssrf.Refused, match="loopback"):
        await ssrf.Resolver(ssrf.Allowlist.parse("")).vet("localhost", 443)
    with pytest.raises(ssrf.Refused, match="does not resolve"):
        await resolver.vet("nothing.invalid", 443)


def test_retry_schedule_jitter_and_retry_after() -> None:
    now = datetime(2026, 11, 10, 12, tzinfo=UTC)
    rng = random.Random(1)
    schedule = [0, 5, 30, 120]
    delays = [(policy.next_due(schedule, 1, now, rng) or now) - now for _ in range(200)]
    assert min(delays) >= timedelta(seconds=4) and max(delays) <= timedelta(seconds=6)
    assert len({d.total_seconds() for d in delays}) > 50  # jittered, not fixed
    assert policy.next_due(schedule, 4, now, rng) is None  # exhausted: dead
    assert policy.retry_after("120", now) == timedelta(seconds=120)
    assert policy.retry_after("Tue, 10 Nov 2026 12:10:00 GMT", now) == timedelta(minutes=10)
    assert policy.retry_after("999999", now) == policy.RETRY_AFTER_CAP
    assert policy.retry_after("soon", now) is None
    assert policy.next_due(schedule, 1, now, rng, timedelta(seconds=90)) == now + timedelta(seconds=90)


def test_bodies_are_cloudevents_and_thin_above_64_kib() -> None:
    event_id = uuid4()
    row = EventRow(
        seq=42,
        id=event_id,
        type="message.approved",
        subject="m-1",
        occurred_at=datetime(2026, 11, 10, 12, tzinfo=UTC),
        data_json='{"title": "x"}',
    )
    body = json.loads(render(row, "https://hub.example"))
    assert body == {
        "specversion": "1.0",
        "id": str(event_id),
        "source": "https://hub.example",
        "type": "message.approved",
        "subject": "m-1",
        "time": "2026-11-10T12:00:00Z",
        "datacontenttype": "application/json",
        "dataschema": "https://hub.example/schema/openapi.json#/webhooks/message.approved/post/requestBody/content"
        "/application~1cloudevents+json/schema/properties/data",
        "sequence": "00000000000000000042",
        "data": {"title": "x"},
    }
    big = EventRow(
        seq=43,
        id=event_id,
        type="message.approved",
        subject="m-1",
        occurred_at=row.occurred_at,
        data_json=json.dumps({"text": "x" * THIN_ABOVE}),
    )
    thin = json.loads(render(big, "https://hub.example"))
    assert thin["data"]["thin"] is True
    assert thin["data"]["links"] == {
        "event": f"https://hub.example/v1/events/{event_id}",
        "self": "https://hub.example/v1/messages/m-1",
    }
    assert len(json.loads(render(big, "https://hub.example", full=True))["data"]["text"]) == THIN_ABOVE


def test_subscriptions_name_deliverable_events() -> None:
    assert subscription_problem("message.approved") is None
    assert subscription_problem("message.*") is None and subscription_problem("*") is None
    assert "not a deliverable" in str(subscription_problem("webhook.ping"))
    assert "not an event type" in str(subscription_problem("message"))
