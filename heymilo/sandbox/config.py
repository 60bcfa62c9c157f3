"""SandboxConfig: everything a sandbox server is started with."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_KEYS = ("sandbox-key-a", "sandbox-key-b")


@dataclass
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 8765  # 0 picks a free port
    postings: int = 20  # per API key (company)
    interviews_per_posting: int = 50
    seed: int = 42
    api_keys: tuple[str, ...] | list[str] = field(default=DEFAULT_KEYS)
    rate_limit: int = 300  # requests per minute per key
    time_speed: float = 60.0  # simulated seconds per real second (60: a minute per second)
    # Unix time the seeded data is relative to (deadlines "in 7 days" etc.). None: now, at start.
    anchor: float | None = None
    log_requests: bool = True  # one line per request on stderr
    allow_remote_control: bool = False  # /_sandbox control endpoints from non-loopback clients
    public_url: str | None = None  # base for links; default: from the request's Host header

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["api_keys"] = list(self.api_keys)
        return data
