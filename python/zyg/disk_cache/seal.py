"""Sealed entries: an entry of the cache is read back only if the user's own zyg wrote it.

In: a cache entry (JSON data, naming its library by the SHA-256 of its content) and its key. Out:
the entry sealed with an HMAC-SHA256 under the user's secret (`seal`), or the entry back from a sealed
one if the seal holds (`unseal`), else None. So an entry planted by someone else, or edited or damaged
after it was written, is a miss; the hash of the library inside it extends the seal to the code.

The secret is random bytes in a file of the user's alone (mode 0600 in a folder of mode 0700, see
`folder.py`): `$XDG_CONFIG_HOME/zyg/cache-key`, else `~/.config/zyg/cache-key`, created on first use.
It stays outside the cache folder, so a copied cache folder does not carry it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os

from zyg.disk_cache.folder import Untrusted, create_exclusively, read_trusted, trusted_folder, warn_once

SECRET_FILE = "cache-key"
_SECRET_BYTES = 32


def user_secret() -> bytes | None:
    """The user's secret, created if missing; None (said once) if it cannot be read or created or is
    not the user's alone."""
    folder = os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config"),
                          "zyg")
    return _secret_in(folder)


def seal(secret: bytes, key: str, entry: dict) -> dict:
    """`entry` with its seal, for `json.dumps`: `{"mac": ..., "entry": entry}`."""
    return {"mac": _mac(secret, key, entry), "entry": entry}


def unseal(secret: bytes, key: str, sealed: object) -> dict | None:
    """The entry inside `sealed` (read back from JSON) if it was sealed with `secret` under `key`, else None."""
    if not isinstance(sealed, dict) or not isinstance(sealed.get("mac"), str) or not isinstance(sealed.get("entry"), dict):
        return None
    expected = _mac(secret, key, sealed["entry"])
    return sealed["entry"] if hmac.compare_digest(sealed["mac"].encode(), expected.encode()) else None


def _mac(secret: bytes, key: str, entry: dict) -> str:
    # JSON that `json.dumps` wrote, read back and written again, is the same text: the seal covers that
    # text. The key binds the entry to its file name: an entry of another request is not this one's.
    message = f"{key}\n{json.dumps(entry)}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


@functools.cache  # per folder: read once per process, and a failure said once
def _secret_in(folder: str) -> bytes | None:
    try:
        trusted_folder(folder)
        try:
            secret = read_trusted(folder, SECRET_FILE, secret=True)
        except FileNotFoundError:  # the first use; of processes starting at once, one creates it
            create_exclusively(folder, SECRET_FILE, os.urandom(_SECRET_BYTES))
            secret = read_trusted(folder, SECRET_FILE, secret=True)
    except (OSError, Untrusted) as exc:
        warn_once(folder, f"no secret to sign its entries with ({exc})")
        return None
    if len(secret) < _SECRET_BYTES:
        warn_once(folder, f"the secret in {os.path.join(folder, SECRET_FILE)} is too short; delete it to make a new one")
        return None
    return secret
