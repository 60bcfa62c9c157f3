"""Command line: `python -m heymilo.sandbox --port 8765 --api-key demo-key ...`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .config import DEFAULT_KEYS, SandboxConfig
from .server import SandboxServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m heymilo.sandbox", description="A local HeyMilo API sandbox."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--postings", type=int, default=20, help="postings per API key")
    parser.add_argument("--interviews-per-posting", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help=f"repeatable; each key is its own company (default: {', '.join(DEFAULT_KEYS)})",
    )
    parser.add_argument("--rate-limit", type=int, default=300, help="requests/minute per key")
    parser.add_argument("--time-speed", type=float, default=60.0, help="simulated seconds per real second")
    parser.add_argument(
        "--public-url", default=None, help="base URL for links (default: from each request's Host header)"
    )
    parser.add_argument(
        "--allow-remote-control",
        action="store_true",
        help="allow /_sandbox control calls from non-loopback clients",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-request log lines")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = SandboxConfig(
        host=args.host,
        port=args.port,
        postings=args.postings,
        interviews_per_posting=args.interviews_per_posting,
        seed=args.seed,
        api_keys=tuple(args.api_keys or DEFAULT_KEYS),
        rate_limit=args.rate_limit,
        time_speed=args.time_speed,
        public_url=args.public_url,
        allow_remote_control=args.allow_remote_control,
        log_requests=not args.quiet,
    )
    server = SandboxServer(config).start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"HeyMilo sandbox running at {server.url} (API under {server.url}/api)", file=sys.stderr)
    for key in config.api_keys:
        print(f"  demo API key: {key}", file=sys.stderr)
    print("  Ctrl-C to stop", file=sys.stderr, flush=True)
    while not stop.wait(0.5):
        pass
    print("stopping sandbox...", file=sys.stderr, flush=True)
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
