"""Transparency-log pieces with no database: the RFC 6962 Merkle tree and C2SP signed checkpoints.

A checkpoint is a C2SP ``tlog-checkpoint`` wrapped in a C2SP ``signed-note``::

    example.org/audit
    1234
    <base64 of the 32-byte RFC 6962 root of the first 1234 leaves>

    — example.org/audit <base64 of key hash (4 bytes) || Ed25519 signature (64 bytes)>

The signature covers the text up to and including the newline before the blank line. The key hash is the first
four bytes of SHA-256(key name || 0x0A || 0x01 || public key), and a verifier key is published in the note
"vkey" form ``<name>+<key hash hex>+<base64(0x01 || public key)>``, so tools written for Go's
``golang.org/x/mod/sumdb/note`` (or any other implementation of the spec) can check our checkpoints.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01  # the signed-note signature type of Ed25519 keys
DASH = "\u2014"  # an em dash opens every signature line
MAX_NOTE_BYTES = 1_000_000
_NAME = re.compile(r"^[^\s+]+$")  # a key name: no spaces, no plus sign
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,18})$")


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or whose signature does not verify; the message is a plain sentence."""


# -- the Merkle tree (RFC 6962 §2.1) -------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class CompactRange:
    """The roots of the perfect subtrees covering leaves [0, size): appending is O(1) amortised and the tree
    root of the current size is available at any point, so one pass over the log yields every root."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []

    def append(self, data: bytes) -> None:
        self._stack.append(leaf_hash(data))
        self.size += 1
        merged = self.size
        while merged % 2 == 0:  # each trailing zero bit of the new size completes a subtree
            right = self._stack.pop()
            self._stack.append(node_hash(self._stack.pop(), right))
            merged //= 2

    def root(self) -> bytes:
        if not self._stack:
            return hashlib.sha256(b"").digest()
        root = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            root = node_hash(left, root)
        return root


# -- signed checkpoints (C2SP tlog-checkpoint + signed-note) ------------------------------------------------


def key_hash(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public).digest()[:4]


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class VerifierKey:
    """A named Ed25519 public key, read from or written as a note verifier key (``name+hash+base64``)."""

    def __init__(self, name: str, public: bytes) -> None:
        if not _NAME.match(name):
            raise CheckpointError(f"the key name {name!r} may not contain spaces or '+'")
        self.name = name
        self.public = public
        self.hash = key_hash(name, public)
        self._key = Ed25519PublicKey.from_public_bytes(public)

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        parts = text.strip().split("+", 2)  # the base64 key may itself contain '+'
        if len(parts) != 3:
            raise CheckpointError("a verifier key reads <name>+<key hash in hex>+<base64 key>")
        name, hash_hex, encoded = parts
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise CheckpointError("the verifier key's last part is not base64") from None
        if len(raw) != 33 or raw[0] != ED25519:
            raise CheckpointError("the verifier key is not an Ed25519 key (type 0x01 and 32 bytes)")
        key = cls(name, raw[1:])
        if key.hash.hex() != hash_hex.lower():
            raise CheckpointError("the verifier key's hash does not match its name and key")
        return key

    def text(self) -> str:
        return f"{self.name}+{self.hash.hex()}+{base64.b64encode(bytes([ED25519]) + self.public).decode()}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


class Signature:
    def __init__(self, name: str, key_hash: bytes, signature: bytes) -> None:
        self.name = name
        self.key_hash = key_hash
        self.signature = signature


class Checkpoint:
    """A parsed checkpoint: what it claims (origin, size, root) and the signatures on its text."""

    def __init__(
        self,
        origin: str,
        size: int,
        root: bytes,
        extensions: list[str],
        text: str,
        signatures: list[Signature],
    ) -> None:
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
        self.text = text  # the signed part
        self.signatures = signatures

    @property
    def root_b64(self) -> str:
        return base64.b64encode(self.root).decode()

    def signed_by(self, keys: list[VerifierKey]) -> VerifierKey | None:
        """The first of ``keys`` that signed this checkpoint (CheckpointError when one of them signed it
        and the signature is wrong); None when none of them signed it."""
        for key in keys:
            for sig in self.signatures:
                if sig.name == key.name and sig.key_hash == key.hash:
                    if not key.verify(self.text.encode(), sig.signature):
                        raise CheckpointError(
                            f"the signature by {key.name} does not verify: the checkpoint was altered"
                        )
                    return key
        return None

    def note(self) -> str:
        lines = "".join(
            f"{DASH} {s.name} {base64.b64encode(s.key_hash + s.signature).decode()}\n"
            for s in self.signatures
        )
        return f"{self.text}\n{lines}"


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign(origin: str, size: int, root: bytes, key: Ed25519PrivateKey) -> str:
    """The signed note of (origin, size, root), signed under the key name ``origin``."""
    text = checkpoint_text(origin, size, root)
    signature = key.sign(text.encode())
    return Checkpoint(
        origin, size, root, [], text, [Signature(origin, key_hash(origin, public_bytes(key)), signature)]
    ).note()


def parse(note: str | bytes) -> Checkpoint:
    """Read a signed checkpoint; CheckpointError says in plain words what is wrong with it."""
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise CheckpointError("the checkpoint is too large to be one")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("the checkpoint is not UTF-8 text") from None
    text, sep, sig_block = note.partition("\n\n")
    if not sep or not sig_block.endswith("\n"):
        raise CheckpointError(
            "a checkpoint is its text, a blank line, then signature lines ending in a newline"
        )
    text += "\n"
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("a checkpoint's text has an origin, a tree size and a root hash, one per line")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise CheckpointError("the checkpoint's first line (its origin) is empty")
    if not _SIZE.match(size_text):
        raise CheckpointError("the checkpoint's second line is not a tree size (a decimal number)")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError):
        root = b""
    if len(root) != 32:
        raise CheckpointError("the checkpoint's third line is not a base64 SHA-256 root hash")
    signatures = []
    for line in sig_block[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise CheckpointError(f"{line[:80]!r} is not a signature line ('{DASH} <key name> <base64>')")
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except (binascii.Error, ValueError):
            raise CheckpointError(f"the signature by {parts[1]} is not base64") from None
        if len(blob) < 5:
            raise CheckpointError(f"the signature by {parts[1]} is too short")
        signatures.append(Signature(parts[1], blob[:4], blob[4:]))
    return Checkpoint(origin, int(size_text), root, extensions, text, signatures)
