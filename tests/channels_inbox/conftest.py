from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

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
def imap_server():  # type: ignore[no-untyped-def]
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
def process_on_worker(worker):  # type: ignore[no-untyped-def]
    """Hand a stored receipt to a real worker process (as the webhook's task would) and wait
    until it leaves the pending states; fails with the worker's log if it is not done."""
    from channels_inbox.models import ReceiptState
    from helpdesk.celery import app

    queue, log = worker
    app.conf.task_always_eager = False

    def process(receipt):  # type: ignore[no-untyped-def]
        app.send_task("channels_inbox.process_receipt", args=[receipt.pk], queue=queue)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            receipt.refresh_from_db()
            if receipt.state not in (ReceiptState.PENDING, ReceiptState.PROCESSING):
                break
            time.sleep(0.2)
        assert receipt.state == ReceiptState.DONE, log.read_text()
        return receipt

    return process
