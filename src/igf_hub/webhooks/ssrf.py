"""Outbound URLs may only reach the public Internet (SSRF defence), checked at registration and at delivery.

A host is resolved, and *every* resolved address must be global: private, loopback, link-local (cloud
metadata lives there), shared/CGNAT, multicast, reserved and unspecified addresses are refused, and so are
IPv6 forms that embed such an IPv4 address (v4-mapped, NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4,
Teredo). The sender then connects to the vetted address itself (never re-resolving), so a DNS answer that
changes between the check and the connection (rebinding) cannot redirect it. Loopback and test hosts are
reachable only through the ``IGF_HUB_WEBHOOK_ALLOWED_HOSTS`` allowlist.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from urllib.parse import SplitResult, urlsplit

import msgspec
import structlog

from igf_hub.core.errors import FieldError

log = structlog.get_logger("igf_hub.webhooks")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
RESOLVE_TTL = 30.0  # seconds a vetted resolution is reused by the sender
ALLOWLIST_SETTING = "IGF_HUB_WEBHOOK_ALLOWED_HOSTS"
# Ports of other protocols (the WHATWG Fetch standard's "bad ports"): a webhook POST to them is a
# cross-protocol request (mail, SSH, DNS ...), never a receiver. Refused unless the host is allowlisted.
_BAD_PORT_LIST = (
    "1 7 9 11 13 15 17 19 20 21 22 23 25 37 42 43 53 69 77 79 87 95 101 102 103 104 109 110 111 113 115 "
    "117 119 123 135 137 139 143 161 179 389 427 465 512 513 514 515 526 530 531 532 540 548 554 556 563 "
    "587 601 636 989 990 993 995 1719 1720 1723 2049 3659 4045 4190 5060 5061 6000 6566 6665 6666 6667 "
    "6668 6669 6679 6697 10080"
)
BAD_PORTS = frozenset(int(port) for port in _BAD_PORT_LIST.split())


class Allowlist(msgspec.Struct, frozen=True):
    hosts: frozenset[str]
    networks: tuple[Network, ...]

    @classmethod
    def parse(cls, text: str) -> Allowlist:
        hosts: set[str] = set()
        networks: list[Network] = []
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(hosts=frozenset(hosts), networks=tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        return any(address.version == n.version and address in n for n in self.networks)


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in net for net in NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not be contacted, or None when it is a global unicast address."""
    if address in METADATA:
        return "a cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_v4(address)
        if embedded is not None:
            inner = refusal(embedded)
            return f"an IPv6 address embedding {embedded} ({inner})" if inner else None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if not address.is_global:
        return "a private or reserved address"
    return None


class Target(msgspec.Struct, frozen=True):
    """Where to connect: the vetted address, and what the request must still say (Host, TLS server name)."""

    url: str  # the URL with the host replaced by the vetted address
    host_header: str
    server_name: str | None  # for TLS: certificates are checked against the original host name


class Refused(Exception):
    pass


def parse(url: str) -> SplitResult:
    return urlsplit(url)


def static_problems(url: str, allowlist: Allowlist) -> list[FieldError]:
    """Everything wrong with the URL itself (before any DNS): scheme, credentials, fragment, host."""
    errors: list[FieldError] = []
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError as exc:
        return [FieldError("/url", f"not a valid URL: {exc}")]
    try:
        port = parts.port
    except ValueError:
        return [FieldError("/url", "the port must be a number from 1 to 65535")]
    if not host:
        errors.append(FieldError("/url", "the URL has no host"))
    allowed = bool(host) and (allowlist.allows_host(host) or _literal_allowed(host, allowlist))
    if parts.scheme != "https" and not (parts.scheme == "http" and allowed):
        errors.append(
            FieldError(
                "/url", f"endpoints must use https (http only for hosts listed in {ALLOWLIST_SETTING})"
            )
        )
    if port == 0:
        errors.append(
            FieldError("/url", "port 0 cannot be connected to; use the port the receiver listens on")
        )
    elif port in BAD_PORTS and not allowed:
        errors.append(
            FieldError(
                "/url", f"port {port} belongs to another protocol (mail, SSH, DNS ...); use 443 or another"
            )
        )
    if parts.username is not None or parts.password is not None:
        errors.append(FieldError("/url", "credentials in the URL are not allowed; verify the signature"))
    if parts.fragment:
        errors.append(FieldError("/url", "a URL fragment is never sent; remove it"))
    return errors


def _literal_allowed(host: str, allowlist: Allowlist) -> bool:
    try:
        return allowlist.allows_address(ipaddress.ip_address(host))
    except ValueError:
        return False


def allowlist_warnings(allowlist: Allowlist) -> list[str]:
    """What an operator should know about the allowlist: entries that open cloud-metadata or private ranges
    (loopback is the ordinary development entry and is not reported)."""
    warnings = []
    for network in allowlist.networks:
        metadata = sorted(str(a) for a in METADATA if a.version == network.version and a in network)
        if metadata:
            warnings.append(
                f"{ALLOWLIST_SETTING} entry {network} opens the cloud metadata address {metadata[0]}"
            )
        elif not network.network_address.is_loopback and not (
            network.network_address.is_global and network.broadcast_address.is_global
        ):
            warnings.append(f"{ALLOWLIST_SETTING} entry {network} opens a private or reserved range")
    for host in sorted(allowlist.hosts & METADATA_HOSTS):
        warnings.append(f"{ALLOWLIST_SETTING} entry {host} names a cloud metadata service")
    return warnings


def warn_about_allowlist(text: str) -> list[str]:
    """At start-up (API and worker): log each allowlist entry that opens more than loopback."""
    warnings = allowlist_warnings(Allowlist.parse(text))
    for warning in warnings:
        log.warning("webhooks.allowlist_opens_internal_addresses", detail=warning)
    return warnings


class Resolver:
    """Resolves and vets hosts; a short cache keeps DNS off the per-delivery path."""

    def __init__(self, allowlist: Allowlist) -> None:
        self.allowlist = allowlist
        self._cache: dict[tuple[str, int], tuple[float, list[IPAddress]]] = {}
        self._targets: dict[str, tuple[float, Target]] = {}

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        cached = self._cache.get((host, port))
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise Refused(f"{host} does not resolve ({exc})") from None
        found: list[IPAddress] = []
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if address not in found:
                found.append(address)
        if not found:
            raise Refused(f"{host} has no addresses")
        self._cache[(host, port)] = (time.monotonic() + RESOLVE_TTL, found)
        return found

    async def vet(self, host: str, port: int) -> list[IPAddress]:
        """The host's addresses if every one of them may be contacted; Refused naming the first that may not."""
        addresses = await self.addresses(host, port)
        if self.allowlist.allows_host(host):
            return addresses
        for address in addresses:
            reason = None if self.allowlist.allows_address(address) else refusal(address)
            if reason:
                raise Refused(f"{host} resolves to {address}, {reason}")
        return addresses

    async def target(self, url: str) -> Target:
        """Where to send a request for ``url``: vetted now, or within the last RESOLVE_TTL seconds."""
        cached = self._targets.get(url)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        target = await self._target(url)
        if len(self._targets) > 10_000:
            self._targets.clear()
        self._targets[url] = (time.monotonic() + RESOLVE_TTL, target)
        return target

    async def _target(self, url: str) -> Target:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if static_problems(url, self.allowlist):
            raise Refused("; ".join(e.detail for e in static_problems(url, self.allowlist)))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = (await self.vet(host, port))[0]
        literal = f"[{address}]" if address.version == 6 else str(address)
        netloc = f"{literal}:{parts.port}" if parts.port else literal
        host_header = parts.netloc.rsplit("@", 1)[-1]
        vetted = parts._replace(netloc=netloc).geturl()
        is_name = literal.strip("[]") != host.strip("[]")
        return Target(
            url=vetted,
            host_header=host_header,
            server_name=host if parts.scheme == "https" and is_name else None,
        )
