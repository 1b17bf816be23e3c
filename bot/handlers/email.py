"""The e-mail channel: customers reachable only by e-mail (seed 004 makes it the mandatory contact of companies)
get their reminders and statements here, from the outbox like every message: a text part and an HTML part of the
same script, the statement PDF attached, sent over SMTP (PAYBOT_SMTP_*)."""

from __future__ import annotations

import asyncio
import mimetypes
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from bot.intake.messages import OutboundMessage, SendError

CHANNEL = "email"

HtmlOf = Callable[[str, str], str]
"""(subject, text) -> the HTML part: the composition root renders it from the same script's text."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand e-mails over: host, port, TLS (starttls, ssl, none), login, sender, time limit."""

    host: str
    port: int
    sender: str
    security: str = "starttls"
    user: str = ""
    password: str = ""
    timeout: float = 20.0


class EmailSender:
    """Delivers outbox rows of channel `email` to `recipient` (an address); the subject comes from `subjects`."""

    name = CHANNEL

    def __init__(self, server: SmtpServer, html_of: HtmlOf, subjects: Callable[[str], str],
                 read_media: Callable[[str], bytes] = lambda reference: Path(reference).read_bytes()) -> None:
        self.server = server
        self.html_of = html_of
        self.subjects = subjects
        self.read_media = read_media

    def compose(self, message: OutboundMessage) -> EmailMessage:
        """The e-mail for one outbox row: text and HTML alternatives, and its file attached."""
        mail = EmailMessage()
        subject = self.subjects(message.kind)
        mail["Subject"] = subject
        mail["From"] = self.server.sender
        mail["To"] = message.recipient
        mail["Message-ID"] = make_msgid(idstring=f"paybot-{message.outbox_id}")
        mail.set_content(message.text)
        mail.add_alternative(self.html_of(subject, message.text), subtype="html")
        if message.media_path:
            name = message.media_name or message.media_path.rpartition("/")[2]
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            maintype, _, subtype = kind.partition("/")
            try:
                data = self.read_media(message.media_path)
            except OSError as error:
                raise SendError(f"no se pudo leer el adjunto {name}: {error.strerror or error}",
                                retryable=False) from error
            mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        return mail

    async def send(self, message: OutboundMessage) -> str:
        mail = await asyncio.to_thread(self.compose, message)
        await asyncio.to_thread(self._hand_over, mail)
        return str(mail["Message-ID"])

    def _hand_over(self, mail: EmailMessage) -> None:
        server = self.server
        try:
            if server.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
            with client:
                if server.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if server.user:
                    client.login(server.user, server.password)
                client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            raise SendError(f"el servidor de correo rechazó la dirección: {error.recipients}",
                            retryable=False) from error
        except smtplib.SMTPResponseException as error:
            raise SendError(f"el servidor de correo respondió {error.smtp_code}",
                            retryable=error.smtp_code < 500) from error
        except (smtplib.SMTPException, OSError) as error:
            raise SendError(f"no se pudo entregar al servidor de correo: {type(error).__name__}") from error
