"""Uploaded media served by the app (SERVE_MEDIA), with the cache headers each kind of file deserves.

Renditions (commerce/catalog/images.py) are named from a hash of their original, so a name never
changes its bytes: browsers and CDNs keep them for a year without asking again. Originals may be
replaced under the same name by hand, so they are kept for a day.
"""

from pathlib import PurePosixPath

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.views.static import serve

IMMUTABLE = "public, max-age=31536000, immutable"
ORIGINAL = "public, max-age=86400"


def is_content_addressed(path: str) -> bool:
    """Files in a `renditions/` folder are named from their content."""
    return "renditions" in PurePosixPath(path).parts[:-1]


def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Serve MEDIA_ROOT/`path` (404 when missing) with its Cache-Control."""
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = IMMUTABLE if is_content_addressed(path) else ORIGINAL
    return response
