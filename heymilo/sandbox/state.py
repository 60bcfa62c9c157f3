"""The in-memory world: the seeded companies and postings, plus what clients and tests changed.

Ingested interviews, overrides, deletions, webhooks, exports, request counters and fired events
all live here, under one lock, and `clear()` forgets them (the seeded data is regenerated on
demand, so it never changes).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from . import data
from .clock import SimClock
from .config import SandboxConfig
from .messages import ControlError

EVENT_TYPES = ("interview_started", "interview_completed", "report_available")
# Simulated seconds an ingested interview spends in each stage (the interview step itself
# lasts as long as its transcript).
PENDING_SECONDS = 60
EVALUATING_SECONDS = 120
REPORT_DELAY_SECONDS = 60


@dataclass
class Ingested:
    """An interview created through ingestion; its status follows the simulated clock."""

    interview_id: str
    key: str
    posting_id: str
    candidate: dict[str, Any]
    retake: bool
    ingestion_id: str
    created_sim: float
    created_real: float
    extra: dict[str, Any]
    duration: float  # interview step length in simulated seconds
    emitted: list[str] = field(default_factory=list)

    @property
    def offsets(self) -> dict[str, float]:
        start = PENDING_SECONDS
        complete = start + self.duration + EVALUATING_SECONDS
        return {
            "interview_started": start,
            "interview_completed": complete,
            "report_available": complete + REPORT_DELAY_SECONDS,
        }

    def status_at(self, now_sim: float) -> str:
        elapsed = now_sim - self.created_sim
        start = PENDING_SECONDS
        if elapsed < start:
            return "pending"
        if elapsed < start + self.duration:
            return "in_progress"
        if elapsed < start + self.duration + EVALUATING_SECONDS:
            return "evaluating"
        return "completed"


# A posting's interview as listed: a seeded one by its index, or an ingested one.
Entry = int | Ingested


class World:
    def __init__(self, config: SandboxConfig, clock: SimClock) -> None:
        self.config = config
        self.clock = clock
        self.anchor = float(int(config.anchor if config.anchor is not None else time.time()))
        self.keys = list(dict.fromkeys(config.api_keys))
        self.companies = {k: data.make_company(config.seed, k) for k in self.keys}
        self.plans = {k: data.make_postings(config.seed, k, config.postings, self.anchor) for k in self.keys}
        self.plans_by_id = {k: {p.posting_id: p for p in ps} for k, ps in self.plans.items()}
        self.plans_by_url = {k: {p.url_key: p for p in ps} for k, ps in self.plans.items()}
        self.lock = threading.RLock()
        self._email_index: dict[tuple[str, str], dict[str, int]] = {}
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.ingested: dict[str, Ingested] = {}
            self.ingested_by_posting: dict[tuple[str, str], list[str]] = {}
            # (key, posting, lower-case email) -> interview ids, newest last: a retake=false
            # ingest looks its candidate up here instead of scanning every ingested interview.
            self.ingested_by_email: dict[tuple[str, str, str], list[str]] = {}
            # Ingested interviews with events still to fire: the clock thread looks only at these.
            self.progressing: set[str] = set()
            self.overrides: dict[str, dict[str, Any]] = {}
            self.deleted: set[str] = set()
            self.deleted_seeded: dict[tuple[str, str], set[int]] = {}
            self.webhooks: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in self.keys}
            self.exports: dict[str, tuple[str, str]] = {}
            self.counters: dict[str, dict[str, Any]] = {}
            self.events: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ reading

    def key_or_default(self, key: str | None) -> str:
        if key is None:
            return self.keys[0]
        if key not in self.keys:
            raise ControlError(f"unknown api key (configured: {len(self.keys)} keys)", 404)
        return key

    def posting_doc(self, plan: data.PostingPlan, base_url: str) -> dict[str, Any]:
        doc: dict[str, Any] = data.render_links(plan.doc, base_url)
        return doc

    def seeded_spec(self, key: str, plan: data.PostingPlan, index: int) -> data.InterviewSpec:
        return data.seeded_spec(self.config.seed, key, plan, index, self.anchor)

    def ingested_spec(self, rec: Ingested, plan: data.PostingPlan) -> data.InterviewSpec:
        status = data.normalise_status(rec.status_at(self.clock.now()), plan)
        return data.InterviewSpec(
            uid=rec.interview_id,
            interview_id=rec.interview_id,
            candidate=rec.candidate,
            status=status,
            created_at=rec.created_sim,
            started_at=rec.created_sim + PENDING_SECONDS,
            extra_metadata=rec.extra or None,
            min_turns=20,
            max_turns=30,  # short interviews so they finish quickly
        )

    def render(
        self, key: str, plan: data.PostingPlan, spec: data.InterviewSpec, base_url: str
    ) -> dict[str, Any]:
        doc = data.build_interview(spec, plan, self.companies[key], base_url)
        with self.lock:
            override = dict(self.overrides.get(spec.interview_id) or {})
        # Tests put hostile text in a transcript: {"transcript": [turn, ...]} replaces its turns.
        turns = override.pop("transcript", None)
        web = (doc.get("agentic_data") or {}).get("web_interview_info")
        if isinstance(turns, list) and web and "transcript" in web:
            web["transcript"]["transcript"] = turns
        if override:
            doc["details"].update(override)
        return doc

    def find_interview(
        self, key: str, interview_id: str
    ) -> tuple[data.PostingPlan, data.InterviewSpec] | None:
        """Resolve an interview id for one key; another key's ids are not found."""
        if interview_id in self.deleted:
            return None
        rec = self.ingested.get(interview_id)
        if rec is not None:
            if rec.key != key:
                return None
            plan = self.plans_by_id[key][rec.posting_id]
            return plan, self.ingested_spec(rec, plan)
        parsed = data.parse_seeded_interview_id(interview_id)
        if parsed is None:
            return None
        posting_id, index = parsed
        found = self.plans_by_id[key].get(posting_id)
        if found is None or index >= self.config.interviews_per_posting:
            return None
        if data.seeded_interview_id(self.config.seed, key, posting_id, index) != interview_id:
            return None
        return found, self.seeded_spec(key, found, index)

    def interview_doc(self, key: str, interview_id: str, base_url: str) -> dict[str, Any] | None:
        found = self.find_interview(key, interview_id)
        if found is None:
            return None
        plan, spec = found
        return self.render(key, plan, spec, base_url)

    def owner_of(self, interview_id: str) -> tuple[str, data.PostingPlan, data.InterviewSpec] | None:
        """The key an interview id belongs to, with its posting and spec (any key's id)."""
        for key in self.keys:
            found = self.find_interview(key, interview_id)
            if found is not None:
                return key, *found
        return None

    def posting_entries(self, key: str, plan: data.PostingPlan) -> list[Entry]:
        """The posting's visible interviews in API order: seeded by index, then ingested."""
        with self.lock:
            gone = self.deleted_seeded.get((key, plan.posting_id), set())
            entries: list[Entry] = [j for j in range(self.config.interviews_per_posting) if j not in gone]
            for iid in self.ingested_by_posting.get((key, plan.posting_id), []):
                if iid not in self.deleted:
                    entries.append(self.ingested[iid])
        return entries

    def render_entries(
        self, key: str, plan: data.PostingPlan, entries: list[Entry], base_url: str
    ) -> list[dict[str, Any]]:
        docs = []
        for item in entries:
            spec = (
                self.seeded_spec(key, plan, item) if isinstance(item, int) else self.ingested_spec(item, plan)
            )
            docs.append(self.render(key, plan, spec, base_url))
        return docs

    def all_interviews(self, key: str, posting_id: str, base_url: str) -> list[dict[str, Any]]:
        plan = self.plans_by_id[key].get(posting_id)
        if plan is None:
            raise ControlError(f"posting {posting_id!r} not found for that key", 404)
        return self.render_entries(key, plan, self.posting_entries(key, plan), base_url)

    # ------------------------------------------------------------------ changing

    def _seeded_email_index(self, key: str, plan: data.PostingPlan) -> dict[str, int]:
        cache_key = (key, plan.posting_id)
        index = self._email_index.get(cache_key)
        if index is None:
            index = {}
            for j in range(self.config.interviews_per_posting):
                email = data.seeded_candidate(self.config.seed, key, plan, j)["email"].lower()
                index.setdefault(email, j)  # the first one wins when two share an address
            self._email_index[cache_key] = index
        return index

    def _existing_interview(self, key: str, plan: data.PostingPlan, email: str) -> str | None:
        email = email.lower()
        for iid in reversed(self.ingested_by_email.get((key, plan.posting_id, email), [])):
            if iid not in self.deleted:
                return iid
        j = self._seeded_email_index(key, plan).get(email)
        if j is not None and j not in self.deleted_seeded.get((key, plan.posting_id), set()):
            return data.seeded_interview_id(self.config.seed, key, plan.posting_id, j)
        return None

    def ingest(
        self, key: str, plan: data.PostingPlan, candidates: list[dict[str, Any]]
    ) -> tuple[str, list[str]]:
        """Create (or, without retake, find) an interview per candidate: (ingestion id, ids)."""
        ingestion_id = str(uuid.uuid4())
        ids = []
        with self.lock:
            for cand in candidates:
                retake = bool(cand.get("retake", False))
                existing = None if retake else self._existing_interview(key, plan, cand["email"])
                if existing is not None:
                    ids.append(existing)
                    continue
                iid = plan.posting_id.lower() + uuid.uuid4().hex[:16]
                candidate = {
                    "candidate_id": "cand_" + data.short_hash(key, cand["email"].lower(), length=12),
                    "name": cand["name"].strip(),
                    "email": cand["email"].strip(),
                    "phone_number": cand.get("phone_number"),
                }
                extra = {k: cand[k] for k in ("metadata", "data") if cand.get(k)}
                rec = Ingested(
                    interview_id=iid,
                    key=key,
                    posting_id=plan.posting_id,
                    candidate=candidate,
                    retake=retake,
                    ingestion_id=ingestion_id,
                    created_sim=self.clock.now(),
                    created_real=time.time(),
                    extra=extra,
                    duration=0.0,
                )
                if plan.interview_step is not None:
                    spec = self.ingested_spec(rec, plan)
                    rec.duration = data.transcript_for(spec, plan, self.companies[key]).duration
                self.ingested[iid] = rec
                self.ingested_by_posting.setdefault((key, plan.posting_id), []).append(iid)
                self.ingested_by_email.setdefault(
                    (key, plan.posting_id, candidate["email"].lower()), []
                ).append(iid)
                self.progressing.add(iid)
                ids.append(iid)
        return ingestion_id, ids

    def override_interview(self, interview_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Change an interview's details fields (or its transcript), or delete it."""
        with self.lock:
            owner = self.owner_of(interview_id)
            if owner is None:
                raise ControlError(f"interview {interview_id!r} not found", 404)
            if fields.get("delete") is True:
                self.deleted.add(interview_id)
                parsed = data.parse_seeded_interview_id(interview_id)
                if interview_id not in self.ingested and parsed is not None:
                    self.deleted_seeded.setdefault((owner[0], parsed[0]), set()).add(parsed[1])
                return {"interview_id": interview_id, "deleted": True}
            self.overrides.setdefault(interview_id, {}).update(fields)
            return {"interview_id": interview_id, "overrides": self.overrides[interview_id]}

    def count(self, bucket: str, endpoint: str) -> None:
        """Count one API request for /_sandbox/state (bucket: the key, or why there is none)."""
        with self.lock:
            entry = self.counters.setdefault(bucket, {"total": 0, "by_endpoint": {}, "times": []})
            entry["total"] += 1
            entry["by_endpoint"][endpoint] = entry["by_endpoint"].get(endpoint, 0) + 1
            # Arrival times (Unix seconds) of the latest requests, for tests of client-side limits.
            entry["times"] = [*entry["times"][-1999:], time.time()]
