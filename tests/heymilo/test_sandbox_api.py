"""The sandbox's read endpoints over real HTTP: shapes, auth, errors, pagination, data."""

from __future__ import annotations

import io
import wave

import pytest
import requests

from heymilo.sandbox import SandboxConfig, SandboxServer
from heymilo.sandbox import data as sandbox_data
from heymilo.sandbox.app import Sandbox

POSTING_KEYS = {
    "posting_id",
    "title",
    "name",
    "description",
    "company_id",
    "created_at",
    "last_updated",
    "archived",
    "deadline",
    "finalized",
    "phone_number_id",
    "root_level_configs",
    "agentic_workflow",
    "url_key",
}
INTERVIEW_KEYS = {
    "interview_id",
    "details",
    "workflow",
    "agentic_data",
    "company_name",
    "company_image",
    "posting_title",
    "posting_interview_type",
    "posting_id",
}
DETAILS_KEYS = {
    "interview_id",
    "candidate_id",
    "interviewed_on",
    "score",
    "name",
    "email",
    "actions",
    "status",
    "workflow_status",
    "metadata",
}


def get(sandbox, path, key=..., **params):
    headers = {} if key is None else {"X-API-KEY": sandbox.api_key if key is ... else key}
    return requests.get(f"{sandbox.url}/api{path}", headers=headers, params=params, timeout=10)


def completed(interviews):
    return [
        i
        for i in interviews
        if i["details"]["status"] == "completed" and "web_interview_info" in i["agentic_data"]
    ]


def test_it_answers_health_without_a_key(sandbox):
    for prefix in ("/api", ""):
        response = requests.get(f"{sandbox.url}{prefix}/health", timeout=5)
        assert response.status_code == 200
        assert response.json() == {"message": "API Gateway is running successfully", "status": 200}


def test_it_rejects_missing_or_unknown_keys_with_401(sandbox):
    for key in (None, "not-a-key"):
        response = get(sandbox, "/postings", key=key)
        assert response.status_code == 401
        body = response.json()
        assert body["status_code"] == 401
        assert body["error_type"] == "unauthorized"
        assert body["detail"]
        assert response.headers["X-RateLimit-Limit"] == "300"


def test_it_lists_postings_with_the_reference_shape(sandbox):
    response = get(sandbox, "/postings", page=1, limit=10)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3 and body["page"] == 1 and body["limit"] == 10
    assert body["total_pages"] == 1
    assert body["postings"] == sandbox.postings()
    for posting in body["postings"]:
        assert set(posting) == POSTING_KEYS
        assert len(posting["posting_id"]) == 8 and posting["posting_id"] == posting["posting_id"].upper()
        int(posting["posting_id"], 16)
        assert posting["agentic_workflow"]
        assert {"instructions", "language"} <= set(posting["root_level_configs"])
    assert len({p["url_key"] for p in body["postings"]}) == 3


def test_it_serves_bare_paths_like_the_api_prefix(sandbox):
    headers = {"X-API-KEY": sandbox.api_key}
    bare = requests.get(f"{sandbox.url}/postings", headers=headers, timeout=5)
    prefixed = requests.get(f"{sandbox.url}/api/postings", headers=headers, timeout=5)
    assert bare.status_code == prefixed.status_code == 200
    assert bare.json() == prefixed.json()


def test_it_paginates_postings_and_interviews_with_totals(sandbox):
    first = get(sandbox, "/postings", page=1, limit=2).json()
    last = get(sandbox, "/postings", page=2, limit=2).json()
    assert (first["total"], first["total_pages"], len(first["postings"])) == (3, 2, 2)
    assert len(last["postings"]) == 1

    posting_id = first["postings"][0]["posting_id"]
    truth_ids = [i["interview_id"] for i in sandbox.interviews(posting_id)]
    seen = []
    for page in (1, 2, 3):
        body = get(sandbox, f"/interviews/{posting_id}", page=page, limit=10).json()
        assert (body["total"], body["page"], body["limit"], body["total_pages"]) == (25, page, 10, 3)
        seen += [c["interview_id"] for c in body["candidates"]]
    assert len(body["candidates"]) == 5  # the last page is partial
    assert seen == truth_ids
    beyond = get(sandbox, f"/interviews/{posting_id}", page=4, limit=10).json()
    assert beyond["candidates"] == [] and beyond["total"] == 25
    default = get(sandbox, f"/interviews/{posting_id}").json()
    assert default["limit"] == 10 and default["page"] == 1


def test_it_returns_interviews_with_the_reference_shape(sandbox):
    posting = sandbox.postings()[0]
    listing = get(sandbox, f"/interviews/{posting['posting_id']}", limit=25).json()
    assert listing["candidates"] == sandbox.interviews(posting["posting_id"])
    for item in listing["candidates"]:
        assert set(item) == INTERVIEW_KEYS
        assert set(item["details"]) >= DETAILS_KEYS
        assert item["posting_id"] == posting["posting_id"]
        assert item["posting_title"] == posting["title"]
        assert item["details"]["status"] in sandbox_data.SEEDED_STATUS_WEIGHTS
        assert item["workflow"]["step_by_step"]
        assert item["details"]["email"].count("@") == 1
        phone = item["details"]["phone_number"]
        assert phone is None or (phone.startswith("+") and phone[1:].isdigit())
    done = completed(listing["candidates"])[0]
    one = get(sandbox, f"/interview/{done['interview_id']}")
    assert one.status_code == 200
    doc = one.json()
    assert doc == done
    web = doc["agentic_data"]["web_interview_info"]
    assert set(web) >= {"summary", "scorecard", "communication", "transcript", "audio_recording_link"}
    resume = doc["agentic_data"]["resume_interview_info"]
    assert set(resume) == {"score_criteria", "eligibility_criteria", "resume_link"}
    assert isinstance(doc["details"]["score"], float)
    assert web["scorecard"]["questions"][0]["question_id"] == "q1"


def test_it_returns_404_for_unknown_ids(sandbox):
    posting_id = sandbox.postings()[0]["posting_id"]
    cases = [
        "/interview/does-not-exist",
        "/interview/" + "0" * 24,
        "/interviews/FFFFFFFF",
        "/webhook/fetch/wh_nope",
        "/no/such/endpoint",
    ]
    for path in cases:
        response = get(sandbox, path)
        assert response.status_code == 404, path
        assert response.json()["error_type"] == "not_found"
    # A real id with its last character changed does not resolve either.
    real = sandbox.interviews(posting_id)[0]["interview_id"]
    forged = real[:-1] + ("0" if real[-1] != "0" else "1")
    assert get(sandbox, f"/interview/{forged}").status_code == 404
    ingest = requests.post(
        f"{sandbox.url}/api/ingest/x/no-such-key",
        headers={"X-API-KEY": sandbox.api_key},
        json={"name": "A B", "email": "a@example.com"},
        timeout=5,
    )
    assert ingest.status_code == 404


def test_it_isolates_one_keys_data_from_another(sandbox):
    mine = sandbox.postings()
    theirs = sandbox.postings(key=sandbox.other_api_key)
    assert {p["posting_id"] for p in mine}.isdisjoint({p["posting_id"] for p in theirs})
    assert mine[0]["company_id"] != theirs[0]["company_id"]
    posting_id = mine[0]["posting_id"]
    interview_id = sandbox.interviews(posting_id)[0]["interview_id"]
    other = sandbox.other_api_key
    assert get(sandbox, f"/interview/{interview_id}", key=other).status_code == 404
    assert get(sandbox, f"/interviews/{posting_id}", key=other).status_code == 404
    response = requests.post(
        f"{sandbox.url}/api/ingest/x/{mine[0]['url_key']}",
        headers={"X-API-KEY": other},
        json={"name": "A B", "email": "a@example.com"},
        timeout=5,
    )
    assert response.status_code == 404
    export = requests.post(
        f"{sandbox.url}/api/interviews/export/json",
        headers={"X-API-KEY": other},
        json={"posting_id": posting_id},
        timeout=5,
    )
    assert export.status_code == 404


@pytest.mark.parametrize(
    "params, field",
    [
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "1.5"}, "limit"),
    ],
)
def test_it_rejects_bad_pagination_with_422(sandbox, params, field):
    posting_id = sandbox.postings()[0]["posting_id"]
    for path in ("/postings", f"/interviews/{posting_id}"):
        response = get(sandbox, path, **params)
        assert response.status_code == 422
        body = response.json()
        assert body["error_type"] == "validation_error" and body["status_code"] == 422
        assert ["query", field] in [e["loc"] for e in body["errors"]]


def test_it_generates_the_same_data_for_the_same_seed(sandbox):
    anchor = sandbox.state()["config"]["anchor"]
    config = dict(
        postings=3,
        interviews_per_posting=25,
        seed=7,
        anchor=anchor,
        api_keys=("sandbox-key-a", "sandbox-key-b"),
    )
    twin = Sandbox(SandboxConfig(**config))
    for key in ("sandbox-key-a", "sandbox-key-b"):
        truth = sandbox.postings(key=key)
        assert [twin.posting_doc(p, sandbox.url) for p in twin.plans[key]] == truth
        posting_id = truth[-1]["posting_id"]
        assert twin.all_interviews(key, posting_id, sandbox.url) == sandbox.interviews(posting_id, key=key)
    other_seed = Sandbox(SandboxConfig(**dict(config, seed=8)))
    assert other_seed.plans["sandbox-key-a"][0].doc != twin.plans["sandbox-key-a"][0].doc


def test_it_quotes_real_transcript_turns_in_excerpts(sandbox):
    checked = 0
    for posting in sandbox.postings():
        for interview in completed(sandbox.interviews(posting["posting_id"])):
            web = interview["agentic_data"]["web_interview_info"]
            turns = web["transcript"]["transcript"]
            assert 20 <= len(turns) <= 80
            for question in web["scorecard"]["questions"]:
                assert question["chat_transcript"]
                for turn in question["chat_transcript"]:
                    assert turn in turns
                assert question["preview_timestamp"] == question["chat_transcript"][0]["timestamp"]
            for evaluation in web["communication"]["evaluations"]:
                for remark in evaluation["remarks"]:
                    assert remark["transcript_reference"] in turns
                    assert remark["transcript_reference"]["speaker"] == "candidate"
            checked += 1
    assert checked >= 10


def test_it_varies_timestamp_styles_across_postings():
    # A larger in-process dataset: some postings use seconds-from-start floats, most Unix time.
    anchor = 1_750_000_000.0
    plans = sandbox_data.make_postings(3, "k", 40, anchor)
    modes = {p.timestamp_mode for p in plans}
    assert modes == {"unix", "relative"}
    company = sandbox_data.make_company(3, "k")
    missing_str = 0
    for plan in plans:
        if plan.interview_step is None:
            continue
        for j in range(8):
            spec = sandbox_data.seeded_spec(3, "k", plan, j, anchor)
            spec.status = "completed"
            doc = sandbox_data.build_interview(spec, plan, company, "http://x")
            turns = doc["agentic_data"]["web_interview_info"]["transcript"]["transcript"]
            stamp = turns[1]["timestamp"]
            if plan.timestamp_mode == "relative":
                assert isinstance(stamp, float) and stamp < 10_000
            else:
                assert isinstance(stamp, int) and stamp > 1_000_000_000
            missing_str += "timestamp_str" not in turns[0]
            speakers = {t["speaker"] for t in turns}
            assert {"interviewer", "candidate"} <= speakers <= {"interviewer", "candidate", "System"}
    assert missing_str > 0


def test_it_leaves_results_out_of_incomplete_interviews():
    app = Sandbox(SandboxConfig(postings=8, interviews_per_posting=60, seed=11, api_keys=("k",)))
    seen = set()
    for plan in app.plans["k"]:
        for doc in app.all_interviews("k", plan.posting_id, "http://x"):
            status = doc["details"]["status"]
            seen.add(status)
            agentic = doc["agentic_data"]
            web = agentic.get("web_interview_info")
            if status == "pending":
                assert agentic == {}
                assert doc["details"]["score"] is None
                assert doc["details"]["interviewed_on"] is None
                assert not any(s["started"] for s in doc["workflow"]["step_by_step"])
            elif status == "in_progress":
                assert web is None and doc["details"]["score"] is None
            elif status == "evaluating":
                assert doc["details"]["score"] is None
                assert set(web) <= {"transcript", "audio_recording_link", "video_recording_link"}
                assert web["transcript"]["transcript"]
            elif status == "knocked_out":
                assert web is None
                if "resume_interview_info" in agentic:
                    eligibility = agentic["resume_interview_info"]["eligibility_criteria"]
                    assert eligibility["is_eligible"] is False
    assert seen == set(sandbox_data.SEEDED_STATUS_WEIGHTS)


def test_it_serves_recordings_and_resumes(sandbox):
    posting_id = sandbox.postings()[0]["posting_id"]
    interview = completed(sandbox.interviews(posting_id))[0]
    web = interview["agentic_data"]["web_interview_info"]
    assert web["audio_recording_link"].startswith(sandbox.url + "/_sandbox/media/")
    audio = requests.get(web["audio_recording_link"], timeout=10)
    assert audio.status_code == 200 and audio.headers["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(audio.content)) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (1, 8000, 1)
        assert 30 < wav.getnframes() / 8000 <= 600
    resume = requests.get(interview["agentic_data"]["resume_interview_info"]["resume_link"], timeout=5)
    assert resume.status_code == 200 and resume.content.startswith(b"%PDF-")
    logo = requests.get(interview["company_image"], timeout=5)
    assert logo.status_code == 200 and logo.headers["Content-Type"] == "image/svg+xml"
    assert requests.get(f"{sandbox.url}/_sandbox/media/nope.wav", timeout=5).status_code == 404


def test_it_exports_a_postings_interviews_to_a_served_file(sandbox):
    posting_id = sandbox.postings()[1]["posting_id"]
    headers = {"X-API-KEY": sandbox.api_key}
    response = requests.post(
        f"{sandbox.url}/api/interviews/export/json",
        headers=headers,
        json={"posting_id": posting_id},
        timeout=5,
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"job_id", "status", "file_url"} and body["status"] == "success"
    exported = requests.get(body["file_url"], timeout=10)
    assert exported.status_code == 200
    assert exported.json() == sandbox.interviews(posting_id)
    # GET with a JSON body works too, as the reference's heading says.
    again = requests.get(
        f"{sandbox.url}/api/interviews/export/json",
        headers=headers,
        json={"posting_id": posting_id},
        timeout=5,
    )
    assert again.status_code == 200 and again.json()["job_id"] != body["job_id"]
    missing = requests.post(f"{sandbox.url}/api/interviews/export/json", headers=headers, json={}, timeout=5)
    assert missing.status_code == 422


def test_it_pages_a_large_sandbox_on_demand():
    config = SandboxConfig(
        port=0, postings=100, interviews_per_posting=1000, seed=1, api_keys=("big-key",), log_requests=False
    )
    with SandboxServer(config) as server:
        headers = {"X-API-KEY": "big-key"}
        postings = requests.get(
            f"{server.url}/api/postings", headers=headers, params={"page": 1, "limit": 100}, timeout=10
        ).json()
        assert postings["total"] == 100 and len(postings["postings"]) == 100
        posting_id = postings["postings"][-1]["posting_id"]
        last = requests.get(
            f"{server.url}/api/interviews/{posting_id}",
            headers=headers,
            params={"page": 10, "limit": 100},
            timeout=30,
        ).json()
        assert (last["total"], last["total_pages"], len(last["candidates"])) == (1000, 10, 100)
        one = last["candidates"][-1]
        again = requests.get(f"{server.url}/api/interview/{one['interview_id']}", headers=headers, timeout=10)
        assert again.json() == one


def test_it_serves_recordings_in_ranges_so_players_can_seek(sandbox):
    import requests

    posting = sandbox.postings()[0]["posting_id"]
    link = next(
        doc["agentic_data"]["web_interview_info"]["audio_recording_link"]
        for doc in sandbox.interviews(posting)
        if (doc.get("agentic_data") or {}).get("web_interview_info", {}).get("audio_recording_link")
    )
    whole = requests.get(link, timeout=5)
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    part = requests.get(link, headers={"Range": "bytes=40-47"}, timeout=5)
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 40-47/{len(whole.content)}"
    assert part.content == whole.content[40:48]
    tail = requests.get(link, headers={"Range": "bytes=-4"}, timeout=5)
    assert tail.content == whole.content[-4:]
    beyond = requests.get(link, headers={"Range": f"bytes={len(whole.content) + 10}-"}, timeout=5)
    assert beyond.status_code == 416
