"""HeyMilo API client and sandbox: plain Python, never imports Django."""

from heymilo import models
from heymilo.addresses import AddressPolicy
from heymilo.client import DEFAULT_BASE_URL, HeyMiloClient
from heymilo.errors import (
    AddressNotAllowed,
    AmbiguousOutcome,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    HeyMiloError,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationError,
)
from heymilo.models import *  # noqa: F403 (the typed models: every name in models.__all__)
from heymilo.ratelimit import (
    NullRateLimiter,
    RateLimiter,
    RedisTokenBucket,
    TokenBucket,
    bucket_for_key,
)
from heymilo.retry import RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "AddressNotAllowed",
    "AddressPolicy",
    "APIStatusError",
    "APITimeoutError",
    "AmbiguousOutcome",
    "HeyMiloClient",
    "HeyMiloError",
    "MalformedResponse",
    "NotFound",
    "NullRateLimiter",
    "RateLimited",
    "RateLimiter",
    "RedisTokenBucket",
    "RetryPolicy",
    "ServerError",
    "TokenBucket",
    "Unauthorized",
    "ValidationError",
    "bucket_for_key",
]
__all__ += models.__all__
