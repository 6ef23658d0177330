"""Product pictures at the sizes pages show them: renditions made with Pillow, kept in the default storage.

Each ProductImage gets a ladder of widths (never wider than its original), each as WebP and as JPEG
(the fallback for browsers without WebP), named from the image's pk, a hash of the original's bytes
and the width (`products/renditions/12-3f9a0c1b2d4e-480.webp`). A name therefore always means the
same bytes: media serves them as immutable (project/media.py), and making them again is a no-op.
The files go through Django's default storage, so an S3-compatible store (project/storage.py) works
the same. The widths, heights and names are kept on the row (`ProductImage.renditions`) for the
`product_image` template tag (templatetags/images.py); an image without them shows its original.
"""

import hashlib
import io
import logging
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from commerce.errors import DomainError

from .cache import catalog_changed_on_commit
from .models import ProductImage

logger = logging.getLogger(__name__)

RENDITIONS_DIR = "products/renditions"
# Widths made (when the original is at least that wide): thumbnails (cart, wishlist, gallery thumbs)
# at the low end, cards in the middle, the product page's picture at the top. Steps of at most 2x, so
# the width a browser picks from a srcset is never more than twice the width it shows.
WIDTHS = (96, 160, 320, 480, 640, 960, 1200)
FULL_WIDTH = WIDTHS[-1]
JPEG_QUALITY = 82
WEBP_QUALITY = 80


class ImageError(DomainError):
    pass


def rendition_widths(original_width: int) -> list[int]:
    """The widths made from an original `original_width` wide: the ladder's smaller steps, then the
    original's own width (capped at the full width) as the largest; never wider than the original."""
    top = min(original_width, FULL_WIDTH)
    return [w for w in WIDTHS if w < top] + [top]


def _source_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def _open(data: bytes) -> Image.Image:
    try:
        opened = Image.open(io.BytesIO(data))
        opened.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise ImageError("image_unreadable", "This file is not a picture we can read (use JPEG, PNG or WebP).") from exc
    picture: Image.Image = ImageOps.exif_transpose(opened)  # phones store portraits sideways, with an EXIF turn
    if picture.mode not in {"RGB", "RGBA"}:
        picture = picture.convert("RGBA" if "A" in picture.getbands() or "transparency" in picture.info else "RGB")
    return picture


def _encode(picture: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "WEBP":
        picture.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
    else:
        if picture.mode == "RGBA":  # JPEG has no transparency: lay it on white
            flat = Image.new("RGB", picture.size, (255, 255, 255))
            flat.paste(picture, mask=picture.getchannel("A"))
            picture = flat
        picture.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def _store(name: str, data: bytes) -> str:
    """Keep `data` under `name`; a name already there holds the same bytes (it is made from their hash)."""
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(data))


def _rendition_names(renditions: dict[str, Any]) -> set[str]:
    return {f[fmt] for f in renditions.get("files", []) for fmt in ("webp", "jpeg")}


def image_renditions_generate(*, image: ProductImage, force: bool = False) -> ProductImage:
    """Make and record the sizes of `image` (see the module); a no-op when they were made from the same
    original, unless `force`. Raises ImageError, recording nothing, when the file is not a picture."""
    source_name = image.image.name
    with default_storage.open(source_name, "rb") as source:
        data = source.read()
    source_hash = _source_hash(data)
    if not force and image.renditions.get("source") == source_hash and image.renditions.get("name") == source_name:
        return image
    picture = _open(data)
    width, height = picture.size
    files = []
    for w in rendition_widths(width):
        h = max(1, round(height * w / width))
        resized = picture if w == width else picture.resize((w, h), Image.Resampling.LANCZOS)
        stem = f"{RENDITIONS_DIR}/{image.pk}-{source_hash}-{w}"
        files.append(
            {
                "width": w,
                "height": h,
                "webp": _store(f"{stem}.webp", _encode(resized, "WEBP")),
                "jpeg": _store(f"{stem}.jpg", _encode(resized, "JPEG")),
            }
        )
    renditions = {"name": source_name, "source": source_hash, "width": width, "height": height, "files": files}
    with transaction.atomic():
        previous = ProductImage.objects.select_for_update().filter(pk=image.pk, image=source_name).first()
        if previous is None:  # deleted, or given another picture meanwhile: that one gets its own sizes
            return image
        ProductImage.objects.filter(pk=image.pk).update(renditions=renditions)
        stale = _rendition_names(previous.renditions) - _rendition_names(renditions)
        if stale:
            transaction.on_commit(lambda: _delete_files(stale))
        catalog_changed_on_commit()  # cached cards and product pages show the new sizes
    image.renditions = renditions
    return image


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file left behind costs space, not correctness
            logger.warning("old rendition not deleted", extra={"file_name": name}, exc_info=True)


def image_renditions_on_commit(*, image_pks: Iterable[int]) -> None:
    """Make the sizes of these images once the current transaction commits (the admin's upload):
    a picture that cannot be read is logged and keeps showing its original."""
    pks = sorted(set(image_pks))

    def generate() -> None:
        for image in ProductImage.objects.filter(pk__in=pks):
            try:
                image_renditions_generate(image=image)
            except (ImageError, OSError):
                logger.warning("renditions not made", extra={"image_pk": image.pk}, exc_info=True)

    if pks:
        transaction.on_commit(generate)


def images_missing_renditions() -> list[ProductImage]:
    """Images whose sizes were never made (an upload before this feature, a failed run)."""
    return list(ProductImage.objects.filter(renditions={}).order_by("pk"))
