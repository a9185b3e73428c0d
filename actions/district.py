"""District facts for answers and checks: from the backend, else from the district file.

Information answers must keep working when the backend is away, so the facts are cached and,
if the backend was never reached, read from `data/district/<district>.yml` (same facts, the
file the backend itself loads).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.backend_client import BackendError, get_client
from actions.formatting import hours_range_words
from actions.lexicon import get_lexicon
from actions.settings import get_settings

logger = logging.getLogger(__name__)

DEFAULT_ONLINE_URL = "https://www.gov.kr"


@dataclass(frozen=True, slots=True)
class District:
    """The facts the dialogue talks about."""

    dongs: tuple[str, ...]
    counter_hours: str
    lunch_hours: str
    lunch_closure: bool
    kiosk_hours: str
    kiosk_document_types: int
    kiosk_free_documents: tuple[str, ...]
    document_names: dict[str, str]
    fees_krw: dict[str, dict[str, int]]
    delivery_eligible: tuple[str, ...]
    delivery_documents: tuple[str, ...]
    deliver_within_hours: int
    bulk_documents: tuple[str, ...]
    online_url: str
    bulk_standard_daily_limit: int = 0
    bulk_mou_daily_limit: int = 0
    copies_min: int = 1
    copies_max: int = 1

    def name_of(self, document: str) -> str:
        """Return the Korean name of a document id (the id itself if unknown)."""
        return self.document_names.get(document, document)

    def names_of(self, documents: tuple[str, ...] | list[str]) -> str:
        """Return the Korean names of documents as one list, in catalogue order.

        A complete group of the lexicon (the four family-register certificates) is named once,
        and a document that needs a gloss carries it: a list read aloud stays short.
        """
        lexicon = get_lexicon()
        order = list(self.document_names)
        ranked = sorted(documents, key=lambda d: order.index(d) if d in order else len(order))
        names: list[str] = []
        done: set[str] = set()
        for document in ranked:
            if document in done:
                continue
            group = next(
                (g for g in lexicon.document_groups if document in g[0] and g[0] <= set(ranked)),
                None,
            )
            if group is not None:
                names.append(group[1])
                done |= group[0]
                continue
            names.append((lexicon.list_names or {}).get(document) or self.name_of(document))
            done.add(document)
        return lexicon.join(names)

    def is_known_document(self, document: str) -> bool:
        """Return whether the district issues this document."""
        return document in self.fees_krw

    def is_available(self, document: str, method: str) -> bool:
        """Return whether a document can be had this way (delivery: listed documents only)."""
        if method == "delivery":
            return document in self.delivery_documents
        return method in self.fees_krw.get(document, {})

    def eligible_groups(self) -> str:
        """Return who may use home delivery, as one list of Korean labels."""
        labels = get_lexicon().eligibility_labels
        return get_lexicon().join([labels.get(r, r) for r in self.delivery_eligible])


def from_api(body: dict[str, Any]) -> District:
    """Build the facts from `GET /api/v1/district`."""
    hours = body.get("hours", {})
    counter = hours.get("counter", {})
    delivery = body.get("home_delivery", {})
    bulk = body.get("bulk", {})
    names = dict(get_lexicon().document_names)
    names.update({d["id"]: d["name_ko"] for d in body.get("documents", []) if "name_ko" in d})
    return District(
        dongs=tuple(body.get("dongs", [])),
        counter_hours=str(counter.get("weekdays", "")),
        lunch_hours=str(counter.get("lunch", "")),
        lunch_closure=bool(hours.get("lunch_closure", False)),
        kiosk_hours=str(hours.get("kiosk", "")),
        kiosk_document_types=int(body.get("kiosk_document_types", 80)),
        kiosk_free_documents=tuple(body.get("kiosk_free_documents", [])),
        document_names=names,
        fees_krw={k: {m: int(v) for m, v in f.items()} for k, f in body["fees_krw"].items()},
        delivery_eligible=tuple(delivery.get("eligible", [])),
        delivery_documents=tuple(delivery.get("documents", [])),
        deliver_within_hours=int(delivery.get("deliver_within_hours", 3)),
        bulk_documents=tuple(bulk.get("documents", [])),
        online_url=str(body.get("online_url") or DEFAULT_ONLINE_URL),
        bulk_standard_daily_limit=int(bulk.get("standard_daily_limit", 0)),
        bulk_mou_daily_limit=int(bulk.get("mou_daily_limit", 0)),
        **_copies_range(body.get("resident_copies")),
    )


def from_file(raw: dict[str, Any]) -> District:
    """Build the facts from the district file (`data/district/jung-gu.yml`)."""
    hours = raw["hours"]
    zone = raw.get("kiosk_zone", {})
    delivery = raw["home_delivery"]
    return District(
        dongs=tuple(raw["dongs"]),
        counter_hours=str(hours["counter"]["weekdays"]),
        lunch_hours=str(hours["counter"]["lunch"]),
        lunch_closure=bool(hours.get("lunch_closure", False)),
        kiosk_hours=str(hours["kiosk"]),
        kiosk_document_types=_leading_number(zone.get("document_types"), 80),
        kiosk_free_documents=tuple(zone.get("free_in_district", [])),
        document_names=dict(get_lexicon().document_names),
        fees_krw={k: {m: int(v) for m, v in f.items()} for k, f in raw["fees_krw"].items()},
        delivery_eligible=tuple(delivery["eligible"]),
        delivery_documents=tuple(delivery["documents"]),
        deliver_within_hours=int(delivery["deliver_within_hours"]),
        bulk_documents=tuple(raw["bulk_issuance"]["documents"]),
        online_url=DEFAULT_ONLINE_URL,
        bulk_standard_daily_limit=int(raw["bulk_issuance"]["standard_daily_limit_per_applicant"]),
        bulk_mou_daily_limit=int(raw["bulk_issuance"]["mou_daily_limit_per_applicant"]),
        **_copies_range(None),
    )


def _copies_range(given: Any) -> dict[str, int]:
    """Copies per order: as the backend reports them, else from its operations file."""
    if not isinstance(given, dict):
        given = _operations().get("resident_copies") or {}
    return {"copies_min": int(given.get("min", 1)), "copies_max": int(given.get("max", 1))}


@lru_cache(maxsize=1)
def _operations() -> dict[str, Any]:
    path = get_settings().operations_file
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError:
        logger.warning("operations_file_missing", extra={"path": str(path)})
        return {}
    return raw if isinstance(raw, dict) else {}


def _leading_number(value: Any, default: int) -> int:
    """Read "about 80" or 80 as 80 (the district file writes approximate figures in words)."""
    digits = "".join(c for c in str(value or "") if c.isdigit())
    return int(digits) if digits else default


_cache: dict[str, tuple[float, District]] = {}


async def get_district() -> District:
    """Return the district facts: cached, refreshed from the backend, else from the file."""
    settings = get_settings()
    now = time.monotonic()
    cached = _cache.get("api")
    if cached and now - cached[0] < settings.district_cache_s:
        return cached[1]
    try:
        district = from_api(await get_client().get_district())
    except (BackendError, KeyError, TypeError, ValueError) as e:
        logger.info("district_from_file", extra={"reason": type(e).__name__})
        if cached:  # stale backend facts beat the file: they are what the backend enforces
            return cached[1]
        raw = yaml.safe_load(settings.district_file.read_text(encoding="utf-8"))
        return from_file(raw)
    _cache["api"] = (now, district)
    return district


def current_district() -> District:
    """Return the facts without waiting: the backend's last answer, else the district file.

    Used while a response is rendered (synchronously) to fill the variables every sentence may
    use; `get_district()` refreshes what this returns.
    """
    cached = _cache.get("api")
    if cached:
        return cached[1]
    return _district_from_file(get_settings().district_file)


@lru_cache(maxsize=4)
def _district_from_file(path: Path) -> District:
    return from_file(yaml.safe_load(path.read_text(encoding="utf-8")))


def clear_cache() -> None:
    """Forget cached facts (tests, or after the district file changed)."""
    _cache.clear()
    _district_from_file.cache_clear()
    _operations.cache_clear()


def sentence_values(district: District, otp_ttl_s: int) -> dict[str, Any]:
    """Return the district's rules as the variables any response may use, in words.

    Every number of a rule a sentence states (hours, limits, minutes, free documents, who may
    have documents delivered) comes from here, never from the sentence itself.
    """
    return {
        "dong_count": len(district.dongs),
        "kiosk_document_types": district.kiosk_document_types,
        "free_kiosk_documents": district.names_of(district.kiosk_free_documents),
        "delivery_documents": district.names_of(district.delivery_documents),
        "bulk_documents": district.names_of(district.bulk_documents),
        "eligible_groups": district.eligible_groups(),
        "deliver_within_hours": district.deliver_within_hours,
        "online_url": district.online_url,
        "copies_min": district.copies_min,
        "copies_max": district.copies_max,
        "bulk_standard_limit": district.bulk_standard_daily_limit,
        "bulk_mou_limit": district.bulk_mou_daily_limit,
        "otp_minutes": max(1, -(-otp_ttl_s // 60)),
        "counter_hours_words": hours_range_words(district.counter_hours),
        "lunch_hours_words": hours_range_words(district.lunch_hours),
        "kiosk_hours_words": hours_range_words(district.kiosk_hours),
    }
