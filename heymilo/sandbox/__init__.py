"""HeyMilo sandbox: a local, seeded stand-in for the HeyMilo public API (stdlib only)."""

from .config import SandboxConfig
from .handle import SandboxError, SandboxHandle
from .server import SandboxServer

__all__ = ["SandboxConfig", "SandboxError", "SandboxHandle", "SandboxServer"]
