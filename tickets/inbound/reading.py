"""Reading an incoming mail: decoded headers, the visible text without quoted history or
private links, and its files."""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from email.errors import HeaderParseError, MessageError
from email.header import Header, decode_header, make_header

import nh3
from anymail.inbound import AnymailInboundMessage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from tickets.models import (
    Ticket,
)
from tickets.text import mask_passwords

# reply+NS-2026-000123.k5x2q7mzr4d3w6ya2bn7c4ve5gh3j6tu@reply.novadesk.test
REPLY_ADDRESS = re.compile(
    r"^reply\+(?P<ticket_id>[A-Za-z0-9-]{1,20})\.(?P<token>[A-Za-z0-9]{1,64})@(?P<domain>[^@\s]+)$",
    re.IGNORECASE,
)
BODY_LIMIT = 100_000  # what the quarantine keeps of one mail's text
_HEADERS_CHECKED = ("From", "To", "Subject")
# A private link quoted from our own notification: its token is stored nowhere else in clear.
_PRIVATE_LINK = re.compile(r"(?:https?://\S*?)?/t/[A-Za-z0-9_-]{40,}/?")
_LINK_REMOVED = "[private link removed]"

# "On Mon, 23 Nov 2026 at 09:00, NovaDesk <support@…> wrote:" / "Am 23.11.2026 um 09:00 schrieb …:"
# A date always has a digit, which keeps "On the console it wrote:" in the customer's text.
_ATTRIBUTION = re.compile(
    r"^\s*(?:on\s.*\d.*\swrote|am\s.*\d.*\sschrieb(?:\s.*)?)\s*:\s*$", re.IGNORECASE
)
# Outlook quotes without ">": everything below its separator is the earlier mail.
_OUTLOOK_SEPARATOR = re.compile(
    r"^\s*(?:-{3,}\s*(?:original message|ursprüngliche nachricht)\s*-{3,}|_{16,})\s*$",
    re.IGNORECASE,
)
_OUTLOOK_HEADER = re.compile(r"^\s*(?:from|von)\s*:", re.IGNORECASE)
_QUOTED = re.compile(r"^\s*>")
_BLOCK_END = re.compile(r"<\s*(?:br|/p|/div|/li|/tr|/h[1-6]|/blockquote|/pre)\b[^>]*>", re.I)

# RFC 3834 and the common vendor headers of out-of-office and other robot mail.
_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


class _Quarantine(Exception):
    """Why a mail is not added to a ticket; ``ticket`` when it clearly belongs to one."""

    def __init__(self, reason: str, *, ticket: Ticket | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.ticket = ticket


@dataclass
class _Incoming:
    """What arrived, read defensively: nothing here raises on a malformed mail."""

    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    subject: str = ""
    full_text: str = ""
    reply_text: str = ""
    attachments: list[UploadedFile] = field(default_factory=list)
    attachment_names: list[str] = field(default_factory=list)
    broken_headers: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def _visible(value: str) -> str:
    """A header value safe to store in one line: line breaks shown, other controls removed."""
    value = value.replace("\r", "\\r").replace("\n", "\\n")
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", value)


def _decoded(raw: str | Header) -> str:
    """A header's stored value unfolded and decoded (RFC 2047), without interpreting it."""
    text = re.sub(r"\r?\n(?=[ \t])", "", str(raw))
    try:
        return str(make_header(decode_header(text)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return text


def _raw_headers(message: AnymailInboundMessage, name: str) -> list[str]:
    # raw_items() hands out the values as received: reading them never parses, so never raises.
    return [_decoded(value) for key, value in message.raw_items() if key.lower() == name.lower()]


def _part_text(part: AnymailInboundMessage) -> str:
    payload = part.get_payload(decode=True)
    if not payload:
        return ""
    try:
        text = payload.decode(part.get_content_charset("utf-8"), errors="replace")
    except LookupError:  # an unknown charset name
        text = payload.decode("utf-8", errors="replace")
    return re.sub(r"\r\n|\r", "\n", text)


def _body_part(message: AnymailInboundMessage, content_type: str) -> str:
    for part in message.walk():
        if part.get_content_type() == content_type and not part.is_attachment():
            return _part_text(part)
    return ""


def _normalise_whitespace(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0\u200b]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Plain text of an HTML mail: every tag removed, scripts and styles with their content."""
    html = _BLOCK_END.sub("\n", html)
    text = nh3.clean(html, tags=set(), clean_content_tags={"script", "style", "title"})
    return _normalise_whitespace(htmllib.unescape(text))


def strip_quoted(text: str) -> str:
    """The new part of a reply: the earlier mail it quotes is removed where clearly marked.

    An attribution line ("On … wrote:", "Am … schrieb …:") followed by ">" lines loses those
    lines (an answer written below or between them stays); followed by unmarked text, or at an
    Outlook separator, everything below is the earlier mail. ">" lines at the very end go too.
    When nothing would be left, the whole text is kept.
    """
    lines = text.splitlines()
    kept: list[str] = []
    dropping_quotes = False
    index = 0
    while index < len(lines):
        line = lines[index]
        attribution = 0
        if _ATTRIBUTION.match(line):
            attribution = 1
        elif index + 1 < len(lines) and _ATTRIBUTION.match(f"{line} {lines[index + 1]}"):
            attribution = 2  # a long attribution wrapped onto a second line
        if attribution:
            following = next((x for x in lines[index + attribution :] if x.strip()), "")
            if not _QUOTED.match(following):
                break
            dropping_quotes = True
            index += attribution
            continue
        if _OUTLOOK_SEPARATOR.match(line) and (
            "_" not in line
            or _OUTLOOK_HEADER.match(next((x for x in lines[index + 1 :] if x.strip()), ""))
        ):
            break
        if not (dropping_quotes and _QUOTED.match(line)):
            kept.append(line)
        index += 1
    while kept and (not kept[-1].strip() or _QUOTED.match(kept[-1])):
        kept.pop()
    reply = "\n".join(kept).strip()
    return reply or text.strip()


def _redact(text: str) -> str:
    return mask_passwords(_PRIVATE_LINK.sub(_LINK_REMOVED, text))


def _read_attachments(message: AnymailInboundMessage, incoming: _Incoming) -> None:
    for number, part in enumerate(message.attachments, start=1):
        try:
            name = part.get_filename() or f"attachment-{number}"
        except (HeaderParseError, LookupError, UnicodeError, ValueError):
            name = f"attachment-{number}"
        name = _visible(str(name))[:150]
        incoming.attachment_names.append(name)
        try:
            content = part.get_content_bytes() or b""
        except (MessageError, LookupError, UnicodeError, ValueError):
            incoming.unreadable.append(name)
            continue
        incoming.attachments.append(SimpleUploadedFile(name, content, part.get_content_type()))


def _read(message: AnymailInboundMessage) -> _Incoming:
    incoming = _Incoming()
    for name in _HEADERS_CHECKED:
        values = _raw_headers(message, name)
        if any("\r" in value or "\n" in value for value in values):
            incoming.broken_headers.append(name)
    senders = _raw_headers(message, "From") or [str(message.envelope_sender or "")]
    incoming.sender = _visible(", ".join(senders))[:320]
    incoming.recipients = [
        _visible(str(value)).strip().strip("<>")
        for value in [message.envelope_recipient, *_raw_headers(message, "To")]
        if value
    ]
    incoming.subject = _redact(_visible(" ".join(_raw_headers(message, "Subject"))))[:300]

    text = _body_part(message, "text/plain")
    if not text.strip():
        html = _body_part(message, "text/html")
        text = html_to_text(html) if html.strip() else ""
    text = text.strip()
    incoming.full_text = _redact(text)
    if len(incoming.full_text) > BODY_LIMIT:
        incoming.full_text = incoming.full_text[:BODY_LIMIT] + "\n[...]"
    incoming.reply_text = _redact(strip_quoted(text))
    _read_attachments(message, incoming)
    return incoming
