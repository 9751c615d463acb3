"""Uploaded files: an allow-list of types checked by content, sizes limited, names sanitised."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError
from tickets.errors import ErrorCode

# extension -> the content type the file's bytes must show. Text types have no signature:
# they must decode as text and contain no NUL byte.
BINARY_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "zip": "application/zip",
    "7z": "application/x-7z-compressed",
    "gz": "application/gzip",
}
TEXT_TYPES = {"txt": "text/plain", "log": "text/plain", "csv": "text/csv", "nfo": "text/xml",
              "xml": "text/xml", "json": "application/json", "ini": "text/plain"}  # fmt: skip
ALLOWED_EXTENSIONS = sorted({*BINARY_TYPES, *TEXT_TYPES})
# Where files are stored (see tickets.models.attachment_path): attachments/<ticket ID>/<key>.
ATTACHMENT_ROOT = "attachments"


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def sanitise_name(name: str) -> str:
    """A file name safe to show and to send back: no path, no control or odd characters."""
    name = unicodedata.normalize("NFKC", PurePosixPath(name.replace("\\", "/")).name)
    name = re.sub(r"[^\w.\- ()]+", "_", name, flags=re.UNICODE).strip(" ._")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem[:100] or "file"
    return f"{stem}.{extension.lower()[:10]}" if extension else stem


def _head(upload: UploadedFile, size: int = 8192) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _is_text(upload: UploadedFile) -> bool:
    upload.seek(0)
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                return False
            try:
                chunk.decode("utf-8")
            except UnicodeDecodeError:
                chunk.decode("cp1252")
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Refuse a file whose size, extension or content is not allowed; describe it otherwise."""
    name = sanitise_name(upload.name or "file")
    limit = settings.TICKET_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ApplicationError(
            _("%(name)s is larger than %(limit)s.")
            % {"name": name, "limit": filesizeformat(limit)},
            code=ErrorCode.FILE_TOO_LARGE,
        )
    if upload.size == 0:
        raise ApplicationError(_("%(name)s is empty.") % {"name": name}, code=ErrorCode.FILE_EMPTY)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in BINARY_TYPES:
        detected = filetype.guess_mime(_head(upload))
        expected = BINARY_TYPES[extension]
        if detected != expected:
            raise ApplicationError(
                _("%(name)s does not contain what its name says (.%(extension)s).")
                % {"name": name, "extension": extension},
                code=ErrorCode.FILE_CONTENT_MISMATCH,
            )
        content_type = expected
    elif extension in TEXT_TYPES:
        if filetype.guess(_head(upload)) is not None or not _is_text(upload):
            raise ApplicationError(
                _("%(name)s is not a text file.") % {"name": name},
                code=ErrorCode.FILE_CONTENT_MISMATCH,
            )
        content_type = TEXT_TYPES[extension]
    else:
        raise ApplicationError(
            _("Files of this type cannot be attached: %(name)s. Allowed: %(allowed)s.")
            % {"name": name, "allowed": ", ".join(ALLOWED_EXTENSIONS)},
            code=ErrorCode.FILE_TYPE,
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload, name, content_type, upload.size, digest.hexdigest())


def check_uploads(uploads: list[UploadedFile], *, already_stored: int = 0) -> list[CheckedFile]:
    """Check each file and the total a ticket may hold."""
    checked = [check_upload(upload) for upload in uploads]
    if len(checked) > settings.TICKET_ATTACHMENTS_PER_MESSAGE:
        raise ApplicationError(
            _("Attach at most %(count)s files at a time.")
            % {"count": settings.TICKET_ATTACHMENTS_PER_MESSAGE},
            code=ErrorCode.TOO_MANY_FILES,
        )
    total = already_stored + sum(f.size for f in checked)
    if total > settings.TICKET_ATTACHMENTS_MAX_TOTAL_BYTES:
        raise ApplicationError(
            _("The files of one request may add up to %(limit)s.")
            % {"limit": filesizeformat(settings.TICKET_ATTACHMENTS_MAX_TOTAL_BYTES)},
            code=ErrorCode.TICKET_FILES_TOO_LARGE,
        )
    return checked


def orphans_remove(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete stored files that no attachment row refers to; returns how many.

    A file is written before its ticket's transaction commits, so a transaction that rolls back
    (a refused request, a failed write) leaves its file behind. Only files older than
    ``older_than`` are removed, so a file whose transaction is still open is never touched.
    """
    from tickets.models import Attachment

    cutoff = (now or timezone.now()) - older_than
    candidates: dict[str, str] = {}  # storage key -> path
    try:
        folders, _files = default_storage.listdir(ATTACHMENT_ROOT)
    except FileNotFoundError:
        return 0
    for folder in folders:
        for key in default_storage.listdir(f"{ATTACHMENT_ROOT}/{folder}")[1]:
            path = f"{ATTACHMENT_ROOT}/{folder}/{key}"
            if default_storage.get_modified_time(path) < cutoff:
                candidates[key] = path
    keys = list(candidates)
    removed = 0
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        kept = set(
            Attachment.objects.filter(storage_key__in=chunk).values_list("storage_key", flat=True)
        )
        for key in chunk:
            if key not in kept:
                default_storage.delete(candidates[key])
                removed += 1
    return removed
