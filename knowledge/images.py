"""Pictures for article bodies: checked by their bytes on upload, served under a random name.

Only PNG, JPEG, GIF and WebP are accepted, recognised by their signature (never by the file
name), and always served with that type and ``nosniff``, so an upload can never become a page.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from knowledge.models import ArticleImage
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.accounts.models import User

MAX_IMAGE_BYTES = 5 * 1024 * 1024
KEY_LENGTH = 32  # secrets.token_hex(16)
_KEY = re.compile(r"[0-9a-f]{32}")
# The key and the extension never change once uploaded, so browsers may keep the file a year.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class ImageType:
    extension: str
    content_type: str


PNG = ImageType(".png", "image/png")
JPEG = ImageType(".jpg", "image/jpeg")
GIF = ImageType(".gif", "image/gif")
WEBP = ImageType(".webp", "image/webp")
TYPES_BY_EXTENSION = {kind.extension: kind for kind in (PNG, JPEG, GIF, WEBP)}


def image_type_of(head: bytes) -> ImageType | None:
    """Recognise a supported image from its first bytes; None for anything else."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def image_check(upload: UploadedFile) -> ImageType:
    """Return the type of an uploaded image; raise ApplicationError naming what is wrong."""
    if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
        raise ApplicationError(
            _("The image is %(size)s; images may be at most %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_IMAGE_BYTES)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head:
        raise ApplicationError(_("The file is empty."), code="empty")
    kind = image_type_of(head)
    if kind is None:
        raise ApplicationError(
            _(
                "The file's content is not a PNG, JPEG, GIF or WebP image (whatever its name "
                "says). Save it in one of these formats and upload it again."
            ),
            code="not_an_image",
        )
    return kind


def image_prepare(*, image: ArticleImage, kind: ImageType, by: User | AnonymousUser | None) -> None:
    """Give a new image its random key, the extension of its detected type and its uploader."""
    image.key = secrets.token_hex(KEY_LENGTH // 2)
    image.extension = kind.extension
    image.uploaded_by = by if by is not None and by.is_authenticated else None


@transaction.atomic
def article_image_create(
    *, upload: UploadedFile, alt_text: str, by: User | AnonymousUser | None
) -> ArticleImage:
    """Check ``upload`` and store it as a new article image."""
    kind = image_check(upload)
    image = ArticleImage(alt_text=alt_text)
    image_prepare(image=image, kind=kind, by=by)
    image.file = upload
    image.save()
    return image


def article_image_delete(*, image: ArticleImage) -> None:
    """Delete the row, and its file once the deletion is committed."""
    name, storage = image.file.name, image.file.storage
    image.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def image_url(image: ArticleImage) -> str:
    """The site-relative address articles use for ``image``."""
    return reverse("knowledge:image", args=[f"{image.key}{image.extension}"])


def image_markdown(image: ArticleImage) -> str:
    """The Markdown that shows ``image`` in an article body."""
    alt = image.alt_text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}]({image_url(image)})"


@require_GET
def image_serve(request: HttpRequest, name: str) -> FileResponse:
    """Send the image named ``<key><extension>`` as the type its bytes showed on upload."""
    key, extension = name[:KEY_LENGTH], name[KEY_LENGTH:]
    kind = TYPES_BY_EXTENSION.get(extension)
    if kind is None or _KEY.fullmatch(key) is None:
        raise Http404
    image = ArticleImage.objects.filter(key=key, extension=extension).first()
    if image is None:
        raise Http404
    try:
        handle = image.file.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=kind.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = CACHE_CONTROL
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
