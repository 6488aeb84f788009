"""Raw messages as mail clients write them, and hostile ones, through parse_email and the
whole inbound pipeline."""

from __future__ import annotations

import time

import pytest

from channels_inbox.email.parse import EmailRejected, parse_email, trim_reply

HOSTILE = {
    "20 kB Content-Type of semicolons": (
        b"From: a@example.com\r\nTo: s@example.com\r\nSubject: x\r\nContent-Type: text/plain"
        + b";" * 20_000
        + b"\r\n\r\nbody\r\n"
    ),
    "To: of 5,000 addresses": (
        b"From: a@example.com\r\nTo: "
        + b", ".join(b"u%d@example.com" % i for i in range(5000))
        + b"\r\nSubject: x\r\n\r\nbody\r\n"
    ),
    "2,000 MIME parts": (
        b"From: a@example.com\r\nTo: s@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        + b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(2000))
        + b"--b--\r\n"
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_is_rejected_in_well_under_two_seconds(name: str) -> None:
    started = time.process_time()
    with pytest.raises(EmailRejected) as rejected:
        parse_email(HOSTILE[name])
    assert time.process_time() - started < 2.0
    assert rejected.value.reason


def _mail(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode() + b"\r\n" + body


def test_outlook_reply_in_windows_1250_polish() -> None:
    raw = _mail(
        "From: =?windows-1250?Q?Ma=B3gorzata_Zieli=F1ska?= <M.Zielinska@Example.PL>\n"
        "To: support@helpdesk.example\n"
        "Subject: =?windows-1250?Q?RE:_Zwrot_pieni=EAdzy_[#77]?=\n"
        "Message-ID: <AM0PR01MB1234@EURPRD01.prod.outlook.com>\n"
        "In-Reply-To: <hd5.1@helpdesk.example>\n"
        "Thread-Index: AdqXyZ1234567890\n"
        "Date: Fri, 20 Nov 2026 11:02:11 +0100\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=windows-1250\n"
        "Content-Transfer-Encoding: quoted-printable\n",
        b"Dzi=EAkuj=EA, pieni=B9dze dotar=B3y.\r\n\r\n"
        b"Od: Sklep <support@helpdesk.example>\r\nWys=B3ano: czwartek, 19 listopada 2026 16:00\r\n"
        b"Do: Ma=B3gorzata\r\nTemat: Zwrot\r\n\r\nZwrot zosta=B3 zlecony.\r\n",
    )
    parsed = parse_email(raw)
    assert parsed.from_address == "m.zielinska@example.pl"
    assert parsed.from_name == "Małgorzata Zielińska"
    assert parsed.subject == "RE: Zwrot pieniędzy [#77]"
    assert parsed.ticket_number == 77
    assert parsed.in_reply_to == ["<hd5.1@helpdesk.example>"]
    assert parsed.text_trimmed == "Dziękuję, pieniądze dotarły."
    assert "Zwrot został zlecony" in parsed.text


def test_gmail_reply_in_dutch_with_quote_and_html() -> None:
    raw = _mail(
        "From: Sanne Bakker <sanne@example.nl>\nTo: support+t12@helpdesk.example\n"
        "Subject: Re: Dubbel afgeschreven\nMessage-ID: <CAF1=sanne@mail.gmail.com>\n"
        'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="000gm"\n',
        b'--000gm\r\nContent-Type: text/plain; charset="UTF-8"\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Dank je, het bedrag is terug!\r\n\r\n"
        b"Op do 19 nov 2026 om 16:00 schreef Support <support@helpdesk.example>:\r\n\r\n"
        b"> We hebben het teruggestort.\r\n\r\n"
        b'--000gm\r\nContent-Type: text/html; charset="UTF-8"\r\n\r\n'
        b"<div>Dank je, het bedrag is terug!</div><script>alert(1)</script>"
        b'<img src="https://t.example/p.gif"><div onclick="x()">quote</div>\r\n'
        b"--000gm--\r\n",
    )
    parsed = parse_email(raw)
    assert parsed.text_trimmed == "Dank je, het bedrag is terug!"
    assert parsed.ticket_number == 12
    assert "<script" not in parsed.html
    assert "onclick" not in parsed.html
    assert 'data-remote-src="https://t.example/p.gif"' in parsed.html
    assert ' src="https' not in parsed.html


def test_apple_mail_iso_8859_2_with_attachment_and_inline_image() -> None:
    raw = _mail(
        "From: Jan Kowalski <jan@example.pl>\nTo: support@helpdesk.example\n"
        "Subject: =?iso-8859-2?Q?Reklamacja_=B3=F3=BFka?=\nMessage-Id: <A1B2@example.pl>\n"
        "Mime-Version: 1.0 (Mac OS X Mail 16.0)\n"
        'Content-Type: multipart/mixed; boundary="Apple-Mail=_1"\n',
        b'--Apple-Mail=_1\r\nContent-Type: multipart/related; boundary="Apple-Mail=_2"\r\n\r\n'
        b"--Apple-Mail=_2\r\nContent-Type: text/html; charset=iso-8859-2\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b'<div>=A3=F3=BFko przysz=B3o p=EAkni=EAte.</div><img src="cid:photo1@example.pl">\r\n'
        b"--Apple-Mail=_2\r\nContent-Type: image/png; name=zdjecie.png\r\n"
        b"Content-Transfer-Encoding: base64\r\nContent-ID: <photo1@example.pl>\r\n"
        b"Content-Disposition: inline; filename=zdjecie.png\r\n\r\niVBORw0KGgo=\r\n"
        b"--Apple-Mail=_2--\r\n"
        b'--Apple-Mail=_1\r\nContent-Type: application/pdf; name="faktura.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="faktura.pdf"\r\n\r\nJVBERi0xLjQK\r\n'
        b"--Apple-Mail=_1--\r\n",
    )
    parsed = parse_email(raw)
    assert parsed.subject == "Reklamacja łóżka"
    assert parsed.text == "Łóżko przyszło pęknięte."
    assert 'src="cid:photo1@example.pl"' in parsed.html
    assert [
        (a.filename, a.content_type, a.is_inline, a.content_id) for a in parsed.attachments
    ] == [
        ("zdjecie.png", "image/png", True, "photo1@example.pl"),
        ("faktura.pdf", "application/pdf", False, ""),
    ]
    assert parsed.attachments[1].content == b"%PDF-1.4\n"


def test_forward_by_agent_names_the_original_sender() -> None:
    raw = _mail(
        "From: Anna de Vries <anna@helpdesk.example>\nTo: support@helpdesk.example\n"
        "Subject: Fwd: Kapotte stoel\nMessage-ID: <fwd1@helpdesk.example>\n"
        "Content-Type: text/plain; charset=utf-8\n",
        b"Kunnen jullie dit oppakken?\r\n\r\n---------- Forwarded message ---------\r\n"
        b"From: Emma van Dijk <emma.vdijk@example.nl>\r\nDate: Thu, 19 Nov 2026\r\n"
        b"Subject: Kapotte stoel\r\n\r\nMijn stoel is kapot.\r\n",
    )
    assert parse_email(raw).forwarded_from == ("Emma van Dijk", "emma.vdijk@example.nl")


def test_bounce_names_the_message_it_returns() -> None:
    raw = _mail(
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\n"
        "To: support@helpdesk.example\n"
        "Subject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn1@mx.example.com>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"\n',
        b"--dsn\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--dsn\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.com\r\n\r\n"
        b"Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        b"--dsn\r\nContent-Type: message/rfc822\r\n\r\nFrom: support@helpdesk.example\r\n"
        b"Message-ID: <hd42.x@helpdesk.localhost>\r\nSubject: Re: x\r\n\r\nhello\r\n--dsn--\r\n",
    )
    parsed = parse_email(raw)
    assert parsed.is_bounce
    assert parsed.bounced_message_id == "<hd42.x@helpdesk.localhost>"
    assert parsed.bounce_reason == "smtp; 550 5.1.1 user unknown"
    assert not parsed.is_auto_reply


@pytest.mark.parametrize(
    ("headers", "auto", "listed"),
    [
        ("Auto-Submitted: auto-replied\n", True, False),
        ("Auto-Submitted: no\n", False, False),
        ("X-Autoreply: yes\n", True, False),
        ("Precedence: bulk\n", True, False),
        ("List-Id: <news.example.com>\n", False, True),
        ("X-Auto-Response-Suppress: All\nSubject: Automatisch antwoord: Retour\n", True, False),
    ],
)
def test_loop_and_noise_headers(headers: str, auto: bool, listed: bool) -> None:
    subject = "" if "Subject:" in headers else "Subject: Hello\n"
    raw = _mail(f"From: x@example.com\nTo: s@example.com\n{subject}{headers}", b"hi\r\n")
    parsed = parse_email(raw)
    assert (parsed.is_auto_reply, parsed.is_list) == (auto, listed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks!\n\nOn Thu, 19 Nov 2026 at 16:00, Support <s@x.nl> wrote:\n> old", "Thanks!"),
        ("Super\n\nW dniu 19.11.2026 o 16:00 Sklep napisał:\n> stare", "Super"),
        ("Ok\n\n-- \nJan\nSales", "Ok"),
        ("Prima\n\nVerstuurd vanaf mijn iPhone", "Prima"),
        ("> only a quote", "> only a quote"),
    ],
)
def test_trim_reply(text: str, expected: str) -> None:
    assert trim_reply(text) == expected


@pytest.mark.django_db
def test_hostile_message_through_the_webhook_is_kept_and_flagged(
    django_capture_on_commit_callbacks, settings
) -> None:
    import base64
    import json

    from django.test import Client

    from channels_inbox.models import InboundReceipt, ReceiptState

    settings.ANYMAIL = {"WEBHOOK_SECRET": "u:p"}
    auth = "Basic " + base64.b64encode(b"u:p").decode()
    payload = json.dumps({"RawEmail": HOSTILE["To: of 5,000 addresses"].decode(), "Headers": []})
    started = time.process_time()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/anymail/postmark/inbound/",
            payload,
            content_type="application/json",
            HTTP_AUTHORIZATION=auth,
        )
    assert response.status_code == 200
    receipt = InboundReceipt.objects.get()
    assert receipt.state == ReceiptState.REJECTED
    assert "over" in receipt.error
    assert time.process_time() - started < 2.0


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(HOSTILE))
def test_each_hostile_input_through_ses_is_refused_fast_and_kept(
    name: str, django_capture_on_commit_callbacks, settings
) -> None:
    """Through an ESP whose parser anymail runs before ours (SES: base64 content): the guards
    in front of anymail's parser keep it under 2 s of CPU, and the receipt stays, flagged."""
    from channels_inbox.models import InboundReceipt, ReceiptState
    from tests.channels_inbox.test_email_clients import AUTH, SECRET, _deliver

    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    assert AUTH
    started = time.process_time()
    _deliver(django_capture_on_commit_callbacks, HOSTILE[name], "amazon_ses")
    assert time.process_time() - started < 2.0
    receipt = InboundReceipt.objects.get()
    assert receipt.state == ReceiptState.REJECTED
    assert receipt.error
    assert bytes(receipt.body)


@pytest.mark.django_db
def test_hostile_fields_in_a_parsed_postmark_payload_are_refused_fast(
    django_capture_on_commit_callbacks, settings
) -> None:
    """Without RawEmail anymail builds the message from fields; 5,000 recipients there are
    refused before the header parser sees them."""
    import json

    from channels_inbox.models import InboundReceipt, ReceiptState
    from tests.channels_inbox.test_email_clients import SECRET, _deliver_body

    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    payload = {
        "FromFull": {"Email": "a@example.com", "Name": "A"},
        "ToFull": [{"Email": f"u{i}@example.com", "Name": ""} for i in range(5000)],
        "Subject": "x",
        "TextBody": "body",
        "Headers": [],
    }
    started = time.process_time()
    _deliver_body(django_capture_on_commit_callbacks, "postmark", json.dumps(payload).encode(), {})
    assert time.process_time() - started < 2.0
    receipt = InboundReceipt.objects.get()
    assert receipt.state == ReceiptState.REJECTED
    assert "over" in receipt.error


@pytest.mark.django_db
def test_a_receipt_that_hits_the_time_limit_is_kept_rejected_with_the_reason(monkeypatch) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    from channels_inbox import services, tasks
    from channels_inbox.models import InboundReceipt, ReceiptState

    receipt, _ = services.receipt_store(
        provider="postmark",
        view="",
        path="/anymail/postmark/inbound/",
        content_type="application/json",
        body=b'{"RawEmail": "..."}',
        headers={},
    )

    def too_slow(*, receipt_id: int) -> None:
        raise SoftTimeLimitExceeded()  # what Celery raises in the task at soft_time_limit

    monkeypatch.setattr(services, "receipt_process", too_slow)
    tasks.process_receipt.delay(receipt.pk)

    receipt = InboundReceipt.objects.get(pk=receipt.pk)
    assert receipt.state == ReceiptState.REJECTED
    assert receipt.error == "parsing took longer than 20 s"
    assert receipt.processed_at is not None
    assert bytes(receipt.body) == b'{"RawEmail": "..."}'
