"""The Procfile's gunicorn worker spreads new connections over the workers with a thread free."""

import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.common import free_port
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[1]

# Each request waits for the test's "go" file, so the test decides when threads become free.
HOLDING_APP = '''
import os, time
from pathlib import Path

HERE = Path(__file__).parent


def app(environ, start_response):
    (HERE / f"arrived-{os.getpid()}-{time.monotonic_ns()}").touch()
    deadline = time.monotonic() + 60
    while not (HERE / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


def procfile_web_args() -> list[str]:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    args = line.removeprefix("web:").split()
    return args[args.index("--worker-class"):args.index("--worker-class") + 2]


def listening(port: int) -> bool:
    """Whether something listens on the port, read from /proc: a test connection would take a thread."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return any(int(f[1].rsplit(":", 1)[1], 16) == port and f[3] == "0A" for f in map(str.split, lines))


def read_response(sock: socket.socket) -> tuple[int, str]:
    data = b""
    while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1]:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    return int(head.split()[1]), body.decode()


def test_a_worker_with_every_thread_busy_leaves_new_connections_to_the_others(tmp_path):
    (tmp_path / "holding_app.py").write_text(HOLDING_APP)
    worker_class = procfile_web_args()
    assert worker_class == ["--worker-class", "dashboard.web_worker.BalancedThreadWorker"]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "holding_app:app", "--pythonpath", str(tmp_path),
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2", *worker_class,
         "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    clients = []
    try:
        wait_for(lambda: listening(port) or server.poll() is not None, timeout=30, message="gunicorn")
        assert server.poll() is None, "gunicorn exited at start"
        # Five kept-alive connections at once to two workers of two threads each: four requests
        # are held, two in each worker, and the fifth waits in the listen queue, not refused.
        for _ in range(5):
            sock = socket.create_connection(("127.0.0.1", port), timeout=60)
            sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            clients.append(sock)

        def arrivals() -> Counter:
            return Counter(p.name.split("-")[1] for p in tmp_path.glob("arrived-*"))

        wait_for(lambda: sum(arrivals().values()) == 4, timeout=30, message="four requests held")
        assert sorted(arrivals().values()) == [2, 2]  # plain gthread may let one worker take all five

        (tmp_path / "go").touch()
        answers = [read_response(sock) for sock in clients]
        assert [status for status, _ in answers] == [200] * 5
        assert len({pid for _, pid in answers}) == 2
    finally:
        for sock in clients:
            sock.close()
        server.terminate()
        server.wait(30)
