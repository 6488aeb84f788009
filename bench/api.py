"""Benchmark: the REST API's reads at scale under gunicorn, each beside a plain view that runs
the very SQL the API request ran.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_desk1m \\
        .venv/bin/python -m bench.api [--rounds 200] [--concurrency 2] [--workers 2]
    ... -m bench.api --in-process      # Django's test client in this process, no HTTP

Runs against a database filled by `manage.py seed_scale --tickets N`. Each scenario's
statements are captured on a warm-up request in this process; then one gunicorn (sync
workers, the app's own pooled connections, the bench URL conf: the site plus
`/bench/plain/<key>/`) serves both sides over HTTP to a small threaded client. The API
request goes through everything a client meets (token authentication, the agent check,
throttling, filters, pagination, serializers); the plain view, behind the same middleware,
replays the captured statements and returns the rows as JSON. Ratio: the API's requests per
second over the plain view's, so 1.0 means the API costs no more than its SQL. The two sides
run in alternating halves so a drift in the machine's load touches both. Not a test; its
table goes into docs/benchmarks.md.

Importing this module does nothing: gunicorn reaches `application` and Django the URL conf
`urlpatterns` lazily (module `__getattr__`).
"""

from __future__ import annotations

import argparse
import base64
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
# Where the gunicorn workers find the statements their plain views replay.
PLAIN_FILE_ENV = "BENCH_API_PLAIN"
BENCH_USER = "bench-api-agent"
Statement = tuple[str, Any]
_plain: dict[str, list[Statement]] = {}


def _env_defaults() -> None:
    defaults = {
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/helpdesk_desk1m",
        "HELPDESK_DEV": "1",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        # One bench user makes thousands of requests a minute: the user throttle (600/min)
        # would turn them into 429s. The throttle's cache reads still happen.
        "API_THROTTLE_USER": "100000000/min",
        "DATABASE_POOL_MAX": "4",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)


def __getattr__(name: str) -> Any:
    if name == "urlpatterns":
        return _urls()
    if name == "application":
        return _wsgi_application()
    raise AttributeError(name)


def _urls() -> list[Any]:
    from django.urls import path

    from helpdesk.urls import urlpatterns as site

    return [path("bench/plain/<str:name>/", plain_view), *site]


def _wsgi_application() -> Any:
    """What gunicorn serves: the site under this module's URL conf, DEBUG off."""
    _env_defaults()
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def plain_view(request: Any, name: str) -> Any:
    """The baseline: the statements the API request ran, rows returned as JSON."""
    from django.db import connection
    from django.http import JsonResponse

    if not _plain:
        _plain.update(pickle.loads(Path(os.environ[PLAIN_FILE_ENV]).read_bytes()))  # noqa: S301
    rows: list[Any] = []
    with connection.cursor() as cursor:
        for sql, params in _plain[name]:
            cursor.execute(sql, params)
            if cursor.description:
                rows.append([list(map(str, row)) for row in cursor.fetchall()])
    return JsonResponse({"rows": rows})


def _say(text: str) -> None:
    print(text, flush=True)  # noqa: T201


# --- The data the scenarios read ----------------------------------------------------------


def _bench_token() -> str:
    """A fresh API token of an agent (Agents group, no team: the visibility rule applies)."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    user, created = User.objects.get_or_create(username=BENCH_USER)
    if created:
        user.groups.add(Group.objects.get_or_create(name="Agents")[0])
    Token.objects.filter(user=user).delete()
    return str(Token.objects.create(user=user).key)


def _one(sql: str, params: list[Any] | None = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        row = cursor.fetchone()
    return row[0] if row else None


def _deep_cursor() -> str:
    """DRF's cursor for the list page half-way down (at most 500,000 tickets in)."""
    total = _one("SELECT count(*) FROM tickets_ticket WHERE merged_into_id IS NULL")
    position = _one(
        "SELECT id FROM tickets_ticket WHERE merged_into_id IS NULL ORDER BY id DESC "
        "OFFSET %s LIMIT 1",
        [min(500_000, total // 2)],
    )
    token = base64.b64encode(urlencode({"p": str(position)}).encode()).decode()
    return quote(token)


def _nth(table: str, column: str, where: str, n: int, order: str = "id") -> Any:
    """`column` of the n-th matching row in `order`, or of the middle one of a smaller set
    (the CI smoke runs on a few hundred tickets)."""
    # The names are this module's own literals, never input.
    count = _one(f"SELECT count(*) FROM {table} WHERE {where}")  # noqa: S608
    return _one(
        f"SELECT {column} FROM {table} WHERE {where} ORDER BY {order} LIMIT 1 OFFSET %s",  # noqa: S608
        [min(n, count // 2)],
    )


def _fragments() -> dict[str, str]:
    """Search terms as an agent types them, from real rows: a whole email address, a part
    of a surname, the middle of a phone number, a part of a Facebook id."""
    identity = "customers_identity"
    email = _nth(identity, "value", "kind = 'email'", 777)
    name = _nth("customers_customer", "name", "name LIKE '%% %%'", 4321)
    phone = _nth(identity, "value", "kind = 'phone'", 555)
    facebook = _nth(identity, "value", "kind = 'facebook'", 333)
    surname = str(name).rsplit(" ", 1)[-1]
    return {
        "email": str(email),
        "name": surname[1:6].lower(),
        "phone": str(phone)[-8:-1],
        "identity": str(facebook)[-9:],
    }


def scenarios() -> list[tuple[str, str]]:
    busiest = _one(
        "SELECT ticket_id FROM tickets_message GROUP BY ticket_id ORDER BY count(*) DESC LIMIT 1"
    )
    typical = _nth("tickets_ticket", "id", "true", 5000, order="id DESC")
    terms = _fragments()
    api = "/api/v1"
    search = [
        (f"customer search: {kind} ({term})", f"{api}/customers/?q={quote(term)}")
        for kind, term in terms.items()
    ]
    return [
        ("ticket list", f"{api}/tickets/"),
        ("list, status=open", f"{api}/tickets/?status=open"),
        ("list, status=open&status=pending", f"{api}/tickets/?status=open&status=pending"),
        ("list, channel=whatsapp", f"{api}/tickets/?channel=whatsapp"),
        ("list, deep keyset page", f"{api}/tickets/?cursor={_deep_cursor()}"),
        ("ticket detail", f"{api}/tickets/{typical}/"),
        ("messages", f"{api}/tickets/{typical}/messages/"),
        ("messages, longest, page_size=200", f"{api}/tickets/{busiest}/messages/?page_size=200"),
        ("events, longest", f"{api}/tickets/{busiest}/events/"),
        *search,
    ]


# --- Capture: the statements each request runs -----------------------------------------


def capture(client: Any, url: str, token: str) -> list[Statement]:
    """One warm-up request, then one recorded: every statement with its parameters."""
    from django.db import connection

    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    client.get(url, **headers)
    statements: list[Statement] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url, **headers)
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
    return statements


# --- Timing --------------------------------------------------------------------------------


@dataclass
class Side:
    seconds: list[float]
    wall: float

    @property
    def rps(self) -> float:
        return len(self.seconds) / self.wall if self.wall else 0.0

    def ms(self, q: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    def add(self, other: Side) -> Side:
        return Side(self.seconds + other.seconds, self.wall + other.wall)


@dataclass
class Result:
    name: str
    queries: int
    api: Side
    plain: Side

    def row(self) -> str:
        ratio = self.api.rps / self.plain.rps if self.plain.rps else 0.0
        return (
            f"| {self.name} | {self.queries} | {self.api.rps:.0f} | {self.api.ms(0.5):.1f}"
            f" | {self.api.ms(0.95):.1f} | {self.plain.rps:.0f} | {self.plain.ms(0.5):.1f}"
            f" | {self.plain.ms(0.95):.1f} | {ratio:.2f}x |"
        )


HEADER = (
    "| scenario | queries | API req/s | API p50 ms | API p95 ms | plain req/s | plain p50 ms"
    " | plain p95 ms | ratio (req/s) |\n|---|---|---|---|---|---|---|---|---|"
)


def _http_get(conn: HTTPConnection, url: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    conn.request("GET", url, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise RuntimeError(f"{url}: {response.status}")
    return elapsed


def http_load(port: int, url: str, headers: dict[str, str], rounds: int, threads: int) -> Side:
    """`rounds` GETs from `threads` threads at once, each on its own connection."""
    seconds: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    share = [rounds // threads + (1 if n < rounds % threads else 0) for n in range(threads)]

    def worker(count: int) -> None:
        conn = HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            mine = [_http_get(conn, url, headers) for _ in range(count)]
        except BaseException as exc:  # reported by the caller, not lost in a thread
            errors.append(exc)
            return
        finally:
            conn.close()
        with lock:
            seconds.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(count,)) for count in share]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]
    return Side(seconds, time.perf_counter() - started)


def _measure_http(
    port: int, api_url: str, plain_url: str, token: str, args: Any
) -> tuple[Side, Side]:
    auth = {"Authorization": f"Token {token}"}
    for url in (api_url, plain_url):  # warm each worker's plans and caches
        http_load(port, url, auth, 4 * args.workers, args.concurrency)
    api, plain = Side([], 0.0), Side([], 0.0)
    half = max(1, args.rounds // 2)
    for _ in range(2):
        api = api.add(http_load(port, api_url, auth, half, args.concurrency))
        plain = plain.add(http_load(port, plain_url, auth, half, args.concurrency))
    return api, plain


def _measure_in_process(
    client: Any, api_url: str, plain_url: str, token: str, args: Any
) -> tuple[Side, Side]:
    def run(url: str) -> Side:
        seconds = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            response = client.get(url, HTTP_AUTHORIZATION=f"Token {token}")
            seconds.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
        return Side(seconds, sum(seconds))

    return run(api_url), run(plain_url)


# --- gunicorn ---------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(plain_file: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**os.environ, PLAIN_FILE_ENV: str(plain_file), "DATABASE_POOL": "1"}
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "bench.api:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return server, port
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn exited") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not start in 60 s")


# --- Main ---------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.api", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="requests per side per scenario")
    parser.add_argument("--concurrency", type=int, default=2, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--size", type=int, default=0, help="the tickets expected (0: any)")
    parser.add_argument("--only", default="", help="the scenarios whose name contains this")
    parser.add_argument("--in-process", action="store_true", help="test client, no gunicorn")
    return parser


def _setup(args: Any) -> tuple[int, int]:
    _env_defaults()
    os.environ.setdefault("DATABASE_POOL", "0")
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    from django.test.utils import setup_test_environment

    setup_test_environment()
    tickets = int(_one("SELECT count(*) FROM tickets_ticket"))
    messages = int(_one("SELECT reltuples::bigint FROM pg_class WHERE relname = 'tickets_message'"))
    if args.size and abs(tickets - args.size) > args.size // 10:
        _say(f"warning: {tickets:,} tickets in the database, --size says {args.size:,}")
    return tickets, messages


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    tickets, messages = _setup(args)
    from django.test import Client

    client = Client()
    token = _bench_token()
    chosen = [(name, url) for name, url in scenarios() if args.only in name]
    captured: dict[str, list[Statement]] = {}
    for n, (_name, url) in enumerate(chosen):
        captured[f"s{n}"] = capture(client, url, token)
    how = (
        "in-process"
        if args.in_process
        else f"gunicorn {args.workers} workers, {args.concurrency} client threads"
    )
    _say(f"{tickets:,} tickets, ~{messages:,} messages; {args.rounds} requests a side; {how}")
    _say(HEADER)
    with tempfile.TemporaryDirectory() as folder:
        plain_file = Path(folder) / "plain.pickle"
        plain_file.write_bytes(pickle.dumps(captured))
        os.environ[PLAIN_FILE_ENV] = str(plain_file)
        server = None
        if not args.in_process:
            server, port = start_gunicorn(plain_file, args.workers)
        try:
            for n, (name, url) in enumerate(chosen):
                plain_url = f"/bench/plain/s{n}/"
                if server is None:
                    api, plain = _measure_in_process(client, url, plain_url, token, args)
                else:
                    api, plain = _measure_http(port, url, plain_url, token, args)
                _say(Result(name, len(captured[f"s{n}"]), api, plain).row())
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
