"""Random identifiers for requests, invocations and traces, drawn from one fast generator.

AWS's request ids and trace ids are random, not secret: nothing here needs the operating system's
cryptographic source, which costs a system call per id (several per request). The generator is seeded once
from `os.urandom`; `random.Random` is safe to share between threads (each draw is one C call under the GIL).
Left out: reproducible seeding (moto's `/moto-api/seed` does not reach these ids).
"""
from __future__ import annotations

import random
import uuid

_rng = random.Random()


def request_id() -> str:
    """A random (version 4) UUID in its usual text form, like `x-amzn-RequestId`."""
    return str(uuid.UUID(int=_rng.getrandbits(128), version=4))


def random_hex(digits: int) -> str:
    """`digits` random lower-case hex digits."""
    return f"{_rng.getrandbits(4 * digits):0{digits}x}"


def random_bytes(count: int) -> bytes:
    return _rng.randbytes(count)


def random_text(alphabet: str, length: int) -> str:
    """`length` characters drawn from `alphabet` (moto's 52-character request ids)."""
    return "".join(_rng.choices(alphabet, k=length))
