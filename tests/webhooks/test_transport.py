"""The sender over its aiohttp transport (webhooks/transport.py), against real servers on 127.0.0.1: TLS to the
vetted address with the certificate checked against the endpoint's host name (a local CA), the time limit,
and a huge answer read only as far as the excerpt."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from igf_hub.webhooks import transport
from igf_hub.webhooks.policy import EXCERPT_BYTES
from igf_hub.webhooks.sender import Sender
from igf_hub.webhooks.ssrf import Allowlist, IPAddress, Resolver
from tests.support.consumer import ConsumerServer, Reply

HOST = "consumer.test"  # never in real DNS: the resolver below answers for it
HEADERS = {"webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,x"}


class LocalDns(Resolver):
    """DNS for the test host only (the one outside dependency replaced): it resolves to 127.0.0.1."""

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        if host == HOST:
            return [ipaddress.ip_address("127.0.0.1")]
        return await super().addresses(host, port)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


class LocalCa:
    """A certificate authority of the test's own, and server contexts with certificates it signed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name("igf_hub test CA"))
            .issuer_name(_name("igf_hub test CA"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cadata=self.cert.public_bytes(serialization.Encoding.PEM).decode())

    def server_context(self, host: str, seen: list[str | None]) -> ssl.SSLContext:
        """A server certificate for ``host``; ``seen`` collects the server names clients ask for (SNI)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(host))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        chain, key_file = self.directory / f"{host}.pem", self.directory / f"{host}.key"
        chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(chain, key_file)
        context.sni_callback = lambda _sock, name, _ctx: seen.append(name)
        return context


@pytest.fixture
def ca(tmp_path: Path) -> LocalCa:
    return LocalCa(tmp_path)


@pytest.fixture
async def plain() -> AsyncIterator[ConsumerServer]:
    async with ConsumerServer() as server:
        yield server


def sender(ca: LocalCa | None = None, timeout: float = 5.0) -> Sender:
    http = transport.client(4, ssl_context=ca.client_context() if ca else None)
    return Sender(http, LocalDns(Allowlist.parse(f"{HOST},127.0.0.1")), timeout=timeout)


async def test_tls_goes_to_the_vetted_address_with_the_endpoint_name_for_sni_host_and_certificate(
    ca: LocalCa,
) -> None:
    seen: list[str | None] = []
    async with ConsumerServer(tls=ca.server_context(HOST, seen)) as consumer:
        post = sender(ca)
        url = f"https://{HOST}:{consumer.port}/hooks/igf"
        first = await post.post(url, b"{}", HEADERS)
        second = await post.post(url, b"{}", HEADERS)  # over the pooled connection
        await post.http.aclose()
    assert (first.status_code, first.error, second.status_code) == (400, None, 400)  # unsigned: 400
    assert seen == [HOST]  # one handshake, naming the endpoint's host (the server listens on 127.0.0.1 only)
    assert [r.headers["host"] for r in consumer.received] == [f"{HOST}:{consumer.port}"] * 2
    assert consumer.connections == 1


async def test_a_certificate_for_another_name_is_refused_before_anything_is_sent(ca: LocalCa) -> None:
    seen: list[str | None] = []
    async with ConsumerServer(tls=ca.server_context("other.test", seen)) as consumer:
        post = sender(ca)
        outcome = await post.post(f"https://{HOST}:{consumer.port}/hooks/igf", b"{}", HEADERS)
        await post.http.aclose()
    assert outcome.status_code is None and outcome.error is not None
    assert outcome.error.startswith("ConnectError: ") and "certificate verify failed" in outcome.error
    assert "Hostname mismatch" in outcome.error and consumer.received == []


async def test_an_unknown_authority_is_refused(ca: LocalCa, tmp_path: Path) -> None:
    stranger = LocalCa(tmp_path / "stranger")
    (tmp_path / "stranger").mkdir()
    async with ConsumerServer(tls=stranger.server_context(HOST, [])) as consumer:
        post = sender(ca)  # trusts only ``ca``
        outcome = await post.post(f"https://{HOST}:{consumer.port}/hooks/igf", b"{}", HEADERS)
        await post.http.aclose()
    assert outcome.error is not None and "certificate verify failed" in outcome.error
    assert consumer.received == []


async def test_a_consumer_that_never_answers_times_out_as_a_sentence(plain: ConsumerServer) -> None:
    never = asyncio.Event()
    plain.script(Reply(hang=never))
    post = sender(timeout=0.2)
    outcome = await post.post(plain.url(), b"{}", HEADERS)
    await post.http.aclose()
    never.set()
    assert (outcome.status_code, outcome.error) == (None, "timeout (ReadTimeout)")


async def test_a_huge_answer_is_read_only_as_far_as_the_excerpt(plain: ConsumerServer) -> None:
    plain.script(Reply(500, body=b"x" * (8 * 1024 * 1024)))
    post = sender()
    outcome = await post.post(plain.url(), b"{}", HEADERS)
    after = await post.post(plain.url(), b"{}", HEADERS)  # the next request still works
    await post.http.aclose()
    assert outcome.status_code == 500 and outcome.excerpt == "x" * EXCERPT_BYTES
    assert after.status_code == 400
    assert plain.connections == 2  # the unread connection was closed, not pooled


async def test_the_same_request_goes_out_as_through_a_stock_httpx_client(plain: ConsumerServer) -> None:
    """Header names, order and values and the body, as a stock httpx client (the sender's old path) sends them."""
    async with httpx.AsyncClient() as stock:
        await Sender(stock, LocalDns(Allowlist.parse("127.0.0.1")), timeout=5).post(
            plain.url(), b'{"n": 1}', HEADERS
        )
    post = sender()
    await post.post(plain.url(), b'{"n": 1}', HEADERS)
    await post.http.aclose()
    old, new = plain.received
    assert list(new.headers.items()) == list(old.headers.items())
    assert new.body == old.body == b'{"n": 1}'
    assert list(new.headers)[:1] + list(new.headers)[4:] == [
        "host",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "content-type",
        "user-agent",
        "content-length",
    ]
