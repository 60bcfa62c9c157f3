"""SandboxHandle: drives a running sandbox (in this process or another) over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Unpack

from .faults import FaultOptions


class SandboxError(RuntimeError):
    """A control call was refused; the message is the sandbox's explanation."""


class SandboxHandle:
    def __init__(
        self,
        url: str,
        api_key: str = "sandbox-key-a",
        other_api_key: str | None = "sandbox-key-b",
        timeout: float = 30.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.other_api_key = other_api_key
        self.timeout = timeout

    @classmethod
    def connect(
        cls, url: str, *, api_key: str | None = None, other_api_key: str | None = None
    ) -> SandboxHandle:
        """Attach to a running sandbox; keys default to the ones it was started with."""
        handle = cls(url, api_key or "", other_api_key)
        keys = handle.state()["config"]["api_keys"]
        handle.api_key = api_key or keys[0]
        if other_api_key is None:
            handle.other_api_key = next((k for k in keys if k != handle.api_key), None)
        return handle

    def __repr__(self) -> str:
        return f"SandboxHandle({self.url!r})"

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        query: dict[str, str | None] | None = None,
    ) -> Any:
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = json.dumps(body).encode() if body is not None else None
        if not url.startswith(("http://", "https://")):
            raise SandboxError(f"not an http(s) sandbox URL: {self.url}")
        headers = {"Content-Type": "application/json"}
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
        try:
            # The URL is the sandbox's own http URL.
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise SandboxError(f"{method} {path}: {exc.code} {exc.read().decode()}") from None

    def reset(self) -> None:
        self._call("POST", "/_sandbox/reset")

    def add_fault(self, kind: str, **options: Unpack[FaultOptions]) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": kind, **options}
        rule: dict[str, Any] = self._call("POST", "/_sandbox/faults", body)
        return rule

    def clear_faults(self) -> None:
        self._call("DELETE", "/_sandbox/faults")

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self._call("GET", "/_sandbox/state")
        return state

    def override_interview(self, interview_id: str, **fields: Any) -> dict[str, Any]:
        path = f"/_sandbox/interviews/{urllib.parse.quote(interview_id)}"
        result: dict[str, Any] = self._call("POST", path, fields)
        return result

    def delete_interview(self, interview_id: str) -> dict[str, Any]:
        return self.override_interview(interview_id, delete=True)

    def set_config(self, **kw: Any) -> dict[str, Any]:
        config: dict[str, Any] = self._call("POST", "/_sandbox/config", kw)
        return config

    def postings(self, key: str | None = None) -> list[dict[str, Any]]:
        """Ground truth: every posting of the key's company (default: api_key)."""
        docs: list[dict[str, Any]] = self._call(
            "GET", "/_sandbox/truth/postings", query={"key": key or self.api_key}
        )
        return docs

    def interviews(self, posting_id: str, key: str | None = None) -> list[dict[str, Any]]:
        """Ground truth: every visible interview of a posting, in API order."""
        path = f"/_sandbox/truth/interviews/{urllib.parse.quote(posting_id)}"
        docs: list[dict[str, Any]] = self._call("GET", path, query={"key": key or self.api_key})
        return docs
