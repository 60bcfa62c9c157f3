"""Parsing: heymilo.models.Interview.from_dict over 1,000 sandbox interviews as a sync decodes them.

Parsing runs for every interview of every sync page; prints the CPU time of this thread per
1,000 interviews (CPU, not wall time: on a shared machine waiting for a core is not parsing).
"""

import json
import statistics
import time

from bench.common import table

ROUNDS = 15


def main() -> None:
    from heymilo.models import Interview
    from heymilo.sandbox.app import Sandbox
    from heymilo.sandbox.config import SandboxConfig

    config = SandboxConfig(postings=20, interviews_per_posting=50, anchor=1_750_000_000.0, log_requests=False)
    sandbox = Sandbox(config)
    key = config.api_keys[0]
    docs = []
    for plan in sandbox.plans[key]:
        docs += sandbox.world.render_entries(key, plan, sandbox.world.posting_entries(key, plan), "http://x")
    docs = json.loads(json.dumps(docs))  # fresh dicts, as decoded from a response
    times = []
    for _ in range(ROUNDS):
        started = time.thread_time()
        for doc in docs:
            Interview.from_dict(doc)
        times.append((time.thread_time() - started) * 1000)
    table(
        [
            (
                f"parse {len(docs):,} interviews",
                f"{statistics.median(times):.1f} ms",
                f"CPU, median of {ROUNDS} (min {min(times):.1f}); no target: compare old and new paired",
            )
        ]
    )


if __name__ == "__main__":
    main()
