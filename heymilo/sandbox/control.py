"""The /_sandbox control endpoints tests and the demo drive the sandbox with (loopback only)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .faults import FaultError, FaultOptions
from .messages import ControlError, Request, Response, json_response

if TYPE_CHECKING:
    from .app import Sandbox

FAULT_FIELDS = FaultOptions.__optional_keys__
CONFIG_FIELDS = {"rate_limit", "time_speed"}


def faults_list(sb: Sandbox, req: Request) -> Response:
    return json_response(200, {"faults": sb.faults.rules()})


def faults_add(sb: Sandbox, req: Request) -> Response:
    body = _body(req)
    kind = body.pop("kind", None)
    unknown = set(body) - FAULT_FIELDS
    if unknown:
        raise ControlError(f"unknown fault fields: {', '.join(sorted(unknown))}")
    try:
        return json_response(200, sb.add_fault(kind, **body))
    except FaultError as exc:
        raise ControlError(str(exc)) from None


def faults_clear(sb: Sandbox, req: Request) -> Response:
    sb.clear_faults()
    return json_response(200, {"faults": []})


def reset(sb: Sandbox, req: Request) -> Response:
    sb.reset()
    return json_response(200, {"reset": True})


def state(sb: Sandbox, req: Request) -> Response:
    return json_response(200, snapshot(sb))


def config(sb: Sandbox, req: Request) -> Response:
    """GET shows the live settings; POST changes rate_limit and/or time_speed."""
    body = _body(req) if req.method == "POST" else {}
    unknown = set(body) - CONFIG_FIELDS
    if unknown:
        raise ControlError(
            f"unknown config fields: {', '.join(sorted(unknown))}; allowed: rate_limit, time_speed"
        )
    rate_limit, speed = body.get("rate_limit"), body.get("time_speed")
    if rate_limit is not None and (
        isinstance(rate_limit, bool) or not isinstance(rate_limit, int) or rate_limit < 1
    ):
        raise ControlError("rate_limit must be an integer >= 1")
    if speed is not None and (isinstance(speed, bool) or not isinstance(speed, int | float) or speed <= 0):
        raise ControlError("time_speed must be a number > 0")
    return json_response(200, sb.set_config(rate_limit, speed))


def interview_override(sb: Sandbox, req: Request, interview_id: str) -> Response:
    body = _body(req)
    if not body:
        raise ControlError('give field overrides (e.g. {"status": "completed"}) or {"delete": true}')
    return json_response(200, sb.override_interview(interview_id, body))


def truth_postings(sb: Sandbox, req: Request) -> Response:
    """Every posting of a key's company (?key=, default the first key), as the API has them."""
    key = sb.key_or_default(req.param("key"))
    return json_response(200, [sb.posting_doc(p, req.base_url) for p in sb.plans[key]])


def truth_interviews(sb: Sandbox, req: Request, posting_id: str) -> Response:
    """Every visible interview of a posting, in API order, unpaged."""
    key = sb.key_or_default(req.param("key"))
    return json_response(200, sb.all_interviews(key, posting_id, req.base_url))


def snapshot(sb: Sandbox) -> dict[str, Any]:
    """What /_sandbox/state shows: config, request counts, ingested interviews, webhooks..."""
    world = sb.world
    now = sb.clock.now()
    with world.lock:
        ingested = [
            {
                "interview_id": r.interview_id,
                "key": r.key,
                "posting_id": r.posting_id,
                "email": r.candidate["email"],
                "name": r.candidate["name"],
                "retake": r.retake,
                "ingestion_id": r.ingestion_id,
                "created": r.created_real,
                "status": r.status_at(now),
                "events": list(r.emitted),
                "deleted": r.interview_id in world.deleted,
            }
            for r in world.ingested.values()
        ]
        webhooks = [dict(h, key=k) for k, hooks in world.webhooks.items() for h in hooks.values()]
        return {
            "config": dict(
                sb.config.as_dict(),
                rate_limit=sb.limiter.limit,
                time_speed=sb.clock.speed,
                anchor=world.anchor,
            ),
            "requests": json.loads(json.dumps(world.counters)),
            "ingested": ingested,
            "webhooks": webhooks,
            "events": list(world.events),
            "deliveries": sb.dispatcher.records(),
            "faults": sb.faults.rules(),
            "overrides": dict(world.overrides),
            "deleted": sorted(world.deleted),
            "sim_time": now,
        }


def _body(req: Request) -> dict[str, Any]:
    if not req.body.strip():
        return {}
    try:
        body = json.loads(req.body)
    except (ValueError, UnicodeDecodeError):
        raise ControlError("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ControlError("request body must be a JSON object")
    return body
