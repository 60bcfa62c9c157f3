"""A tiny HTTP listener that records every connection and request it gets: proof of what a
client sent (or that it sent nothing) to an address it should not reach."""

import contextlib
import socket
import threading


class RecordingListener:
    """Accepts connections on `host` (a random port), records each one and the bytes of its
    request, and answers every request with `status` and `body`."""

    def __init__(self, host="127.0.0.1", status=200, body=b"{}", content_type="application/json", headers=()):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.server = socket.socket(family, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind((host, 0))
        self.server.listen(16)
        self.host, self.port = host, self.server.getsockname()[1]
        self.status, self.body, self.content_type = status, body, content_type
        self.headers = list(headers)
        self.connections = 0
        self.requests: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def received_key(self, key: str) -> bool:
        return any(key.encode() in request for request in self.requests)

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
                if data:
                    self.requests.append(data)
                body = self.body if isinstance(self.body, bytes) else self.body.encode()
                head = [
                    f"HTTP/1.1 {self.status} X",
                    f"Content-Type: {self.content_type}",
                    f"Content-Length: {len(body)}",
                    "Connection: close",
                    *self.headers,
                ]
                with contextlib.suppress(OSError):
                    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def close(self):
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting in the thread
        self.server.close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def local_private_name():
    """(name, address): this machine's own host name and the non-public address it resolves to
    here (127.0.0.1 in many sandboxes, the container's 172.x in Docker), or None. A real name
    whose DNS answer is private, as if a base URL's DNS had been changed to point inside."""
    import ipaddress

    name = socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return None
    for info in infos:
        address = info[4][0]
        if not ipaddress.ip_address(address).is_global:
            try:
                with socket.socket() as probe:
                    probe.bind((address, 0))  # one of this machine's own addresses
            except OSError:
                continue
            return name, address
    return None
