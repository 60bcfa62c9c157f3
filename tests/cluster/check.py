"""What the cluster test asserts at the end, run on the client host with the hosts' settings:
`python -m tests.cluster.check <expected.json>`. Prints one JSON line of what it found; exits
non-zero with the reason when a check fails.

expected.json: {"sandbox": url, "api_key": key, "team": slug, "emails": [...CSV's emails],
"deliveries": [...the marker of each delivery the sender got a 202/200 for]}
"""

import json
import sys
from collections import Counter


def main(path: str) -> dict:
    import django

    django.setup()
    from django.apps import apps

    from dashboard.accounts.models import Team
    from dashboard.core.jobs import Job
    from dashboard.ingestion.models import ImportJob, ImportRow, UploadChunk
    from dashboard.webhooks.models import Delivery
    from heymilo.sandbox import SandboxHandle
    from tests.mirror.helpers import assert_mirror_matches

    with open(path) as file:
        expected = json.load(file)
    team = Team.objects.get(slug=expected["team"])
    sandbox = SandboxHandle(expected["sandbox"], api_key=expected["api_key"], other_api_key=None)
    found: dict = {}

    # No job of any kind left queued or running: every sync, import, delivery's refresh ended.
    active = {
        model.__name__: list(model.objects.active().values_list("id", "state"))
        for model in apps.get_models()
        if issubclass(model, Job)
    }
    stuck = {name: ids for name, ids in active.items() if ids}
    assert not stuck, f"jobs still active: {stuck}"
    found["job_kinds_checked"] = sorted(active)

    # The mirror equals the sandbox, field by field, every posting and interview.
    found["interviews_mirrored"] = assert_mirror_matches(team, sandbox)

    # Every CSV row reached HeyMilo exactly once: the sandbox records each candidate it created.
    emails = expected["emails"]
    received = Counter(r["email"] for r in sandbox.state()["ingested"] if r["key"] == expected["api_key"])
    twice = {e: n for e, n in received.items() if n > 1}
    missing = [e for e in emails if e not in received]
    extra = [e for e in received if e not in set(emails)]
    assert not twice, f"{len(twice)} candidates ingested more than once, e.g. {list(twice.items())[:5]}"
    assert not missing, f"{len(missing)} CSV rows never reached HeyMilo, e.g. {missing[:5]}"
    assert not extra, f"{len(extra)} candidates HeyMilo got that the CSV did not hold: {extra[:5]}"
    job = ImportJob.objects.get(team=team)
    assert job.state == ImportJob.State.DONE, (job.state, job.message)
    outcomes = Counter(job.rows.values_list("outcome", flat=True))
    assert outcomes == {ImportRow.Outcome.INGESTED: len(emails)}, outcomes
    found["csv_rows_ingested_once"] = len(emails)
    # The upload lived in the database (any host reads it) and went when the import ended.
    chunks = UploadChunk.objects.count()
    assert job.stored_name == "" and chunks == 0, (job.stored_name, chunks)
    found["upload_chunks_left"] = 0

    # Every delivery stored, and processed once: one `processed` per event; a copy stored because
    # the sender resent it (a host went away under it) is a `duplicate`, never processed again.
    markers = Counter()
    states: Counter = Counter()
    processed: Counter = Counter()
    attempts = 0
    for body, state, n in Delivery.objects.filter(team=team).values_list("body", "state", "attempts"):
        marker = json.loads(body)["delivery"]
        markers[marker] += 1
        states[state] += 1
        attempts += n
        if state == Delivery.State.PROCESSED:
            processed[marker] += 1
    sent = expected["deliveries"]
    lost = [m for m in sent if m not in markers]
    assert not lost, f"{len(lost)} deliveries answered 2xx but not stored, e.g. {lost[:5]}"
    assert set(states) <= {Delivery.State.PROCESSED, Delivery.State.DUPLICATE}, states
    not_once = {m: processed[m] for m in sent if processed[m] != 1}
    assert not not_once, f"deliveries not processed exactly once: {list(not_once.items())[:5]}"
    found["deliveries_stored"] = sum(markers.values())
    found["deliveries_processed_once"] = len(sent)
    found["delivery_states"] = dict(states)
    found["delivery_attempts"] = attempts
    return found


if __name__ == "__main__":
    try:
        result = main(sys.argv[1])
    except AssertionError as error:
        print(json.dumps({"failed": str(error)[:4000]}))
        sys.exit(1)
    print(json.dumps(result))
