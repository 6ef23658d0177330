"""The pictures a catalog import names: a path in the media storage, or an http(s) URL fetched once.

A URL is fetched with a time limit and a size limit, without following redirects, and only from a
public address (an import must not make the store read its own network: metadata services,
databases, the admin), unless IMPORT_IMAGES_FROM_PRIVATE_HOSTS says otherwise (a shop whose
pictures live on its own network; the tests' local server). What comes back must be a picture
Pillow reads; it is stored under a name made from its content, so the same picture twice is one
file, and a dry run stores nothing.
"""

import hashlib
import io
import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
TIMEOUT_SECONDS = 10
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
FOLDER = "products/imported"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is answered as the error it then is: the address checked is the one fetched


_OPENER = urllib.request.build_opener(_NoRedirects)


def image_source(text: str, *, store: bool) -> tuple[str, str | None]:
    """`(media path, None)` for a picture the import may attach, or `(text, why not)`.

    A URL is fetched and checked; with `store` (a real import) it is saved, else only named."""
    if text.startswith(("http://", "https://")):
        return _fetched(text, store=store)
    if "://" in text or text.startswith("//"):
        return text, f'"{text}": give an http(s) address or a path inside the media storage.'
    if text.startswith("/") or "\\" in text or ".." in text.split("/"):
        return text, f'"{text}": give a path inside the media storage, such as "products/shirt.jpg".'
    if not default_storage.exists(text):
        return text, f'"{text}" is not in the media storage.'
    return text, None


def _fetched(url: str, *, store: bool) -> tuple[str, str | None]:
    host = urlsplit(url).hostname
    if not host:
        return url, f'"{url}" names no host.'
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError):
        return url, f'"{url}": the host could not be found.'
    if not settings.IMPORT_IMAGES_FROM_PRIVATE_HOSTS and not all(
        ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses
    ):
        return url, f'"{url}" is on a private network: the store fetches pictures from public addresses only.'
    try:
        request = urllib.request.Request(url, headers={"Accept": "image/*"})  # noqa: S310 - http(s) only
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as answer:
            data = answer.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return url, f'"{url}" could not be fetched ({getattr(exc, "reason", exc)}).'
    if len(data) > MAX_BYTES:
        return url, f'"{url}" is larger than {MAX_BYTES // (1024 * 1024)} MB.'
    try:
        with Image.open(io.BytesIO(data)) as picture:
            kind = picture.format or ""
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        return url, f'"{url}" is not a picture.'
    if kind not in FORMATS:
        return url, f'"{url}" is a {kind or "file"} picture: give a JPEG, PNG, WebP or GIF.'
    name = f"{FOLDER}/{hashlib.sha256(data).hexdigest()[:24]}.{FORMATS[kind]}"
    if store and not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(data))
    return name, None
