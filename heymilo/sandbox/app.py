"""The sandbox application: routing, API endpoints, state, faults and control endpoints."""

from __future__ import annotations

import ipaddress
import json
import math
import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from html import escape

from . import data, media
from .clock import SimClock
from .config import SandboxConfig
from .faults import FaultError, FaultInjector
from .ratelimit import RateLimiter
from .webhooks import WebhookDispatcher

EVENT_TYPES = ("interview_started", "interview_completed", "report_available")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_LIMIT = 100
# Simulated seconds an ingested interview spends in each stage (the interview step itself
# lasts as long as its transcript).
PENDING_SECONDS = 60
EVALUATING_SECONDS = 120
REPORT_DELAY_SECONDS = 60
TICK = 0.02  # how often the progression thread looks for stage changes (real seconds)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    client_host: str
    base_url: str

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass
class Response:
    status: int
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    length: int | None = None  # needed when body is an iterator
    drop: bool = False  # close the connection without any response


class ApiError(Exception):
    def __init__(self, status: int, detail: str, error_type: str,
                 errors: list[dict] | None = None, headers: dict | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.error_type = status, detail, error_type
        self.errors, self.headers = errors, headers or {}


class ControlError(ApiError):
    def __init__(self, detail: str, status: int = 400) -> None:
        super().__init__(status, detail, "bad_request" if status == 400 else "not_found")


def json_response(status: int, payload, headers: dict | None = None) -> Response:
    try:
        body = json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        # A lone surrogate (put in by a test) has no UTF-8: escape it, as JSON.stringify does.
        body = json.dumps(payload).encode()
    return Response(status, body, headers or {})


def error_response(status: int, detail: str, error_type: str, errors: list | None = None,
                   headers: dict | None = None) -> Response:
    body = {"detail": detail, "status_code": status, "error_type": error_type}
    if errors:
        body["errors"] = errors
    return json_response(status, body, headers)


def validation_error(errors: list[dict]) -> ApiError:
    summary = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
    return ApiError(422, f"Validation error: {summary}", "validation_error", errors)


@dataclass
class Ingested:
    """An interview created through ingestion; its status follows the simulated clock."""

    interview_id: str
    key: str
    posting_id: str
    candidate: dict
    retake: bool
    ingestion_id: str
    created_sim: float
    created_real: float
    extra: dict
    duration: float  # interview step length in simulated seconds
    emitted: list[str] = field(default_factory=list)

    @property
    def offsets(self) -> dict[str, float]:
        start = PENDING_SECONDS
        complete = start + self.duration + EVALUATING_SECONDS
        return {"interview_started": start, "interview_completed": complete,
                "report_available": complete + REPORT_DELAY_SECONDS}

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


class Sandbox:
    """All state and behaviour, independent of the HTTP server that feeds it requests."""

    def __init__(self, config: SandboxConfig) -> None:
        if not config.api_keys:
            raise ValueError("at least one API key is needed")
        self.config = config
        self.initial = {"rate_limit": config.rate_limit, "time_speed": config.time_speed}
        self.anchor = float(int(config.anchor if config.anchor is not None else time.time()))
        self.keys = list(dict.fromkeys(config.api_keys))
        self.companies = {k: data.make_company(config.seed, k) for k in self.keys}
        self.plans = {k: data.make_postings(config.seed, k, config.postings, self.anchor)
                      for k in self.keys}
        self.plans_by_id = {k: {p.posting_id: p for p in ps} for k, ps in self.plans.items()}
        self.plans_by_url = {k: {p.url_key: p for p in ps} for k, ps in self.plans.items()}
        self.clock = SimClock(config.time_speed)
        self.limiter = RateLimiter(config.rate_limit)
        self.faults = FaultInjector(config.seed)
        self.dispatcher = WebhookDispatcher()
        self._lock = threading.RLock()
        self._email_index: dict[tuple[str, str], dict[str, int]] = {}
        self._wake = threading.Event()  # set to cut injected hangs/latency short
        self._stopping = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, name="sandbox-clock", daemon=True)
        self._clear_state()
        self.routes = self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self.dispatcher.start()
        self._ticker.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake_sleepers()
        self.dispatcher.stop()
        if self._ticker.is_alive():
            self._ticker.join(timeout=2)

    def _clear_state(self) -> None:
        with self._lock:
            self.ingested: dict[str, Ingested] = {}
            self.ingested_by_posting: dict[tuple[str, str], list[str]] = {}
            # (key, posting, lower-case email) -> interview ids, newest last: a retake=false
            # ingest looks its candidate up here instead of scanning every ingested interview.
            self.ingested_by_email: dict[tuple[str, str, str], list[str]] = {}
            # Ingested interviews with events still to fire: the clock thread looks only at these.
            self.progressing: set[str] = set()
            self.overrides: dict[str, dict] = {}
            self.deleted: set[str] = set()
            self.deleted_seeded: dict[tuple[str, str], set[int]] = {}
            self.webhooks: dict[str, dict[str, dict]] = {k: {} for k in self.keys}
            self.exports: dict[str, tuple[str, str]] = {}
            self.counters: dict[str, dict] = {}
            self.events: list[dict] = []

    def reset(self) -> None:
        """Back to the pure seeded state (and the configured rate limit and speed)."""
        self.faults.clear()
        self._wake_sleepers()
        self.dispatcher.clear()
        self.limiter.clear()
        self.set_config(**self.initial)
        self._clear_state()

    def set_config(self, rate_limit: int | None = None, time_speed: float | None = None) -> dict:
        if rate_limit is not None:
            self.limiter.limit = rate_limit
            self.config.rate_limit = rate_limit
        if time_speed is not None:
            self.clock.set_speed(time_speed)
            self.config.time_speed = time_speed
        return {"rate_limit": self.limiter.limit, "time_speed": self.clock.speed}

    def add_fault(self, kind: str, **options) -> dict:
        return self.faults.add(kind, **options).as_dict()

    def clear_faults(self) -> None:
        self.faults.clear()
        self._wake_sleepers()

    def _wake_sleepers(self) -> None:
        old, self._wake = self._wake, threading.Event()
        old.set()

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)

    # ------------------------------------------------------------------ data access

    def key_or_default(self, key: str | None) -> str:
        if key is None:
            return self.keys[0]
        if key not in self.keys:
            raise ControlError(f"unknown api key (configured: {len(self.keys)} keys)", 404)
        return key

    def posting_doc(self, plan: data.PostingPlan, base_url: str) -> dict:
        return data.render_links(plan.doc, base_url)

    def _seeded_spec(self, key: str, plan: data.PostingPlan, index: int) -> data.InterviewSpec:
        return data.seeded_spec(self.config.seed, key, plan, index, self.anchor)

    def _ingested_spec(self, rec: Ingested, plan: data.PostingPlan) -> data.InterviewSpec:
        status = data.normalise_status(rec.status_at(self.clock.now()), plan)
        return data.InterviewSpec(
            uid=rec.interview_id, interview_id=rec.interview_id, candidate=rec.candidate,
            status=status, created_at=rec.created_sim,
            started_at=rec.created_sim + PENDING_SECONDS, extra_metadata=rec.extra or None,
            min_turns=20, max_turns=30,  # short interviews so they finish quickly
        )

    def _render(self, key: str, plan: data.PostingPlan, spec: data.InterviewSpec,
                base_url: str) -> dict:
        doc = data.build_interview(spec, plan, self.companies[key], base_url)
        with self._lock:
            override = dict(self.overrides.get(spec.interview_id) or {})
        # Tests put hostile text in a transcript: {"transcript": [turn, ...]} replaces its turns.
        turns = override.pop("transcript", None)
        web = (doc.get("agentic_data") or {}).get("web_interview_info")
        if isinstance(turns, list) and web and "transcript" in web:
            web["transcript"]["transcript"] = turns
        if override:
            doc["details"].update(override)
        return doc

    def find_interview(self, key: str, interview_id: str
                       ) -> tuple[data.PostingPlan, data.InterviewSpec] | None:
        """Resolve an interview id for one key; another key's ids are not found."""
        if interview_id in self.deleted:
            return None
        rec = self.ingested.get(interview_id)
        if rec is not None:
            if rec.key != key:
                return None
            plan = self.plans_by_id[key][rec.posting_id]
            return plan, self._ingested_spec(rec, plan)
        parsed = data.parse_seeded_interview_id(interview_id)
        if parsed is None:
            return None
        posting_id, index = parsed
        plan = self.plans_by_id[key].get(posting_id)
        if plan is None or index >= self.config.interviews_per_posting:
            return None
        if data.seeded_interview_id(self.config.seed, key, posting_id, index) != interview_id:
            return None
        return plan, self._seeded_spec(key, plan, index)

    def interview_doc(self, key: str, interview_id: str, base_url: str) -> dict | None:
        found = self.find_interview(key, interview_id)
        if found is None:
            return None
        plan, spec = found
        return self._render(key, plan, spec, base_url)

    def _owner_of(self, interview_id: str) -> str | None:
        for key in self.keys:
            if self.find_interview(key, interview_id) is not None:
                return key
        return None

    def posting_entries(self, key: str, plan: data.PostingPlan) -> list[tuple[str, object]]:
        """The posting's visible interviews in API order: seeded by index, then ingested."""
        with self._lock:
            gone = self.deleted_seeded.get((key, plan.posting_id), set())
            entries: list[tuple[str, object]] = [
                ("seeded", j) for j in range(self.config.interviews_per_posting) if j not in gone]
            for iid in self.ingested_by_posting.get((key, plan.posting_id), []):
                if iid not in self.deleted:
                    entries.append(("ingested", self.ingested[iid]))
        return entries

    def render_entries(self, key: str, plan: data.PostingPlan, entries, base_url: str
                       ) -> list[dict]:
        docs = []
        for kind, item in entries:
            spec = (self._seeded_spec(key, plan, item) if kind == "seeded"
                    else self._ingested_spec(item, plan))
            docs.append(self._render(key, plan, spec, base_url))
        return docs

    def all_interviews(self, key: str, posting_id: str, base_url: str) -> list[dict]:
        plan = self.plans_by_id[key].get(posting_id)
        if plan is None:
            raise ControlError(f"posting {posting_id!r} not found for that key", 404)
        return self.render_entries(key, plan, self.posting_entries(key, plan), base_url)

    # ------------------------------------------------------------------ ingestion

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

    def ingest(self, key: str, plan: data.PostingPlan, candidates: list[dict]
               ) -> tuple[str, list[str]]:
        ingestion_id = str(uuid.uuid4())
        ids = []
        with self._lock:
            for cand in candidates:
                retake = bool(cand.get("retake", False))
                existing = None if retake else self._existing_interview(key, plan, cand["email"])
                if existing is not None:
                    ids.append(existing)
                    continue
                iid = plan.posting_id.lower() + uuid.uuid4().hex[:16]
                candidate = {
                    "candidate_id": "cand_" + data.short_hash(key, cand["email"].lower(),
                                                              length=12),
                    "name": cand["name"].strip(),
                    "email": cand["email"].strip(),
                    "phone_number": cand.get("phone_number"),
                }
                extra = {k: cand[k] for k in ("metadata", "data") if cand.get(k)}
                rec = Ingested(
                    interview_id=iid, key=key, posting_id=plan.posting_id, candidate=candidate,
                    retake=retake, ingestion_id=ingestion_id, created_sim=self.clock.now(),
                    created_real=time.time(), extra=extra, duration=0.0)
                if plan.interview_step is not None:
                    spec = self._ingested_spec(rec, plan)
                    rec.duration = data.transcript_for(spec, plan, self.companies[key]).duration
                self.ingested[iid] = rec
                self.ingested_by_posting.setdefault((key, plan.posting_id), []).append(iid)
                self.ingested_by_email.setdefault(
                    (key, plan.posting_id, candidate["email"].lower()), []).append(iid)
                self.progressing.add(iid)
                ids.append(iid)
        return ingestion_id, ids

    # ------------------------------------------------------------------ progression/webhooks

    def _tick_loop(self) -> None:
        while not self._stopping.wait(TICK):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - keep the clock thread alive whatever happens
                import traceback

                traceback.print_exc()

    def tick(self) -> None:
        """Fire the events of ingested interviews whose simulated time has come."""
        now = self.clock.now()
        with self._lock:
            for iid in list(self.progressing):
                rec = self.ingested[iid]
                if len(rec.emitted) == len(EVENT_TYPES) or iid in self.deleted:
                    self.progressing.discard(iid)
                    continue
                for event, offset in rec.offsets.items():
                    if event not in rec.emitted and now - rec.created_sim >= offset:
                        rec.emitted.append(event)
                        self._emit(rec, event)

    def _emit(self, rec: Ingested, event: str) -> None:
        payload = {"event_type": event, "posting_id": rec.posting_id,
                   "interview_id": rec.interview_id, "timestamp": time.time()}
        self.events.append(payload)
        for hook in self.webhooks[rec.key].values():
            if (hook["is_active"] and hook["posting_id"] == rec.posting_id
                    and hook["event_type"] == event):
                self.dispatcher.enqueue(hook, payload)

    # ------------------------------------------------------------------ state for tests

    def state(self) -> dict:
        now = self.clock.now()
        with self._lock:
            ingested = [{
                "interview_id": r.interview_id, "key": r.key, "posting_id": r.posting_id,
                "email": r.candidate["email"], "name": r.candidate["name"], "retake": r.retake,
                "ingestion_id": r.ingestion_id, "created": r.created_real,
                "status": r.status_at(now), "events": list(r.emitted),
                "deleted": r.interview_id in self.deleted,
            } for r in self.ingested.values()]
            webhooks = [dict(h, key=k) for k, hooks in self.webhooks.items()
                        for h in hooks.values()]
            return {
                "config": dict(self.config.as_dict(), rate_limit=self.limiter.limit,
                               time_speed=self.clock.speed, anchor=self.anchor),
                "requests": json.loads(json.dumps(self.counters)),
                "ingested": ingested,
                "webhooks": webhooks,
                "events": list(self.events),
                "deliveries": self.dispatcher.records(),
                "faults": self.faults.rules(),
                "overrides": dict(self.overrides),
                "deleted": sorted(self.deleted),
                "sim_time": now,
            }

    def override_interview(self, interview_id: str, fields: dict) -> dict:
        with self._lock:
            key = self._owner_of(interview_id)
            if key is None:
                raise ControlError(f"interview {interview_id!r} not found", 404)
            if fields.get("delete") is True:
                self.deleted.add(interview_id)
                parsed = data.parse_seeded_interview_id(interview_id)
                if interview_id not in self.ingested and parsed is not None:
                    self.deleted_seeded.setdefault((key, parsed[0]), set()).add(parsed[1])
                return {"interview_id": interview_id, "deleted": True}
            self.overrides.setdefault(interview_id, {}).update(fields)
            return {"interview_id": interview_id, "overrides": self.overrides[interview_id]}

    def _count(self, bucket: str, endpoint: str) -> None:
        with self._lock:
            entry = self.counters.setdefault(bucket, {"total": 0, "by_endpoint": {}, "times": []})
            entry["total"] += 1
            entry["by_endpoint"][endpoint] = entry["by_endpoint"].get(endpoint, 0) + 1
            # Arrival times (Unix seconds) of the latest requests, for tests of client-side limits.
            entry["times"] = [*entry["times"][-1999:], time.time()]

    # ------------------------------------------------------------------ request handling

    def _build_routes(self) -> list[tuple[set[str], re.Pattern, Callable, str, bool]]:
        # (methods, path pattern, handler, endpoint label, needs API key)
        table = [
            ({"GET"}, r"/health", self.api_health, "/health", False),
            ({"GET"}, r"/postings", self.api_postings, "/postings", True),
            ({"GET"}, r"/interview/(?P<interview_id>[^/]+)", self.api_interview,
             "/interview/{id}", True),
            ({"GET", "POST"}, r"/interviews/export/json", self.api_export,
             "/interviews/export/json", True),
            ({"GET"}, r"/interviews/(?P<posting_id>[^/]+)", self.api_interviews,
             "/interviews/{posting_id}", True),
            ({"POST"}, r"/webhook/create", self.api_webhook_create, "/webhook/create", True),
            ({"GET"}, r"/webhook/fetch/(?P<webhook_id>[^/]+)", self.api_webhook_fetch,
             "/webhook/fetch/{id}", True),
            ({"GET"}, r"/webhook/all", self.api_webhook_all, "/webhook/all", True),
            ({"POST"}, r"/webhook/deactivate/(?P<webhook_id>[^/]+)",
             self.api_webhook_deactivate, "/webhook/deactivate/{id}", True),
            ({"POST"}, r"/ingest/x/bulk/(?P<url_key>[^/]+)", self.api_ingest_bulk,
             "/ingest/x/bulk/{url_key}", True),
            ({"POST"}, r"/ingest/x/(?P<url_key>[^/]+)", self.api_ingest, "/ingest/x/{url_key}",
             True),
        ]
        return [(m, re.compile(p + r"/?"), h, label, auth) for m, p, h, label, auth in table]

    def handle(self, req: Request) -> Response:
        try:
            if req.path.startswith("/_sandbox/") or req.path.startswith("/i/"):
                return self._handle_control(req)
            return self._handle_api(req)
        except ApiError as exc:
            return error_response(exc.status, exc.detail, exc.error_type, exc.errors,
                                  exc.headers)

    def _handle_api(self, req: Request) -> Response:
        key = req.headers.get("X-API-KEY")
        try:
            response = self._route_api(req)
        except ApiError as exc:
            response = error_response(exc.status, exc.detail, exc.error_type, exc.errors,
                                      exc.headers)
        if not response.drop and "X-RateLimit-Limit" not in response.headers:
            # Every API response carries the rate-limit headers, errors included.
            response.headers.update(self.limiter.peek(key if key in self.keys else None))
        return response

    def _route_api(self, req: Request) -> Response:
        path = req.path[4:] if req.path == "/api" or req.path.startswith("/api/") else req.path
        key = req.headers.get("X-API-KEY")
        valid = key in self.keys
        bucket = key if valid else ("(invalid key)" if key else "(no key)")
        for methods, pattern, handler, label, needs_key in self.routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            self._count(bucket, f"{req.method} {label}")
            if req.method not in methods:
                raise ApiError(405, "Method Not Allowed", "method_not_allowed")
            return self._run_api(req, handler, match.groupdict(), key, valid, needs_key)
        self._count(bucket, f"{req.method} (unknown)")
        raise ApiError(404, "Not Found", "not_found")

    def _run_api(self, req: Request, handler, params: dict, key: str | None, valid: bool,
                 needs_key: bool) -> Response:
        malformed = False
        for rule in self.faults.pick(key):
            if rule.kind == "latency":
                self._sleep(rule.seconds or 0)
            elif rule.kind == "error_500":
                return error_response(500, "Internal Server Error (injected fault)",
                                      "internal_server_error")
            elif rule.kind == "rate_limit":
                headers = self.limiter.peek(key if valid else None)
                headers["X-RateLimit-Remaining"] = "0"
                if rule.retry_after is not None:
                    headers["Retry-After"] = str(rule.retry_after)
                return error_response(429, "Rate limit exceeded (injected fault)",
                                      "rate_limit_exceeded", headers=headers)
            elif rule.kind == "hang":
                self._sleep(rule.seconds or 0)
                if rule.then == "close":
                    return Response(0, drop=True)
            elif rule.kind == "drop":
                return Response(0, drop=True)
            elif rule.kind == "malformed":
                malformed = True

        if needs_key and not valid:
            raise ApiError(401, "Invalid or missing API key", "unauthorized",
                           headers=self.limiter.peek(None))
        if needs_key:
            allowed, rate_headers = self.limiter.hit(key)
            if not allowed:
                raise ApiError(429, "Rate limit exceeded: "
                               f"{self.limiter.limit} requests per minute",
                               "rate_limit_exceeded", headers=rate_headers)
        else:
            rate_headers = self.limiter.peek(key if valid else None)
        try:
            response = handler(req, key, **params)
        except ApiError as exc:
            exc.headers = {**rate_headers, **exc.headers}
            raise
        response.headers = {**rate_headers, **response.headers}
        if malformed and isinstance(response.body, bytes):
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    # ------------------------------------------------------------------ API endpoints

    @staticmethod
    def _page_params(req: Request) -> tuple[int, int]:
        errors = []
        values = {}
        for name, default in (("page", 1), ("limit", 10)):
            raw = req.param(name)
            if raw is None or raw == "":
                values[name] = default
                continue
            try:
                value = int(raw)
            except ValueError:
                errors.append({"loc": ["query", name], "msg": "value is not a valid integer",
                               "type": "type_error.integer"})
                continue
            if value < 1 or (name == "limit" and value > MAX_LIMIT):
                bound = f"between 1 and {MAX_LIMIT}" if name == "limit" else "at least 1"
                errors.append({"loc": ["query", name], "msg": f"must be {bound}",
                               "type": "value_error.number"})
                continue
            values[name] = value
        if errors:
            raise validation_error(errors)
        return values["page"], values["limit"]

    @staticmethod
    def _page(items: list, page: int, limit: int) -> tuple[list, dict]:
        total = len(items)
        meta = {"total": total, "page": page, "limit": limit,
                "total_pages": math.ceil(total / limit)}
        return items[(page - 1) * limit: page * limit], meta

    @staticmethod
    def _json_body(req: Request) -> dict:
        if not req.body.strip():
            raise validation_error([{"loc": ["body"], "msg": "field required",
                                     "type": "value_error.missing"}])
        try:
            body = json.loads(req.body)
        except (ValueError, UnicodeDecodeError):
            raise validation_error([{"loc": ["body"], "msg": "Invalid JSON body",
                                     "type": "value_error.jsondecode"}]) from None
        if not isinstance(body, dict):
            raise validation_error([{"loc": ["body"], "msg": "expected a JSON object",
                                     "type": "type_error.dict"}])
        return body

    def _plan(self, key: str, posting_id: str) -> data.PostingPlan:
        plan = self.plans_by_id[key].get(posting_id)
        if plan is None:
            raise ApiError(404, f"Posting {posting_id} not found", "not_found")
        return plan

    def api_health(self, req: Request, key) -> Response:
        return json_response(200, {"message": "API Gateway is running successfully",
                                   "status": 200})

    def api_postings(self, req: Request, key: str) -> Response:
        page, limit = self._page_params(req)
        items, meta = self._page(self.plans[key], page, limit)
        docs = [self.posting_doc(p, req.base_url) for p in items]
        return json_response(200, {"postings": docs, **meta})

    def api_interview(self, req: Request, key: str, interview_id: str) -> Response:
        doc = self.interview_doc(key, interview_id, req.base_url)
        if doc is None:
            raise ApiError(404, f"Interview {interview_id} not found", "not_found")
        return json_response(200, doc)

    def api_interviews(self, req: Request, key: str, posting_id: str) -> Response:
        plan = self._plan(key, posting_id)
        page, limit = self._page_params(req)
        entries, meta = self._page(self.posting_entries(key, plan), page, limit)
        docs = self.render_entries(key, plan, entries, req.base_url)
        return json_response(200, {"candidates": docs, **meta})

    def api_export(self, req: Request, key: str) -> Response:
        posting_id = req.param("posting_id")
        if posting_id is None:
            body = self._json_body(req)
            posting_id = body.get("posting_id")
        if not isinstance(posting_id, str) or not posting_id:
            raise validation_error([{"loc": ["body", "posting_id"], "msg": "field required",
                                     "type": "value_error.missing"}])
        self._plan(key, posting_id)
        job_id = str(uuid.uuid4())
        with self._lock:
            self.exports[job_id] = (key, posting_id)
        return json_response(200, {"job_id": job_id, "status": "success",
                                   "file_url": f"{req.base_url}/_sandbox/exports/{job_id}.json"})

    def api_webhook_create(self, req: Request, key: str) -> Response:
        body = self._json_body(req)
        errors = []
        posting_id = body.get("posting_id")
        if not isinstance(posting_id, str) or not posting_id:
            errors.append({"loc": ["body", "posting_id"], "msg": "field required",
                           "type": "value_error.missing"})
        url = body.get("url")
        parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append({"loc": ["body", "url"], "msg": "invalid or missing URL: an absolute "
                           "http(s) URL is required", "type": "value_error.url"})
        event_type = body.get("event_type")
        if event_type not in EVENT_TYPES:
            errors.append({"loc": ["body", "event_type"],
                           "msg": f"must be one of {', '.join(EVENT_TYPES)}",
                           "type": "value_error.enum"})
        method = body.get("http_method", "post")
        method = method.lower() if isinstance(method, str) else method
        if method not in ("get", "post"):
            errors.append({"loc": ["body", "http_method"], "msg": "must be 'get' or 'post'",
                           "type": "value_error.enum"})
        if errors:
            raise validation_error(errors)
        self._plan(key, posting_id)
        now = time.time()
        hook = {"webhook_id": "wh_" + uuid.uuid4().hex[:20], "posting_id": posting_id,
                "url": url, "event_type": event_type, "http_method": method, "is_active": True,
                "created_at": now, "updated_at": now}
        with self._lock:
            self.webhooks[key][hook["webhook_id"]] = hook
            return json_response(200, dict(hook))

    def _hook(self, key: str, webhook_id: str) -> dict:
        hook = self.webhooks[key].get(webhook_id)
        if hook is None:
            raise ApiError(404, f"Webhook {webhook_id} not found", "not_found")
        return hook

    def api_webhook_fetch(self, req: Request, key: str, webhook_id: str) -> Response:
        with self._lock:
            return json_response(200, dict(self._hook(key, webhook_id)))

    def api_webhook_all(self, req: Request, key: str) -> Response:
        posting_id, event_type = req.param("posting_id"), req.param("event_type")
        with self._lock:
            hooks = [dict(h) for h in self.webhooks[key].values()
                     if (posting_id is None or h["posting_id"] == posting_id)
                     and (event_type is None or h["event_type"] == event_type)]
        return json_response(200, {"webhooks": hooks})

    def api_webhook_deactivate(self, req: Request, key: str, webhook_id: str) -> Response:
        with self._lock:
            hook = self._hook(key, webhook_id)
            hook["is_active"] = False
            hook["updated_at"] = time.time()
            return json_response(200, dict(hook))

    @staticmethod
    def _validate_candidate(cand, loc: list) -> list[dict]:
        if not isinstance(cand, dict):
            return [{"loc": loc, "msg": "expected a JSON object", "type": "type_error.dict"}]
        errors = []
        name = cand.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append({"loc": [*loc, "name"], "msg": "field required",
                           "type": "value_error.missing"})
        email = cand.get("email")
        if email is None:
            errors.append({"loc": [*loc, "email"], "msg": "field required",
                           "type": "value_error.missing"})
        elif not isinstance(email, str) or not EMAIL_RE.match(email.strip()):
            errors.append({"loc": [*loc, "email"], "msg": "value is not a valid email address",
                           "type": "value_error.email"})
        phone = cand.get("phone_number")
        if phone is not None and (not isinstance(phone, str) or not E164_RE.match(phone)):
            errors.append({"loc": [*loc, "phone_number"],
                           "msg": "phone number must be in E.164 format, e.g. +12065551234",
                           "type": "value_error.phone"})
        metadata = cand.get("metadata")
        if metadata is not None:
            ok = (isinstance(metadata, dict) and len(metadata) <= 50
                  and all(isinstance(k, str) and len(k) <= 40 and isinstance(v, str)
                          and len(v) <= 500 for k, v in metadata.items()))
            if not ok:
                errors.append({"loc": [*loc, "metadata"], "msg": "metadata must be an object of "
                               "at most 50 string values (keys up to 40 characters, values up "
                               "to 500)", "type": "value_error.metadata"})
        if cand.get("data") is not None and not isinstance(cand.get("data"), dict):
            errors.append({"loc": [*loc, "data"], "msg": "expected a JSON object",
                           "type": "type_error.dict"})
        if "retake" in cand and not isinstance(cand["retake"], bool):
            errors.append({"loc": [*loc, "retake"], "msg": "value could not be parsed to a "
                           "boolean", "type": "type_error.bool"})
        return errors

    def _details(self, req: Request, ids: list[str]) -> list[dict]:
        return [{"interview_id": iid, "interview_link": f"{req.base_url}/i/{iid}"} for iid in ids]

    def api_ingest(self, req: Request, key: str, url_key: str) -> Response:
        plan = self.plans_by_url[key].get(url_key)
        if plan is None:
            raise ApiError(404, f"No posting with url_key {url_key}", "not_found")
        body = self._json_body(req)
        errors = self._validate_candidate(body, ["body"])
        if errors:
            raise validation_error(errors)
        ingestion_id, ids = self.ingest(key, plan, [body])
        return json_response(200, {
            "message": f"Data Ingestion initiated for {body['email'].strip()}",
            "ingestion_id": ingestion_id,
            "interview_details": self._details(req, ids),
        })

    def api_ingest_bulk(self, req: Request, key: str, url_key: str) -> Response:
        plan = self.plans_by_url[key].get(url_key)
        if plan is None:
            raise ApiError(404, f"No posting with url_key {url_key}", "not_found")
        body = self._json_body(req)
        candidates = body.get("data")
        if not isinstance(candidates, list) or not candidates:
            raise validation_error([{"loc": ["body", "data"], "msg": "a non-empty list of "
                                     "candidates is required", "type": "value_error.list"}])
        errors = []
        for n, cand in enumerate(candidates):
            errors += self._validate_candidate(cand, ["body", "data", n])
        if errors:
            raise validation_error(errors)
        ingestion_id, ids = self.ingest(key, plan, candidates)
        return json_response(200, {
            "message": "Bulk candidate ingestion job created successfully",
            "ingestion_id": ingestion_id,
            "interview_details": self._details(req, ids),
        })

    # ------------------------------------------------------------------ control endpoints

    def _is_local(self, host: str) -> bool:
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host == "localhost"

    def _control_body(self, req: Request) -> dict:
        if not req.body.strip():
            return {}
        try:
            body = json.loads(req.body)
        except (ValueError, UnicodeDecodeError):
            raise ControlError("request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ControlError("request body must be a JSON object")
        return body

    def _handle_control(self, req: Request) -> Response:
        path, method = req.path.rstrip("/"), req.method
        parts = path.split("/")[2:]  # after "/_sandbox" (or "/i")
        if path.startswith("/i/"):
            return self._interview_page(path[3:])
        if parts[:1] == ["media"] and len(parts) == 2 and method in ("GET", "HEAD"):
            return self._media(parts[1], req)
        if parts[:1] == ["exports"] and len(parts) == 2 and method in ("GET", "HEAD"):
            return self._export_file(req, parts[1])
        if not (self.config.allow_remote_control or self._is_local(req.client_host)):
            raise ControlError("control endpoints are only available from 127.0.0.1", 403)
        if parts == ["faults"]:
            if method == "POST":
                body = self._control_body(req)
                kind = body.pop("kind", None)
                allowed = {"key", "rate", "count", "seconds", "retry_after", "then"}
                unknown = set(body) - allowed
                if unknown:
                    raise ControlError(f"unknown fault fields: {', '.join(sorted(unknown))}")
                try:
                    return json_response(200, self.add_fault(kind, **body))
                except FaultError as exc:
                    raise ControlError(str(exc)) from None
            if method == "DELETE":
                self.clear_faults()
                return json_response(200, {"faults": []})
            if method == "GET":
                return json_response(200, {"faults": self.faults.rules()})
        elif parts == ["reset"] and method == "POST":
            self.reset()
            return json_response(200, {"reset": True})
        elif parts == ["state"] and method == "GET":
            return json_response(200, self.state())
        elif parts == ["config"] and method in ("GET", "POST"):
            body = self._control_body(req) if method == "POST" else {}
            unknown = set(body) - {"rate_limit", "time_speed"}
            if unknown:
                raise ControlError(f"unknown config fields: {', '.join(sorted(unknown))}; "
                                   "allowed: rate_limit, time_speed")
            rate_limit, speed = body.get("rate_limit"), body.get("time_speed")
            if rate_limit is not None and (isinstance(rate_limit, bool)
                                           or not isinstance(rate_limit, int) or rate_limit < 1):
                raise ControlError("rate_limit must be an integer >= 1")
            if speed is not None and (isinstance(speed, bool)
                                      or not isinstance(speed, int | float) or speed <= 0):
                raise ControlError("time_speed must be a number > 0")
            return json_response(200, self.set_config(rate_limit, speed))
        elif len(parts) == 2 and parts[0] == "interviews" and method == "POST":
            body = self._control_body(req)
            if not body:
                raise ControlError("give field overrides (e.g. {\"status\": \"completed\"}) or "
                                   "{\"delete\": true}")
            return json_response(200, self.override_interview(parts[1], body))
        elif parts[:1] == ["truth"] and method == "GET":
            key = self.key_or_default(req.param("key"))
            if parts == ["truth", "postings"]:
                return json_response(200, [self.posting_doc(p, req.base_url)
                                           for p in self.plans[key]])
            if len(parts) == 3 and parts[1] == "interviews":
                return json_response(200, self.all_interviews(key, parts[2], req.base_url))
        raise ControlError(f"unknown control call {method} {req.path}; see /_sandbox/state, "
                           "/_sandbox/faults, /_sandbox/reset, /_sandbox/config, "
                           "/_sandbox/interviews/<id>, /_sandbox/truth/...", 400)

    def _export_file(self, req: Request, name: str) -> Response:
        job_id = name.removesuffix(".json")
        with self._lock:
            job = self.exports.get(job_id)
        if job is None:
            raise ControlError(f"export {job_id} not found", 404)
        key, posting_id = job
        return json_response(200, self.all_interviews(key, posting_id, req.base_url))

    def _media(self, name: str, req: Request) -> Response:
        if name.endswith(".svg"):
            return Response(200, media.svg_image(name.removesuffix(".svg")),
                            content_type="image/svg+xml")
        stem, _, ext = name.rpartition(".")
        key = self._owner_of(stem) if ext in ("wav", "pdf") else None
        if key is None:
            raise ControlError(f"media {name} not found", 404)
        plan, spec = self.find_interview(key, stem)
        if ext == "pdf":
            return Response(200, media.resume_pdf(spec.candidate["name"], plan.title),
                            content_type="application/pdf")
        doc = self._render(key, plan, spec, "")
        turns = (doc["agentic_data"].get("web_interview_info") or {}).get("transcript", {}).get(
            "transcript", [])
        seconds = _transcript_seconds(turns)
        length = media.wav_length(seconds)
        # Browsers seek in a recording with Range requests; without them the player can't jump.
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", (req.headers.get("Range") or "").strip())
        if match and (match.group(1) or match.group(2)):
            if match.group(1):
                start = int(match.group(1))
                end = min(int(match.group(2)) if match.group(2) else length - 1, length - 1)
            else:  # a suffix range: the last N bytes
                start, end = max(0, length - int(match.group(2))), length - 1
            if start > end:
                return Response(416, b"", headers={"Content-Range": f"bytes */{length}"},
                                content_type="audio/wav")
            body = b"".join(media.wav_chunks(seconds))[start:end + 1]
            return Response(206, body, content_type="audio/wav", headers={
                "Accept-Ranges": "bytes", "Content-Range": f"bytes {start}-{end}/{length}"})
        return Response(200, media.wav_chunks(seconds), content_type="audio/wav", length=length,
                        headers={"Accept-Ranges": "bytes"})

    def _interview_page(self, interview_id: str) -> Response:
        key = self._owner_of(interview_id)
        if key is None:
            raise ControlError(f"interview {interview_id} not found", 404)
        plan, spec = self.find_interview(key, interview_id)
        html = (f"<!doctype html><title>Interview</title><h1>{escape(plan.title)}</h1>"
                f"<p>Sandbox interview {escape(interview_id)} for "
                f"{escape(spec.candidate['name'])}.</p>")
        return Response(200, html.encode(), content_type="text/html; charset=utf-8")


def _transcript_seconds(turns: list[dict]) -> float:
    """Length of a transcript in seconds, whatever its timestamp style."""
    if not turns:
        return 1.0
    first, last = turns[0]["timestamp"], turns[-1]["timestamp"]
    return float(last - first) + 5.0
