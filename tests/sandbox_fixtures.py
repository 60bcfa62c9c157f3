"""Pytest plugin: a HeyMilo sandbox server per test process and a reset handle per test."""

from __future__ import annotations

import time

import pytest

from heymilo.sandbox import SandboxConfig, SandboxHandle, SandboxServer

SANDBOX_KEYS = ("sandbox-key-a", "sandbox-key-b")


@pytest.fixture(scope="session")
def sandbox_server():
    """One small sandbox per test process (each xdist worker gets its own, on a free port)."""
    config = SandboxConfig(
        host="127.0.0.1",
        port=0,
        postings=3,
        interviews_per_posting=25,
        seed=7,
        api_keys=SANDBOX_KEYS,
        rate_limit=300,
        time_speed=600.0,  # an ingested interview completes in about a second
        log_requests=False,
    )
    server = SandboxServer(config)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server) -> SandboxHandle:
    """A handle on the session sandbox, reset to its pure seeded state first."""
    handle = SandboxHandle(sandbox_server.url, api_key=SANDBOX_KEYS[0], other_api_key=SANDBOX_KEYS[1])
    handle.reset()
    return handle


def wait_until(predicate, *, timeout: float = 5.0, interval: float = 0.02, message: str = "condition"):
    """Poll `predicate` until it returns something truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)
