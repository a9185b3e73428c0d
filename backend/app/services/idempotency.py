"""Request fingerprints for idempotency keys: a replay must carry the same request."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fingerprint(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
