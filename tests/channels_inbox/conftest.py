from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.waiting import wait_until

DOVECOT_CONF = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
default_login_user = {login_user}
default_internal_user = {internal_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def imap_server():
    """A real Dovecot IMAP server on a loopback port with one user; .ci/run installs
    Debian's dovecot-imapd."""
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if binary is None:
        message = "Dovecot is not installed: apt-get install dovecot-imapd (as .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Not under pytest's tmp dir: its parents are private to us, and Dovecot's own users
    # (auth, mail) must read the users file and write the maildirs.
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir()
    for path in (root, *root.iterdir()):
        os.chmod(path, 0o777)  # noqa: S103 - a throwaway test server's own directory
    (root / "users").write_text("support@shop.test:{PLAIN}imap-secret\n")
    user = "dovecot" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(
            root=root,
            port=port,
            login_user="dovenull" if os.geteuid() == 0 else user,
            internal_user=user,
            mail_user=user,
        )
    )
    proc = subprocess.Popen(
        [binary, "-c", str(conf), "-F"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        log = root / "dovecot.log"
        pytest.fail(f"Dovecot did not start: {log.read_text() if log.exists() else ''}")
    try:
        yield {
            "host": "127.0.0.1",
            "port": port,
            "username": "support@shop.test",
            "password": "imap-secret",
        }
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def process_on_worker(worker):
    """Hand a stored receipt to a real worker process (as the webhook's task would) and wait
    until it leaves the pending states; fails with the worker's log if it is not done."""
    from channels_inbox.models import ReceiptState
    from helpdesk.celery import app

    queue, log = worker
    app.conf.task_always_eager = False

    def process(receipt):
        app.send_task("channels_inbox.process_receipt", args=[receipt.pk], queue=queue)

        def processed() -> bool:
            receipt.refresh_from_db()
            return receipt.state not in (ReceiptState.PENDING, ReceiptState.PROCESSING)

        wait_until(
            processed,
            timeout=30,
            message=lambda: f"receipt {receipt.pk} to be processed; worker log:\n{log.read_text()}",
        )
        assert receipt.state == ReceiptState.DONE, log.read_text()
        return receipt

    return process


# --- Meta (Messenger, Instagram, WhatsApp): used by the test_meta_*, test_messenger,
# test_instagram and test_whatsapp modules, which opt in to meta_settings and clock. ---------


@pytest.fixture
def meta_settings(settings):
    from tests.channels_inbox.meta_helpers import APP_SECRET, GRAPH, VERIFY_TOKEN

    settings.META_APP_SECRET = APP_SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.META_GRAPH_URL = GRAPH


@pytest.fixture
def clock():
    """Half a minute after Meta's sample timestamps, ticking."""
    import time_machine

    from tests.channels_inbox.meta_helpers import SAMPLE_TIME

    with time_machine.travel(SAMPLE_TIME, tick=True) as traveller:
        yield traveller


@pytest.fixture
def social():
    """One team and an active account per Meta platform, with Meta's sample ids."""
    from channels_inbox.models import SocialAccount
    from tests.channels_inbox.meta_helpers import IG_ID, PAGE_ID, WA_NUMBER_ID
    from tickets.models import Team

    team = Team.objects.create(name="Social")
    accounts = {
        platform: SocialAccount.objects.create(
            platform=platform,
            external_id=external_id,
            name=f"Shop on {platform}",
            access_token=f"token-{platform}-secret",
            team=team,
        )
        for platform, external_id in (
            ("facebook", PAGE_ID),
            ("instagram", IG_ID),
            ("whatsapp", WA_NUMBER_ID),
        )
    }
    return team, accounts


@pytest.fixture
def graph():
    """Meta's Graph API, faked with respx."""
    import respx

    from tests.channels_inbox.meta_helpers import GRAPH

    with respx.mock(base_url=GRAPH, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST a signed webhook and run what it enqueued after commit, as the worker would."""
    from django.test import Client

    from tests.channels_inbox.meta_helpers import sign

    def send(body: bytes, signature: str | None = None, **extra: Any):
        headers = {"HTTP_X_HUB_SIGNATURE_256": sign(body) if signature is None else signature}
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(
                "/webhooks/meta/", body, content_type="application/json", **headers, **extra
            )

    return send


@pytest.fixture
def files():
    """Meta's CDN and Graph API, faked; nothing else may be called."""
    import respx

    with respx.mock(assert_all_called=False) as mock:
        yield mock
