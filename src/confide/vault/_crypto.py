"""Hazmat layer of the vault: key generation, key wrapping and AEAD.

Nothing outside ``confide.vault`` imports this module.  Every failure to decrypt or unwrap is
collapsed into :class:`DecryptionError` so callers cannot tell a wrong key from tampered data.

Formats: a sealed value is ``nonce (12 bytes) || AES-256-GCM ciphertext+tag``.  Associated data
binds each ciphertext to where it belongs (artifact id, kind, turn...), so a ciphertext moved to
another row does not decrypt.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from confide.vault.errors import DecryptionError

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def derive(master: bytes, purpose: str) -> bytes:
    """A sub-key of ``master`` for one purpose (HKDF-SHA256)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
    ).derive(master)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext`` bound to ``aad``."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes, what: str) -> bytes:
    """Decrypt a value made by :func:`seal`; any failure is one :class:`DecryptionError`."""
    if len(key) != KEY_BYTES or len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(what)
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError) as err:
        raise DecryptionError(what) from err


def wrap_key(kek: bytes, key: bytes, key_id: str) -> bytes:
    """Wrap a data key under a key-encryption key, bound to the key's id."""
    return seal(kek, key, b"confide-key|" + key_id.encode())


def unwrap_key(kek: bytes, wrapped: bytes, key_id: str) -> bytes:
    key = open_sealed(kek, wrapped, b"confide-key|" + key_id.encode(), f"data key {key_id}")
    if len(key) != KEY_BYTES:
        raise DecryptionError(f"data key {key_id}")
    return key


def mac(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 of ``message`` as hex (the audit chain)."""
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def macs_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def token_digest(token: str) -> str:
    """The stored form of a device token (tokens are high-entropy: a plain hash suffices)."""
    return hashlib.sha256(b"confide-device-token|" + token.encode()).hexdigest()
