"""Shared set-up for benchmarks: a throwaway Django database and a sandbox subprocess."""

import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# BENCH_SCALE=100000 runs the benches at a larger team beside the default 10,000 (opt-in: slow).
SCALE = int(os.environ.get("BENCH_SCALE", "0")) or None
CACHE_DIR = ROOT / "var" / "bench"


def setup_django(database_url: str | None = None) -> Path:
    """Points Django at a fresh SQLite file (or DATABASE_URL) and migrates it."""
    workdir = Path(tempfile.mkdtemp(prefix="hmd-bench-"))
    os.environ.setdefault("VAR_DIR", str(workdir))
    os.environ.setdefault("DATABASE_URL", database_url or f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    # Production mode, as workers run: with DEBUG on, Django keeps every query in memory.
    os.environ.setdefault("DEBUG", "0")
    # The access line per request (dashboard/ops) would drown the figures and time the terminal.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x7!Lq2#vR9@pZ4$wT6^kM8&nB1*cF3(hJ5)dG0")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "q9nJgC7kcmhxr0D3xN2uUuVuq4wDdPbIqgk0rjM2Jf0=")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    # Production mode allows no private base URL; the benches' sandbox runs on loopback.
    os.environ.setdefault("HEYMILO_ALLOWED_HOSTS", "127.0.0.1")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    # Production static storage serves hashed names from the manifest collectstatic writes.
    call_command("collectstatic", verbosity=0, interactive=False)
    return workdir


def setup_cached_django(name: str, build) -> bool:
    """Django on a database that keeps what build() made, for the next run: a SQLite file under
    var/bench/, or with BENCH_DATABASE_URL a PostgreSQL database of its own beside the one named
    (its name plus _name). build() runs in a database named ..._building, renamed when it returns,
    so an interrupted build is started again rather than measured. Returns True when it built."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        base, _, database = url.rpartition("/")
        final = f"{database}_{name.replace('-', '_')}"
        with _postgres_admin(base) as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [final])
            if cursor.fetchone():
                setup_django(f"{base}/{final}")
                return False
            cursor.execute(f'DROP DATABASE IF EXISTS "{final}_building"')
            cursor.execute(f'CREATE DATABASE "{final}_building"')
        setup_django(f"{base}/{final}_building")
    else:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        final_path = CACHE_DIR / f"{name}.sqlite3"
        if final_path.exists():
            setup_django(f"sqlite:///{final_path}")
            return False
        building_path = CACHE_DIR / f"{name}.building.sqlite3"
        building_path.unlink(missing_ok=True)
        setup_django(f"sqlite:///{building_path}")
    from django.db import connection

    build()
    connection.close()
    if url:
        with _postgres_admin(base) as cursor:
            cursor.execute(f'ALTER DATABASE "{final}_building" RENAME TO "{final}"')
        connection.settings_dict["NAME"] = final
    else:
        os.replace(building_path, final_path)
        connection.settings_dict["NAME"] = str(final_path)
    return True


@contextmanager
def _postgres_admin(base_url: str):
    """A cursor on the server's postgres database (autocommit: CREATE and ALTER DATABASE)."""
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as admin:
        yield admin.cursor()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tcp_socket_inodes(port: int, state: str) -> set[str]:
    """Inodes of this machine's TCP sockets on a local port in a state ("01" established, "0A"
    listening), from /proc: looking with a connection of our own would change what we look at."""
    inodes = set()
    for table_file in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table_file).read_text().splitlines()[1:]:
            fields = line.split()
            # local address (hex ip:port), state and inode: fields 1, 3 and 9 of proc(5)'s table
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    return inodes


def procfile_command(name: str) -> list[str]:
    """The Procfile's `name:` line (what production runs) as an argument list. Only a `${VAR:-x}`
    default needs a shell, so lines using one are not for this."""
    line = next(
        (line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith(f"{name}:")), None
    )
    if line is None:
        raise RuntimeError(f"the Procfile has no {name}: line")
    args = shlex.split(line.split(":", 1)[1])
    if any("$" in arg for arg in args):
        raise RuntimeError(f"the Procfile's {name}: line needs a shell: {args}")
    return args


def procfile_web_options(skip: tuple[str, ...] = ()) -> list[str]:
    """The options of the Procfile's `web:` gunicorn line (what production runs), less the ones
    named in skip, each with its value."""
    line = next(
        (line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")), None
    )
    if line is None:
        raise RuntimeError("the Procfile has no web: line")
    args = line.split(":", 1)[1].split()
    assert args[:2] == ["gunicorn", "dashboard.wsgi"], args
    kept, it = [], iter(args[2:])
    for arg in it:
        if arg in skip:
            next(it)
        else:
            kept.append(arg)
    return kept


@contextmanager
def sandbox(*args: str):
    """`python -m heymilo.sandbox` on a free port; yields its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "heymilo.sandbox", "--port", str(port), "--quiet", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("the sandbox did not start") from None
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def reference_workload(steps: int = 20_000) -> int:
    """A fixed piece of pure-Python work (dict and str operations, about 8 ms here when the
    machine is quick): timing it beside a bench's requests shows the machine's own noise."""
    words: dict[str, int] = {}
    for n in range(steps):
        words[str(n % 997)] = words.get(str(n % 997), 0) + n
    return len(words)


def machine_reference_ms() -> list[float]:
    """Times of a fixed pure-Python workload on this machine, seven of them, sorted.

    Figures in milliseconds only compare across machines, or across runs on a shared machine
    whose speed drifts, next to these: on the 2-CPU machines here the same workload has taken
    from 75 to 145 ms within a minute, and every figure of a bench moves with it.
    """
    times = []
    for _ in range(7):
        started = time.perf_counter()
        reference_workload(200_000)
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def table(rows: list[tuple[str, str, str]]) -> None:
    reference = machine_reference_ms()
    rows = [
        *rows,
        (
            "machine reference",
            f"{statistics.median(reference):.0f} ms",
            f"a fixed Python workload: median of 7, {reference[0]:.0f}–{reference[-1]:.0f} ms "
            f"({os.cpu_count()} CPUs; lower is faster)",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:>14}  {target}")
