"""The Procfile's gunicorn worker spreads new connections over the workers with a thread free."""

import subprocess
import sys
from collections import Counter
from http.client import HTTPConnection
from pathlib import Path

from bench.common import free_port, procfile_web_options, tcp_socket_inodes
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[1]

# Each request waits (polling, at most 60 s) for the test's "go" file: gunicorn runs it in other
# processes, and a file is what both sides can see. So the test decides when threads become free.
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


def test_a_worker_with_every_thread_busy_leaves_new_connections_to_the_others(tmp_path):
    (tmp_path / "holding_app.py").write_text(HOLDING_APP)
    options = procfile_web_options()
    worker_class = options[options.index("--worker-class"):options.index("--worker-class") + 2]
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
        wait_for(lambda: tcp_socket_inodes(port, "0A") or server.poll() is not None, timeout=30,
                 message="gunicorn listening")
        assert server.poll() is None, "gunicorn exited at start"
        # Five kept-alive connections at once to two workers of two threads each: four requests
        # are held, two in each worker, and the fifth waits in the listen queue, not refused.
        for _ in range(5):
            client = HTTPConnection("127.0.0.1", port, timeout=60)
            client.request("GET", "/")  # sent now; the answer is read after "go"
            clients.append(client)

        def arrivals() -> Counter:
            return Counter(p.name.split("-")[1] for p in tmp_path.glob("arrived-*"))

        wait_for(lambda: sum(arrivals().values()) == 4, timeout=30, message="four requests held")
        assert sorted(arrivals().values()) == [2, 2]  # plain gthread may let one worker take all five

        (tmp_path / "go").touch()
        answers = [client.getresponse() for client in clients]
        assert [answer.status for answer in answers] == [200] * 5
        assert len({answer.read() for answer in answers}) == 2  # each body is its worker's pid
    finally:
        for client in clients:
            client.close()
        server.terminate()
        server.wait(30)
