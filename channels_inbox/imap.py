"""IMAP fetching: the network side only. Returns raw messages; storing is the service's job."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from imap_tools import MailBox, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    use_ssl: bool
    username: str
    password: str
    folder: str


@contextmanager
def connect(settings: ImapSettings, timeout: float = 30) -> Iterator[BaseMailBox]:
    box_class = MailBox if settings.use_ssl else MailBoxUnencrypted
    box = box_class(settings.host, settings.port, timeout=timeout)
    box.login(settings.username, settings.password, initial_folder=settings.folder)
    try:
        yield box
    finally:
        box.logout()


def uidvalidity(box: BaseMailBox, folder: str) -> int:
    return int(box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])


def new_uids(box: BaseMailBox, after: int, limit: int) -> list[int]:
    """UIDs above `after`, oldest first. ("N:*" always names the newest message, even when
    it is below N, so filter again.)"""
    uids = sorted(int(uid) for uid in box.uids(f"UID {after + 1}:*"))
    return [uid for uid in uids if uid > after][:limit]


def fetch_raw(box: BaseMailBox, uid: int) -> bytes:
    """The message exactly as stored, without setting \\Seen."""
    status, data = box.client.uid("fetch", str(uid), "(BODY.PEEK[])")
    if status != "OK":
        raise OSError(f"IMAP FETCH {uid} answered {status}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    raise OSError(f"IMAP FETCH {uid} returned no message body")
