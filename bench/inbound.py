"""Benchmark: inbound email and WhatsApp end to end, webhook → message row → agent websocket.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_100000 \\
        .venv/bin/python -m bench.inbound [--messages 1000] [--rate 100] [--concurrency 32]

Starts what production runs: uvicorn with the ASGI application (webhooks and websockets)
and a Celery worker on `celery,inbound` sized as `make run` sizes it, on the database and
Redis of the environment. An agent's queue socket (`/ws/tickets/`) listens; then a burst of
`--messages` webhooks, half Postmark inbound emails (`/anymail/postmark/inbound/`) and half
WhatsApp Cloud API messages (`/webhooks/meta/`, signed), each from a sender of its own, is
POSTed at `--rate` a second (from enough client threads that the client is not the limit:
a webhook answers in ~0.1 s, so 100/s needs a dozen in flight). Each webhook is matched to
its message row (by the provider message id) and to the `message.created` frame that named
that row.

Reported: the rate the webhooks were answered at, the messages a second end to end (from
the first POST to the last frame), p50/p95 of POST → frame, the lost (no row within
`--wait` seconds of the last POST), the rows never announced on the agent's socket (which
reconnects when dropped, as the desk does, and the drops are counted) and the doubled (two
rows for one webhook, or one row announced twice). The baseline beside it is the webhook's
own answer time: the part of the latency that is not the worker's. Not a test; its table
goes into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import harness

ROOT = Path(__file__).resolve().parent.parent
# The bench's own servers' secrets, set in their environment below.
EMAIL_SECRET = "bench:inbound-hook-secret"  # noqa: S105
META_SECRET = "bench-meta-app-secret"  # noqa: S105
WA_NUMBER_ID = "900000000000001"

harness.env_defaults(ANYMAIL_WEBHOOK_SECRET=EMAIL_SECRET, META_APP_SECRET=META_SECRET)


@dataclass
class Webhook:
    key: str
    channel: str
    path: str
    body: bytes
    headers: dict[str, str]
    posted: float = 0.0
    answered: float = 0.0
    status: int = 0


@dataclass
class Frames:
    """`message.created` frames by message id: the times each arrived."""

    seen: dict[int, list[float]] = field(default_factory=dict)
    drops: int = 0
    ready: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)


def _email(run: str, n: int) -> Webhook:
    key = f"bench-{run}-{n}@inbound.bench.example"
    sender = f"sender{n}.{run}@customers.bench.example"
    body = {
        "FromName": f"Bench customer {n}",
        "From": sender,
        "FromFull": {"Email": sender, "Name": f"Bench customer {n}", "MailboxHash": ""},
        "To": "support@helpdesk.example",
        "ToFull": [{"Email": "support@helpdesk.example", "Name": "", "MailboxHash": ""}],
        "OriginalRecipient": "support@helpdesk.example",
        "Subject": f"Order {n} has not arrived",
        "MessageID": str(uuid.uuid4()),
        "Date": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
        "TextBody": "Hello,\n\nmy order has not arrived yet. Could you look into it?\n",
        "HtmlBody": "",
        "Headers": [{"Name": "Message-ID", "Value": f"<{key}>"}],
        "Attachments": [],
        "MessageStream": "inbound",
    }
    auth = "Basic " + base64.b64encode(EMAIL_SECRET.encode()).decode()
    return Webhook(
        key, "email", "/anymail/postmark/inbound/", json.dumps(body).encode(),
        {"Content-Type": "application/json", "Authorization": auth},
    )  # fmt: skip


def _whatsapp(run: str, n: int) -> Webhook:
    key = f"wamid.bench-{run}-{n}"
    sender = f"3161{n % 10_000_000:07d}"  # a Dutch mobile number
    message = {
        "from": sender,
        "id": key,
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": "Hoi, mijn pakket is nog niet aangekomen."},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000001", "phone_number_id": WA_NUMBER_ID},
        "contacts": [{"profile": {"name": f"Bench {n}"}, "wa_id": sender}],
        "messages": [message],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "900000000000000", "changes": [{"value": value, "field": "messages"}]}],
    }
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return Webhook(
        key, "whatsapp", "/webhooks/meta/", body,
        {"Content-Type": "application/json", "X-Hub-Signature-256": signature},
    )  # fmt: skip


def _setup() -> str:
    """The WhatsApp account the webhooks are for and a signed-in agent: their session key."""
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from channels_inbox.models import SocialAccount
    from tickets.models import Team

    team = Team.objects.get_or_create(name="Bench social")[0]
    SocialAccount.objects.get_or_create(
        platform="whatsapp",
        external_id=WA_NUMBER_ID,
        defaults={"name": "Bench WhatsApp", "access_token": "bench-token", "team": team},
    )
    agent, created = User.objects.get_or_create(username="bench-inbound-agent")
    if created:
        agent.groups.add(Group.objects.get_or_create(name="Agents")[0])
    client = Client()
    client.force_login(agent)
    return client.cookies["sessionid"].value


def _start(port: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    """uvicorn and a worker as `make run` starts them, on this environment's services."""
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0", "QUIET": "1"}
    bin_dir = Path(sys.executable).parent
    commands = {
        "web": [str(bin_dir / "uvicorn"), "helpdesk.asgi:application", "--host", "127.0.0.1",
                "--port", str(port), "--no-access-log"],
        "worker": [str(bin_dir / "celery"), "-A", "helpdesk", "worker", "-l", "info",
                   "--concurrency", "2", "-Q", "celery,inbound"],
    }  # fmt: skip
    procs = []
    for name, command in commands.items():
        out = (logs / f"{name}.log").open("wb")
        procs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out))
    deadline = time.monotonic() + 90
    while not (_answers(port) and " ready." in (logs / "worker.log").read_text()):
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            _stop(procs)
            raise SystemExit(f"the server or the worker did not start; logs in {logs}")
        time.sleep(0.3)
    return procs


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
            return True
    except OSError:
        return False


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _listen(port: int, session: str, frames: Frames) -> None:
    """The agent's queue socket, in a thread of its own: each `message.created` frame's
    arrival time by message id."""
    import websockets

    async def receive(socket: Any) -> None:
        frames.ready.set()
        while not frames.stop.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            at = time.perf_counter()
            frame = json.loads(raw)
            if frame.get("event") == "message.created":
                message = int((frame.get("data") or {}).get("message", 0))
                frames.seen.setdefault(message, []).append(at)

    async def run() -> None:
        # Reconnects as the desk's live.js does; what was sent meanwhile is missed and
        # counted as not announced, and the drops are reported.
        while not frames.stop.is_set():
            try:
                async with websockets.connect(
                    f"ws://127.0.0.1:{port}/ws/tickets/",
                    additional_headers={"Cookie": f"sessionid={session}"},
                    origin=websockets.Origin(f"http://127.0.0.1:{port}"),
                    max_size=None,
                ) as socket:
                    await receive(socket)
            except (websockets.ConnectionClosed, OSError):
                frames.drops += 1
                await asyncio.sleep(0.5)

    asyncio.run(run())


def _post(port: int, hook: Webhook) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{hook.path}", data=hook.body, headers=hook.headers
    )
    hook.posted = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            hook.status = response.status
    except OSError as exc:
        hook.status = getattr(exc, "code", 0) or -1
    hook.answered = time.perf_counter()


def _burst(port: int, hooks: list[Webhook], rate: float, concurrency: int) -> None:
    """POST each webhook at its slot (`rate` a second) from a pool of `concurrency`."""
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for n, hook in enumerate(hooks):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(_post, port, hook)


def _rows(run: str) -> dict[str, list[int]]:
    """The message rows the burst made, by provider message id."""
    from tickets.models import Message

    rows: dict[str, list[int]] = {}
    query = Message.objects.filter(provider_message_id__contains=f"bench-{run}-")
    for pk, provider_id in query.values_list("pk", "provider_message_id"):
        rows.setdefault(provider_id.strip("<>"), []).append(pk)
    return rows


@dataclass
class Outcome:
    hooks: list[Webhook]
    rows: dict[str, list[int]]
    frames: Frames


def _wait(run: str, hooks: list[Webhook], frames: Frames, wait: float) -> None:
    """Until every webhook's row has been announced (or, all rows there, 10 s more for the
    frames), or `wait` seconds after the last POST."""
    deadline = max(hook.answered for hook in hooks) + wait
    complete = 0.0
    while time.perf_counter() < deadline:
        rows = _rows(run)
        announced = sum(1 for ids in rows.values() if any(pk in frames.seen for pk in ids))
        if announced >= len(hooks):
            return
        if len(rows) >= len(hooks):
            complete = complete or time.perf_counter()
            if time.perf_counter() - complete > 10:
                return
        time.sleep(0.5)


def row(channel: str, outcome: Outcome) -> str:
    hooks = [hook for hook in outcome.hooks if channel in ("all", hook.channel)]
    latencies, lost, unannounced, doubled = [], 0, 0, 0
    last_frame = 0.0
    for hook in hooks:
        ids = outcome.rows.get(hook.key, [])
        lost += not ids
        doubled += max(len(ids) - 1, 0)
        times = [t for pk in ids for t in outcome.frames.seen.get(pk, [])]
        doubled += max(len(times) - 1, 0)
        if not times:
            unannounced += bool(ids)
            continue
        latencies.append(min(times) - hook.posted)
        last_frame = max(last_frame, min(times))
    first = min(hook.posted for hook in hooks)
    answered = max(hook.answered for hook in hooks) - first
    span = last_frame - first if latencies else 0.0
    accepted = sum(1 for hook in hooks if 200 <= hook.status < 300)
    answer_times = [hook.answered - hook.posted for hook in hooks]
    cells = [
        channel,
        str(len(hooks)),
        f"{accepted / answered:.0f}" if answered else "-",
        f"{len(latencies) / span:.0f}" if span else "-",
        *(
            (f"{harness.ms(latencies, 0.5):.0f}", f"{harness.ms(latencies, 0.95):.0f}")
            if latencies else ("-", "-")
        ),
        f"{harness.ms(answer_times, 0.5):.0f} / {harness.ms(answer_times, 0.95):.0f}",
        str(lost),
        str(unannounced),
        str(doubled),
        str(len(hooks) - accepted),
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000, help="webhooks, half each kind")
    parser.add_argument("--rate", type=float, default=100.0, help="webhooks POSTed a second")
    parser.add_argument("--concurrency", type=int, default=32, help="client threads")
    parser.add_argument("--wait", type=float, default=120.0, help="seconds after the last POST")
    return parser


def _drained(timeout: float = 120.0) -> None:
    """Wait for the broker's queues to empty: tasks an interrupted run left behind would
    otherwise be worked off during this burst and count against it."""
    import redis
    from django.conf import settings

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    deadline = time.monotonic() + timeout
    while (waiting := sum(int(broker.llen(q)) for q in ("inbound", "celery"))) > 0:
        if time.monotonic() > deadline:
            harness.say(f"note: {waiting} tasks still queued before the burst")
            return
        time.sleep(0.5)


def _measure(args: argparse.Namespace, port: int, session: str) -> Outcome:
    run = uuid.uuid4().hex[:8]
    _drained()
    hooks = [(_email if n % 2 else _whatsapp)(run, n) for n in range(args.messages)]
    frames = Frames()
    listener = threading.Thread(target=_listen, args=(port, session, frames), daemon=True)
    listener.start()
    if not frames.ready.wait(30):
        raise SystemExit("the agent's websocket did not open")
    _burst(port, hooks, args.rate, args.concurrency)
    _wait(run, hooks, frames, args.wait)
    time.sleep(1)  # a doubled frame would come right behind the first
    frames.stop.set()
    listener.join(5)
    return Outcome(hooks, _rows(run), frames)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    import tempfile

    import django

    django.setup()
    from helpdesk.dev import free_port

    session = _setup()
    port = free_port()
    logs = Path(tempfile.mkdtemp(prefix="bench-inbound-"))
    procs = _start(port, logs)
    try:
        outcome = _measure(args, port, session)
    finally:
        _stop(procs)
    harness.say(
        f"{args.messages} webhooks at {args.rate:.0f}/s, {args.concurrency} client threads;"
        f" one uvicorn, one worker (concurrency 2); the agent's socket dropped"
        f" {outcome.frames.drops} times; logs in {logs}"
    )
    harness.table_header(
        "channel", "webhooks", "answered /s", "end to end msg/s", "POST → websocket p50 ms",
        "p95 ms", "webhook answer ms (p50 / p95)", "lost (no row)", "row not on the socket",
        "doubled", "refused",
    )  # fmt: skip
    for channel in ("email", "whatsapp", "all"):
        harness.say(row(channel, outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main())
