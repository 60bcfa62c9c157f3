"""HeyMiloClient: one method per HeyMilo API endpoint, with retries, rate limiting and paging."""

from __future__ import annotations

import logging
import random as _random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
import urllib3.exceptions

from heymilo.addresses import AddressPolicy, GuardedAdapter
from heymilo.errors import (
    AddressNotAllowed,
    AmbiguousOutcome,
    APIConnectionError,
    APITimeoutError,
    HeyMiloError,
    MalformedResponse,
    error_from_response,
)
from heymilo.models import (
    Candidate,
    ExportJob,
    IngestionResult,
    Interview,
    Page,
    Posting,
    Webhook,
    may_hold_unstorable,
    storable,
)
from heymilo.ratelimit import NullRateLimiter, RateLimiter, bucket_for_key
from heymilo.retry import RetryPolicy

__all__ = ["DEFAULT_BASE_URL", "HeyMiloClient"]

__version__ = "0.1.0"

DEFAULT_BASE_URL = "https://api.heymilo.network"
DEFAULT_USER_AGENT = f"heymilo-dashboard/{__version__} python-requests/{requests.__version__}"
# An auto-paging iterator stops here even if the API keeps saying there is more: at limit=100
# that is 100,000 items, far beyond any real posting list, so reaching it means the API is broken.
DEFAULT_MAX_PAGES = 1000

logger = logging.getLogger("heymilo")

T = TypeVar("T")


def valid_key_characters(api_key: str) -> bool:
    """Visible ASCII only: what an HTTP header carries and what API keys are made of."""
    return bool(api_key) and all(33 <= ord(c) <= 126 for c in api_key)


class HeyMiloClient:
    """A synchronous client for the HeyMilo public API.

    Every request carries the X-API-KEY header, waits for a token from `rate_limiter` (bucket
    derived from the key, so all clients of one key share it), and is retried per RetryPolicy.
    Errors are HeyMiloError subclasses (see heymilo.errors). The key never appears in a log line,
    an exception or a repr.

    With an `address_policy`, the base URL must have a shape the policy accepts (https, no
    fragment, userinfo or query) and every connection is checked against it once the host is
    resolved: a refused one raises AddressNotAllowed before anything is sent. The policy's
    adapter is mounted on the session, so exports and redirects are checked too.

    Like requests.Session, one client should not be used from several threads at once.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        prefix: str = "/api",
        timeout: float | tuple[float, float] = (5.0, 30.0),
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        max_retry_after: float = 120.0,
        rate_limiter: RateLimiter | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        user_agent: str = DEFAULT_USER_AGENT,
        address_policy: AddressPolicy | None = None,
    ):
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("api_key must be a non-empty string")
        if not valid_key_characters(api_key):
            # Never quote the key: this message may end up in a log.
            raise ValueError(
                "api_key holds characters an HTTP header cannot carry (spaces, line breaks or non-ASCII)"
            )
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.timeout = timeout
        self.retry_policy = RetryPolicy(
            max_retries=max_retries,
            base=backoff_base,
            cap=backoff_cap,
            max_retry_after=max_retry_after,
        )
        self.rate_limiter: RateLimiter = rate_limiter or NullRateLimiter()
        self.bucket = bucket_for_key(api_key)
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        self._sleep = sleep
        self._random = random
        self.user_agent = user_agent
        self.address_policy = address_policy
        # Raised at the first request rather than here, so callers meet it where they already
        # handle HeyMiloError.
        self._base_url_problem: str | None = None
        if address_policy is not None:
            self._base_url_problem = address_policy.base_url_problem(self.base_url)
            adapter = GuardedAdapter(address_policy)
            self._session.mount("https://", adapter)
            self._session.mount("http://", adapter)

    def __repr__(self) -> str:
        # Enough of the key to tell two teams' clients apart in a debugger, never enough to use.
        hint = f", key='••••{self._api_key[-4:]}'" if len(self._api_key) >= 12 else ""
        return f"HeyMiloClient(base_url={self.base_url + self.prefix!r}{hint})"

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> HeyMiloClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -----------------------------------------------------------------------------------------
    # Endpoints

    def health(self) -> dict[str, Any]:
        """GET /health: {"message": ..., "status": 200} while the API gateway is up."""
        data = self._request("GET", "/health")
        if not isinstance(data, dict):
            raise MalformedResponse("health answer is not a JSON object", method="GET", path="/health")
        return data

    def list_postings(self, page: int = 1, limit: int = 10) -> Page[Posting]:
        """GET /postings: one page of the key's job postings."""
        data = self._request("GET", "/postings", params={"page": page, "limit": limit})
        return self._page(data, "postings", Posting.from_dict, "/postings")

    def iter_postings(self, limit: int = 100, *, max_pages: int = DEFAULT_MAX_PAGES) -> Iterator[Posting]:
        """Every posting, fetching pages of `limit` as the iteration goes."""
        return self._iter_pages(
            lambda page: self.list_postings(page=page, limit=limit),
            "postings",
            lambda posting: posting.posting_id,
            limit=limit,
            max_pages=max_pages,
        )

    def get_interview(self, interview_id: str) -> Interview:
        """GET /interview/{interview_id}: one interview with its full analysis."""
        path = _path("interview", interview_id)
        return self._parse(Interview.from_dict, self._request("GET", path), path)

    def list_interviews(self, posting_id: str, page: int = 1, limit: int = 10) -> Page[Interview]:
        """GET /interviews/{posting_id}: one page of a posting's interviews ("candidates")."""
        path = _path("interviews", posting_id)
        data = self._request("GET", path, params={"page": page, "limit": limit})
        return self._page(data, "candidates", Interview.from_dict, path)

    def iter_interviews(
        self, posting_id: str, limit: int = 100, *, max_pages: int = DEFAULT_MAX_PAGES
    ) -> Iterator[Interview]:
        """Every interview of a posting, fetching pages of `limit` as the iteration goes."""
        return self._iter_pages(
            lambda page: self.list_interviews(posting_id, page=page, limit=limit),
            "candidates",
            lambda interview: interview.interview_id,
            limit=limit,
            max_pages=max_pages,
        )

    def export_interviews(self, posting_id: str) -> ExportJob:
        """POST /interviews/export/json: start a JSON export of a posting's interviews.

        Not retried once sent (each call makes a new export); AmbiguousOutcome if the answer is
        lost, in which case calling again is harmless but makes a second file.
        """
        path = "/interviews/export/json"
        data = self._request("POST", path, json={"posting_id": posting_id})
        return self._parse(ExportJob.from_dict, data, path)

    def download_export(self, file_url: str) -> Any:
        """GET an export's file_url and return its parsed JSON.

        The API key is sent only when the file lives on the API's own origin: a CDN elsewhere
        must never see it. No retries and no rate-limit token: this is not an API call.
        """
        self._check_base_url("GET", urlsplit(file_url).path)
        headers = {"User-Agent": self.user_agent}
        same_origin = _origin(file_url) == _origin(self.base_url)
        if same_origin:
            headers["X-API-KEY"] = self._api_key
        path = urlsplit(file_url).path
        try:
            # Following a redirect would carry the key along; only a keyless GET may follow one.
            response = self._session.get(
                file_url, headers=headers, timeout=self.timeout, allow_redirects=not same_origin
            )
        except requests.RequestException as exc:
            raise _transport_error(exc, "GET", path) from None
        if not 200 <= response.status_code < 300:
            raise error_from_response(response, method="GET", path=path, secret=self._api_key)
        return self._decode(response, "GET", path)

    def create_webhook(
        self, posting_id: str, url: str, event_type: str, http_method: str = "post"
    ) -> Webhook:
        """POST /webhook/create. Not retried once sent: a repeat could register a second hook."""
        path = "/webhook/create"
        body = {
            "posting_id": posting_id,
            "url": url,
            "event_type": event_type,
            "http_method": http_method.lower(),
        }
        return self._parse(Webhook.from_dict, self._request("POST", path, json=body), path)

    def get_webhook(self, webhook_id: str) -> Webhook:
        """GET /webhook/fetch/{webhook_id}."""
        path = _path("webhook", "fetch", webhook_id)
        return self._parse(Webhook.from_dict, self._request("GET", path), path)

    def list_webhooks(self, posting_id: str | None = None, event_type: str | None = None) -> list[Webhook]:
        """GET /webhook/all, optionally filtered.

        The answer's shape is undocumented: a bare list, {"webhooks": [...]} and {"data": [...]}
        are all accepted.
        """
        path = "/webhook/all"
        params = {k: v for k, v in (("posting_id", posting_id), ("event_type", event_type)) if v}
        data = self._request("GET", path, params=params or None)
        if isinstance(data, dict):
            data = next(
                (data[k] for k in ("webhooks", "data", "items") if isinstance(data.get(k), list)),
                data,
            )
        if not isinstance(data, list):
            raise MalformedResponse(
                "webhook list is neither a list nor an object holding one",
                method="GET",
                path=path,
                body=data,
            )
        return list(self._parse_items(data, Webhook.from_dict, path))

    def deactivate_webhook(self, webhook_id: str) -> Webhook | None:
        """POST /webhook/deactivate/{webhook_id}; the Webhook if the answer is one, else None.

        Deactivating twice leaves the same state, so this POST is retried like a GET.
        """
        path = _path("webhook", "deactivate", webhook_id)
        data = self._request("POST", path, idempotent_post=True)
        if isinstance(data, dict) and data.get("webhook_id"):
            try:
                return Webhook.from_dict(data)
            except MalformedResponse:
                return None
        return None

    def ingest_candidate(
        self,
        url_key: str,
        name: str,
        email: str,
        phone_number: str | None = None,
        metadata: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
        retake: bool = False,
    ) -> IngestionResult:
        """POST /ingest/x/{url_key}: invite one candidate to a posting's interview.

        With retake=False a repeat returns the existing interview, so the request is retried.
        With retake=True a repeat would create a second interview: it is never re-sent once it
        may have arrived, and a lost answer raises AmbiguousOutcome.
        """
        candidate = Candidate(name, email, phone_number, metadata, data)
        path = _path("ingest", "x", url_key)
        body = candidate.to_payload(retake)
        result = self._request("POST", path, json=body, idempotent_post=not retake)
        return self._parse(IngestionResult.from_dict, result, path)

    def ingest_candidates(
        self,
        url_key: str,
        candidates: Sequence[Candidate | Mapping[str, Any]],
        retake: bool = False,
    ) -> IngestionResult:
        """POST /ingest/x/bulk/{url_key}: invite many candidates; `retake` applies to each one."""
        if not candidates:
            raise ValueError("candidates must not be empty")
        items = [
            c.to_payload(retake) if isinstance(c, Candidate) else {**c, "retake": bool(retake)}
            for c in candidates
        ]
        path = _path("ingest", "x", "bulk", url_key)
        result = self._request("POST", path, json={"data": items}, idempotent_post=not retake)
        return self._parse(IngestionResult.from_dict, result, path)

    # -----------------------------------------------------------------------------------------
    # Transport

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent_post: bool = False,
    ) -> Any:
        """Send one API request with retries; return the decoded JSON body (None if empty)."""
        self._check_base_url(method, path)
        url = self.base_url + self.prefix + path
        headers = {
            "X-API-KEY": self._api_key,
            "Accept": "application/json",
            "User-Agent": self.user_agent,
        }
        attempt = 0
        while True:
            attempt += 1
            # Retries spend tokens too: the server counts every request against the key.
            self.rate_limiter.acquire(self.bucket)
            started = time.monotonic()
            error: HeyMiloError
            try:
                # Redirects are not followed: requests would carry X-API-KEY to any host.
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except AddressNotAllowed as refused:
                refused.method, refused.path = method, path
                _log(logging.WARNING, method, path, "AddressNotAllowed", attempt, started)
                raise
            except requests.RequestException as exc:
                # A bad URL or a body json cannot encode is our caller's bug, not a network
                # failure: raise it as it is rather than retrying it.
                if isinstance(exc, ValueError | requests.exceptions.InvalidJSONError):
                    raise
                error = _transport_error(exc, method, path)
                error.__cause__ = exc
                status: int | str = type(error).__name__
            else:
                status = response.status_code
                if 200 <= status < 300:
                    _log(logging.DEBUG, method, path, status, attempt, started)
                    return self._decode(response, method, path)
                error = error_from_response(response, method=method, path=path, secret=self._api_key)

            if not self.retry_policy.should_retry(method, error, attempt, idempotent_post=idempotent_post):
                # A 4xx is an answer (a deleted interview, a bad email), not trouble.
                quiet = isinstance(status, int) and status < 500 and status != 429
                level = logging.INFO if quiet else logging.WARNING
                _log(level, method, path, status, attempt, started)
                raise self._final_error(method, path, error, idempotent_post)

            delay = self.retry_policy.delay(
                attempt, retry_after=getattr(error, "retry_after", None), random=self._random
            )
            _log(logging.INFO, method, path, status, attempt, started, retry_in=delay)
            self._sleep(delay)

    def _check_base_url(self, method: str, path: str) -> None:
        if self._base_url_problem:
            raise AddressNotAllowed(
                # Not the URL itself: it may hold a password.
                f"Base URL refused. {self._base_url_problem}",
                method=method,
                path=path,
            )

    def _final_error(
        self, method: str, path: str, error: HeyMiloError, idempotent_post: bool
    ) -> HeyMiloError:
        """The error to raise when giving up: a lost answer to an unsafe POST is ambiguous."""
        if (
            method == "POST"
            and not idempotent_post
            and isinstance(error, APIConnectionError | APITimeoutError)
            and error.request_sent is not False
        ):
            ambiguous = AmbiguousOutcome(
                f"{method} {path} may or may not have taken effect ({error}); "
                "it was not re-sent, check before trying again",
                method=method,
                path=path,
                cause=error,
            )
            ambiguous.__cause__ = error
            return ambiguous
        return error

    def _decode(self, response: requests.Response, method: str, path: str) -> Any:
        if not response.content.strip():
            return None
        try:
            data = response.json()
        except ValueError:
            raise MalformedResponse(
                f"HeyMilo API returned {response.status_code} for {method} {path} "
                "with a body that is not JSON",
                method=method,
                path=path,
                status=response.status_code,
                body=response.text[:500].replace(self._api_key, "[redacted]"),
            ) from None
        # The one place HeyMilo's JSON enters: every model, and the .raw kept, can be stored.
        return storable(data) if may_hold_unstorable(response.content) else data

    # -----------------------------------------------------------------------------------------
    # Parsing and paging

    def _parse(self, parse: Callable[[Any], T], data: Any, path: str) -> T:
        try:
            return parse(data)
        except MalformedResponse as exc:
            exc.path = exc.path or path
            raise

    def _parse_items(self, items: list[Any], parse: Callable[[Any], T], path: str) -> Iterator[T]:
        for index, item in enumerate(items):
            try:
                yield parse(item)
            except MalformedResponse as exc:
                # One odd record must not block the rest; the page's raw body still has it.
                logger.warning("heymilo skipped item %d from %s: %s", index, path, exc)

    def _page(self, data: Any, items_key: str, parse: Callable[[Any], T], path: str) -> Page[T]:
        page = self._parse(lambda d: Page.from_dict(d, items_key, parse), data, path)
        skipped = len(_raw_items(page, items_key)) - len(page.items)
        if skipped:
            logger.warning("heymilo skipped %d unparseable item(s) from %s", skipped, path)
        return page

    def _iter_pages(
        self,
        fetch: Callable[[int], Page[T]],
        items_key: str,
        item_id: Callable[[T], str],
        *,
        limit: int,
        max_pages: int,
    ) -> Iterator[T]:
        """Yield items page by page until the API says (or shows) there are no more.

        Stops on: the last page by total_pages, an empty page, a short page, a page that repeats
        the previous one (an API ignoring `page` would otherwise loop forever), or max_pages.
        """
        previous_ids: tuple[str, ...] | None = None
        for number in range(1, max_pages + 1):
            page = fetch(number)
            raw_count = len(_raw_items(page, items_key))
            if raw_count == 0:
                return
            ids = tuple(item_id(item) for item in page.items)
            if ids == previous_ids:
                logger.warning(
                    "heymilo page %d repeats page %d (%d items); stopping",
                    number,
                    number - 1,
                    len(ids),
                )
                return
            yield from page.items
            if page.total_pages is not None and number >= page.total_pages:
                return
            # The server may cap the page size below what we asked: trust its own `limit`.
            page_size = page.limit if page.limit and page.limit > 0 else limit
            if raw_count < page_size:
                return
            previous_ids = ids
        logger.warning("heymilo stopped paging after max_pages=%d pages", max_pages)


def _path(*segments: str) -> str:
    """Join URL path segments, quoting each so an id cannot add a segment or a query."""
    for segment in segments:
        if not isinstance(segment, str) or not segment:
            raise ValueError("path segments must be non-empty strings")
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _raw_items(page: Page[Any], items_key: str) -> list[Any]:
    items = page.raw.get(items_key)
    return items if isinstance(items, list) else []


def _log(
    level: int,
    method: str,
    path: str,
    status: int | str,
    attempt: int,
    started: float,
    retry_in: float | None = None,
) -> None:
    message = "heymilo %s %s -> %s attempt=%d elapsed=%.0fms"
    args: list[Any] = [method, path, status, attempt, (time.monotonic() - started) * 1000]
    if retry_in is not None:
        message += " retry_in=%.2fs"
        args.append(retry_in)
    logger.log(level, message, *args)


def _transport_error(exc: requests.RequestException, method: str, path: str) -> HeyMiloError:
    """Map a requests exception to ours, deciding whether the request can have been sent.

    requests cannot always tell. A connect timeout or a refused/unresolvable connection means
    nothing was sent; a read timeout means it was; a dropped connection is unknown (None).
    """
    where = f"{method} {path}"
    if isinstance(exc, requests.ConnectTimeout):
        return APITimeoutError(
            f"timed out connecting for {where}", method=method, path=path, request_sent=False
        )
    if isinstance(exc, requests.ReadTimeout):
        return APITimeoutError(
            f"timed out waiting for the answer to {where}",
            method=method,
            path=path,
            request_sent=True,
        )
    if isinstance(exc, requests.Timeout):
        return APITimeoutError(f"timed out on {where}", method=method, path=path)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return APIConnectionError(
            f"the answer to {where} broke off", method=method, path=path, request_sent=True
        )
    if isinstance(exc, requests.ConnectionError):
        sent: bool | None = None if _may_have_sent(exc) else False
        return APIConnectionError(
            f"connection failed for {where}: {_reason(exc)}",
            method=method,
            path=path,
            request_sent=sent,
        )
    return APIConnectionError(f"request failed for {where}: {type(exc).__name__}", method=method, path=path)


def _may_have_sent(exc: BaseException) -> bool:
    """False only when the failure happened while connecting (refused, DNS, TLS handshake)."""
    if isinstance(exc, requests.exceptions.SSLError | requests.exceptions.ProxyError):
        return False
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.NewConnectionError | ConnectionRefusedError):
            return False
        if isinstance(current, urllib3.exceptions.MaxRetryError) and current.reason is not None:
            stack.append(current.reason)
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)
    return True


def _reason(exc: BaseException) -> str:
    # The str() of a requests error names host and path but never headers, so it cannot hold
    # the key; it is still cut short to keep log lines readable.
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."
