"""Where the client may send an API key: the base URL's shape, and the addresses it connects to.

A base URL is chosen by whoever administers a team, so it must not be a way to send the key (or
any request) to this machine, the private network or a cloud metadata service. AddressPolicy
decides; GuardedAdapter applies it to the address every new connection is about to be made to,
after DNS, so a name that changes to a private address (DNS rebinding) is refused as well.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import urllib3.util.connection
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from heymilo.errors import AddressNotAllowed

__all__ = ["AddressPolicy", "GuardedAdapter", "address_kind"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services hand out credentials to whoever asks from inside the instance. Most
# live at link-local or private addresses caught anyway; Azure's wire server is a public one.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "168.63.129.16", "100.100.100.200")
)

# Letters, digits and - . _ ~ in plain segments: enough for any API prefix, nothing that could
# reshape the URL the client appends endpoint paths to (no %, ;, \ or dot segments).
PATH_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")


def address_kind(address: str | IPAddress) -> str | None:
    """Why the key may not go to this IP ("private", "loopback", ...), or None if it may."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.5 reaches 10.0.0.5
    if ip in METADATA_ADDRESSES:
        return "cloud metadata"
    for kind, flag in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if flag:
            return kind
    # What remains non-global is shared or special-purpose space (100.64.0.0/10, ...).
    return None if ip.is_global else "non-public"


def literal_addresses(host: str) -> list[str] | None:
    """The addresses a host written as an IP means, in any form the resolver accepts (127.1,
    2130706433, 0x7f.1 are all 127.0.0.1), without a DNS query; None for a name."""
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return _unique(str(info[4][0]) for info in infos)


class AddressPolicy:
    """Which base URLs and addresses a client may use.

    `allowed_hosts` lists hosts ("sandbox.internal") or host:port pairs ("127.0.0.1:8765",
    "[::1]:8765") that may use plain http and may be private: a local sandbox, an internal proxy.
    Everything else must be https to a public address.
    """

    def __init__(self, allowed_hosts: Iterable[str] = ()):
        self.allowed: set[tuple[str, int | None]] = set()
        for entry in allowed_hosts:
            entry = entry.strip().lower()
            if entry:
                self.allowed.add(_split_host_port(entry))

    def __repr__(self) -> str:
        return f"AddressPolicy(allowed_hosts={sorted(map(str, self.allowed))!r})"

    def allows_host(self, host: str, port: int | None) -> bool:
        host = _normal_host(host)
        return (host, None) in self.allowed or (host, port) in self.allowed

    def base_url_problem(self, url: str) -> str | None:
        """What is wrong with `url` as a base URL, in a sentence for the person who typed it;
        None when it is fine. Addresses written as IPs are checked here; names are checked
        when connecting, since what they resolve to can change after saving."""
        if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
            return "Remove the spaces or invisible characters from the address."
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return "The address's port is not a number from 1 to 65535."
        scheme = parts.scheme.lower()
        host = _normal_host(parts.hostname or "")
        if scheme not in ("http", "https"):
            return "Use an https:// address."
        if not host:
            return "The address names no host."
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            return "Remove the user name or password from the address."
        if "?" in url:
            return "Remove the ?query from the address."
        if "#" in url:
            return "Remove the #fragment from the address."
        path = parts.path
        segments = [s for s in path.split("/") if s]
        if not set(path) <= PATH_CHARACTERS or any(s in (".", "..") for s in segments):
            return "The address's path may hold only letters, digits, - . _ ~ and /."
        allowed = self.allows_host(host, port or (443 if scheme == "https" else 80))
        if scheme == "http" and not allowed:
            return (
                "Use https://: plain http:// would send the API key unencrypted "
                "(it is only allowed for hosts on the operator's allow-list)."
            )
        if allowed:
            return None
        if host == "localhost" or host.endswith(".localhost"):
            return f"{host} is a loopback address: not allowed."
        for address in literal_addresses(host) or ():
            kind = address_kind(address)
            if kind:
                return f"{address} is {_a(kind)} address: not allowed."
        return None

    def check_connection(self, host: str, port: int | None, addresses: list[str]) -> None:
        """Raise AddressNotAllowed unless every address `host` resolved to may be connected to.

        Refusing when any of them is disallowed (rather than picking the good ones) leaves a
        name that mixes public and private answers nothing to play with.
        """
        if self.allows_host(host, port):
            return
        for address in addresses:
            kind = address_kind(address)
            if kind is None:
                continue
            shown = _normal_host(host)
            where = f"{address} is" if shown == address else f"{shown} resolves to {address},"
            raise AddressNotAllowed(
                f"{where} {_a(kind)} address: not allowed",
                host=shown,
                address=address,
            )

    def resolve_and_check(self, host: str, port: int) -> list[str]:
        """Resolve `host` and check every address; the addresses, to connect to these and no
        others (a second lookup might answer differently)."""
        if self.allows_host(host, port):
            return []
        infos = socket.getaddrinfo(
            host.strip("[]"),
            port,
            urllib3.util.connection.allowed_gai_family(),
            socket.SOCK_STREAM,
        )
        addresses = _unique(str(info[4][0]) for info in infos)
        self.check_connection(host, port, addresses)
        return addresses


# The mixin is only ever combined with HTTPConnection or HTTPSConnection (GuardedAdapter builds
# both); the type checker sees it as an HTTPConnection so its attributes and super() are typed.
if TYPE_CHECKING:
    _ConnectionBase = HTTPConnection
else:
    _ConnectionBase = object


class _GuardedConnectionMixin(_ConnectionBase):
    """Resolves the host, lets the policy refuse, then connects to exactly the checked addresses.

    Replaces urllib3's HTTPConnection._new_conn (which resolves and connects in one step) and
    raises the same urllib3 errors for a name that does not resolve or a refused connection, so
    callers see ordinary connection failures for those.
    """

    address_policy: AddressPolicy

    def _new_conn(self) -> socket.socket:
        host, port = self.host, self.port
        if self.address_policy.allows_host(host, port):
            return super()._new_conn()
        try:
            addresses = self.address_policy.resolve_and_check(self._dns_host, port)
        except socket.gaierror as e:
            raise NameResolutionError(host, self, e) from e
        error: OSError | None = None
        for address in addresses:
            try:
                return urllib3.util.connection.create_connection(
                    (address, port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as e:
                raise ConnectTimeoutError(
                    self, f"Connection to {host} timed out. (connect timeout={self.timeout})"
                ) from e
            except OSError as e:
                error = e
        raise NewConnectionError(
            self, f"Failed to establish a new connection: {error or 'no address'}"
        ) from error


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose every new connection goes through an AddressPolicy.

    Through an HTTP proxy the connection is to the proxy, which resolves the target itself: the
    target is then resolved and checked here just before sending, and the proxy should refuse
    private addresses too.
    """

    def __init__(self, policy: AddressPolicy, **kwargs: Any):
        self.address_policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        attrs = {"address_policy": self.address_policy}
        http = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), attrs)
        https = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), attrs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        proxies = kwargs.get("proxies") or (args[4] if len(args) > 4 else None)
        url = request.url or ""
        if proxies and requests.utils.select_proxy(url, proxies):
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            try:
                self.address_policy.resolve_and_check(parts.hostname or "", port)
            except socket.gaierror as e:
                raise requests.ConnectionError(f"cannot resolve {parts.hostname}: {e}") from e
        return super().send(request, *args, **kwargs)


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _split_host_port(entry: str) -> tuple[str, int | None]:
    """'host', 'host:port', '[v6]', '[v6]:port' or a bare IPv6 address."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, port = entry.split(":")
    else:
        host, port = entry, ""
    if port and not port.isdigit():
        raise ValueError(f"{entry!r} is not a host or host:port")
    return _normal_host(host), int(port) if port else None


def _unique(values: Iterable[str]) -> list[str]:
    # Callers pass str(sockaddr[0]): the host is a str for AF_INET and AF_INET6, the only families
    # asked for (typeshed's sockaddr union also covers families whose first item is an int).
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value.split("%")[0], None)  # fe80::1%eth0: the scope is not the address
    return list(seen)
