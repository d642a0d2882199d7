"""TOTP as RFC 6238 defines it: the Appendix B test vectors, the drift window, the otpauth:// URI."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from igf_hub.auth import totp

SHA1_SECRET = b"12345678901234567890"
SHA256_SECRET = b"12345678901234567890123456789012"
SHA512_SECRET = b"1234567890123456789012345678901234567890123456789012345678901234"

# RFC 6238 Appendix B: (time, SHA-1, SHA-256, SHA-512), 8 digits.
VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("time", "sha1", "sha256", "sha512"), VECTORS)
def test_rfc_6238_appendix_b(time: int, sha1: str, sha256: str, sha512: str) -> None:
    assert totp.totp(SHA1_SECRET, time, digits=8) == sha1
    assert totp.totp(SHA256_SECRET, time, digits=8, digest="sha256") == sha256
    assert totp.totp(SHA512_SECRET, time, digits=8, digest="sha512") == sha512


def test_six_digits_are_the_last_six_of_the_eight() -> None:
    assert totp.totp(SHA1_SECRET, 59) == "287082"


def test_one_step_of_drift_either_way_and_no_more() -> None:
    now = 1_700_000_000
    step = totp.step_at(now)
    assert totp.matching_step(SHA1_SECRET, totp.totp(SHA1_SECRET, now), now) == step
    assert totp.matching_step(SHA1_SECRET, totp.totp(SHA1_SECRET, now - 30), now) == step - 1
    assert totp.matching_step(SHA1_SECRET, totp.totp(SHA1_SECRET, now + 30), now) == step + 1
    assert totp.matching_step(SHA1_SECRET, totp.totp(SHA1_SECRET, now - 60), now) is None
    assert totp.matching_step(SHA1_SECRET, totp.totp(SHA1_SECRET, now + 60), now) is None


def test_the_provisioning_uri_is_what_authenticator_apps_read() -> None:
    uri = totp.provisioning_uri(SHA1_SECRET, "amina@example.org")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/IGF%20Hub:amina@example.org"
    query = parse_qs(parts.query)
    assert query == {
        "secret": ["GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"],
        "issuer": ["IGF Hub"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
    assert totp.to_base32(SHA1_SECRET) == "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
