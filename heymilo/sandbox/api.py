"""The public API's endpoints, one function each: (sandbox, request, API key, path params).

Faults, API keys, rate limits and request counts are handled before these run (routes.py).
"""

from __future__ import annotations

import json
import math
import re
import time
import urllib.parse
import uuid
from typing import TYPE_CHECKING, Any

from . import data
from .messages import ApiError, Request, Response, json_response, validation_error
from .state import EVENT_TYPES

if TYPE_CHECKING:
    from .app import Sandbox

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_LIMIT = 100

# ---------------------------------------------------------------------- postings and interviews


def health(sb: Sandbox, req: Request, key: str | None) -> Response:
    return json_response(200, {"message": "API Gateway is running successfully", "status": 200})


def postings(sb: Sandbox, req: Request, key: str) -> Response:
    page, limit = _page_params(req)
    items, meta = _page(sb.plans[key], page, limit)
    docs = [sb.posting_doc(p, req.base_url) for p in items]
    return json_response(200, {"postings": docs, **meta})


def interview(sb: Sandbox, req: Request, key: str, interview_id: str) -> Response:
    doc = sb.world.interview_doc(key, interview_id, req.base_url)
    if doc is None:
        raise ApiError(404, f"Interview {interview_id} not found", "not_found")
    return json_response(200, doc)


def interviews(sb: Sandbox, req: Request, key: str, posting_id: str) -> Response:
    plan = _plan(sb, key, posting_id)
    page, limit = _page_params(req)
    entries, meta = _page(sb.world.posting_entries(key, plan), page, limit)
    docs = sb.world.render_entries(key, plan, entries, req.base_url)
    return json_response(200, {"candidates": docs, **meta})


def export(sb: Sandbox, req: Request, key: str) -> Response:
    posting_id = req.param("posting_id")
    if posting_id is None:
        body = _json_body(req)
        posting_id = body.get("posting_id")
    if not isinstance(posting_id, str) or not posting_id:
        raise validation_error(
            [{"loc": ["body", "posting_id"], "msg": "field required", "type": "value_error.missing"}]
        )
    _plan(sb, key, posting_id)
    job_id = str(uuid.uuid4())
    with sb.world.lock:
        sb.world.exports[job_id] = (key, posting_id)
    return json_response(
        200,
        {"job_id": job_id, "status": "success", "file_url": f"{req.base_url}/_sandbox/exports/{job_id}.json"},
    )


# ---------------------------------------------------------------------- webhooks


def webhook_create(sb: Sandbox, req: Request, key: str) -> Response:
    body = _json_body(req)
    errors = []
    posting_id = body.get("posting_id")
    if not isinstance(posting_id, str) or not posting_id:
        errors.append({"loc": ["body", "posting_id"], "msg": "field required", "type": "value_error.missing"})
    url = body.get("url")
    parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        errors.append(
            {
                "loc": ["body", "url"],
                "msg": "invalid or missing URL: an absolute http(s) URL is required",
                "type": "value_error.url",
            }
        )
    event_type = body.get("event_type")
    if event_type not in EVENT_TYPES:
        errors.append(
            {
                "loc": ["body", "event_type"],
                "msg": f"must be one of {', '.join(EVENT_TYPES)}",
                "type": "value_error.enum",
            }
        )
    method = body.get("http_method", "post")
    method = method.lower() if isinstance(method, str) else method
    if method not in ("get", "post"):
        errors.append(
            {"loc": ["body", "http_method"], "msg": "must be 'get' or 'post'", "type": "value_error.enum"}
        )
    if errors or not isinstance(posting_id, str):
        raise validation_error(errors)
    _plan(sb, key, posting_id)
    now = time.time()
    webhook_id = "wh_" + uuid.uuid4().hex[:20]
    hook = {
        "webhook_id": webhook_id,
        "posting_id": posting_id,
        "url": url,
        "event_type": event_type,
        "http_method": method,
        "is_active": True,
        "created_at": now,
        "updated_at": now,
    }
    with sb.world.lock:
        sb.world.webhooks[key][webhook_id] = hook
        return json_response(200, dict(hook))


def webhook_fetch(sb: Sandbox, req: Request, key: str, webhook_id: str) -> Response:
    with sb.world.lock:
        return json_response(200, dict(_hook(sb, key, webhook_id)))


def webhook_all(sb: Sandbox, req: Request, key: str) -> Response:
    posting_id, event_type = req.param("posting_id"), req.param("event_type")
    with sb.world.lock:
        hooks = [
            dict(h)
            for h in sb.world.webhooks[key].values()
            if (posting_id is None or h["posting_id"] == posting_id)
            and (event_type is None or h["event_type"] == event_type)
        ]
    return json_response(200, {"webhooks": hooks})


def webhook_deactivate(sb: Sandbox, req: Request, key: str, webhook_id: str) -> Response:
    with sb.world.lock:
        hook = _hook(sb, key, webhook_id)
        hook["is_active"] = False
        hook["updated_at"] = time.time()
        return json_response(200, dict(hook))


def _hook(sb: Sandbox, key: str, webhook_id: str) -> dict[str, Any]:
    hook = sb.world.webhooks[key].get(webhook_id)
    if hook is None:
        raise ApiError(404, f"Webhook {webhook_id} not found", "not_found")
    return hook


# ---------------------------------------------------------------------- ingestion


def ingest(sb: Sandbox, req: Request, key: str, url_key: str) -> Response:
    plan = _plan_by_url(sb, key, url_key)
    body = _json_body(req)
    errors = _validate_candidate(body, ["body"])
    if errors:
        raise validation_error(errors)
    ingestion_id, ids = sb.world.ingest(key, plan, [body])
    return json_response(
        200,
        {
            "message": f"Data Ingestion initiated for {body['email'].strip()}",
            "ingestion_id": ingestion_id,
            "interview_details": _details(req, ids),
        },
    )


def ingest_bulk(sb: Sandbox, req: Request, key: str, url_key: str) -> Response:
    plan = _plan_by_url(sb, key, url_key)
    body = _json_body(req)
    candidates = body.get("data")
    if not isinstance(candidates, list) or not candidates:
        raise validation_error(
            [
                {
                    "loc": ["body", "data"],
                    "msg": "a non-empty list of candidates is required",
                    "type": "value_error.list",
                }
            ]
        )
    errors = []
    for n, cand in enumerate(candidates):
        errors += _validate_candidate(cand, ["body", "data", n])
    if errors:
        raise validation_error(errors)
    ingestion_id, ids = sb.world.ingest(key, plan, candidates)
    return json_response(
        200,
        {
            "message": "Bulk candidate ingestion job created successfully",
            "ingestion_id": ingestion_id,
            "interview_details": _details(req, ids),
        },
    )


def _plan_by_url(sb: Sandbox, key: str, url_key: str) -> data.PostingPlan:
    plan = sb.world.plans_by_url[key].get(url_key)
    if plan is None:
        raise ApiError(404, f"No posting with url_key {url_key}", "not_found")
    return plan


def _validate_candidate(cand: object, loc: list[str | int]) -> list[dict[str, Any]]:
    if not isinstance(cand, dict):
        return [{"loc": loc, "msg": "expected a JSON object", "type": "type_error.dict"}]
    errors: list[dict[str, Any]] = []
    name = cand.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append({"loc": [*loc, "name"], "msg": "field required", "type": "value_error.missing"})
    email = cand.get("email")
    if email is None:
        errors.append({"loc": [*loc, "email"], "msg": "field required", "type": "value_error.missing"})
    elif not isinstance(email, str) or not EMAIL_RE.match(email.strip()):
        errors.append(
            {"loc": [*loc, "email"], "msg": "value is not a valid email address", "type": "value_error.email"}
        )
    phone = cand.get("phone_number")
    if phone is not None and (not isinstance(phone, str) or not E164_RE.match(phone)):
        errors.append(
            {
                "loc": [*loc, "phone_number"],
                "msg": "phone number must be in E.164 format, e.g. +12065551234",
                "type": "value_error.phone",
            }
        )
    metadata = cand.get("metadata")
    if metadata is not None:
        ok = (
            isinstance(metadata, dict)
            and len(metadata) <= 50
            and all(
                isinstance(k, str) and len(k) <= 40 and isinstance(v, str) and len(v) <= 500
                for k, v in metadata.items()
            )
        )
        if not ok:
            errors.append(
                {
                    "loc": [*loc, "metadata"],
                    "msg": "metadata must be an object of "
                    "at most 50 string values (keys up to 40 characters, values up "
                    "to 500)",
                    "type": "value_error.metadata",
                }
            )
    if cand.get("data") is not None and not isinstance(cand.get("data"), dict):
        errors.append({"loc": [*loc, "data"], "msg": "expected a JSON object", "type": "type_error.dict"})
    if "retake" in cand and not isinstance(cand["retake"], bool):
        errors.append(
            {
                "loc": [*loc, "retake"],
                "msg": "value could not be parsed to a boolean",
                "type": "type_error.bool",
            }
        )
    return errors


def _details(req: Request, ids: list[str]) -> list[dict[str, str]]:
    return [{"interview_id": iid, "interview_link": f"{req.base_url}/i/{iid}"} for iid in ids]


# ---------------------------------------------------------------------- shared helpers


def _plan(sb: Sandbox, key: str, posting_id: str) -> data.PostingPlan:
    plan = sb.world.plans_by_id[key].get(posting_id)
    if plan is None:
        raise ApiError(404, f"Posting {posting_id} not found", "not_found")
    return plan


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
            errors.append(
                {"loc": ["query", name], "msg": "value is not a valid integer", "type": "type_error.integer"}
            )
            continue
        if value < 1 or (name == "limit" and value > MAX_LIMIT):
            bound = f"between 1 and {MAX_LIMIT}" if name == "limit" else "at least 1"
            errors.append({"loc": ["query", name], "msg": f"must be {bound}", "type": "value_error.number"})
            continue
        values[name] = value
    if errors:
        raise validation_error(errors)
    return values["page"], values["limit"]


def _page[T](items: list[T], page: int, limit: int) -> tuple[list[T], dict[str, int]]:
    total = len(items)
    meta = {"total": total, "page": page, "limit": limit, "total_pages": math.ceil(total / limit)}
    return items[(page - 1) * limit : page * limit], meta


def _json_body(req: Request) -> dict[str, Any]:
    if not req.body.strip():
        raise validation_error([{"loc": ["body"], "msg": "field required", "type": "value_error.missing"}])
    try:
        body = json.loads(req.body)
    except (ValueError, UnicodeDecodeError):
        raise validation_error(
            [{"loc": ["body"], "msg": "Invalid JSON body", "type": "value_error.jsondecode"}]
        ) from None
    if not isinstance(body, dict):
        raise validation_error(
            [{"loc": ["body"], "msg": "expected a JSON object", "type": "type_error.dict"}]
        )
    return body
