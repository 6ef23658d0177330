"""Where uploaded media lives: STORAGES["default"], and the origin pages load it from (the CSP's img-src).

This disk (MEDIA_ROOT) by default. With MEDIA_STORAGE=s3, or a bucket named in
AWS_STORAGE_BUCKET_NAME, an S3-compatible store through django-storages: AWS_S3_ENDPOINT_URL for
another provider (MinIO, R2, ...), AWS_S3_REGION_NAME, AWS_S3_CUSTOM_DOMAIN for a CDN in front and
AWS_LOCATION for a folder in a shared bucket; boto3 finds the keys itself (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, or the machine's role). URLs are plain, never signed: product pages are
cached for every shopper, and a signed URL would expire inside them.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

FILESYSTEM = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
S3_BACKEND = "project.s3_media.MediaS3Storage"


def _wants_s3(environ: Mapping[str, str]) -> bool:
    kind = environ.get("MEDIA_STORAGE", "").strip().lower()
    if kind not in {"", "filesystem", "s3"}:
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'filesystem' or 's3', not {kind!r}")
    return kind == "s3" or (kind == "" and bool(environ.get("AWS_STORAGE_BUCKET_NAME")))


def media_storage(environ: Mapping[str, str]) -> dict[str, Any]:
    """The STORAGES["default"] entry the environment asks for (see the module)."""
    if not _wants_s3(environ):
        return dict(FILESYSTEM)
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "querystring_auth": False,
        "file_overwrite": False,  # an upload never replaces another under the same name
    }
    for option, variable in (
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
        ("region_name", "AWS_S3_REGION_NAME"),
        ("custom_domain", "AWS_S3_CUSTOM_DOMAIN"),
        ("location", "AWS_LOCATION"),
    ):
        if environ.get(variable):
            options[option] = environ[variable]
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def media_origins(environ: Mapping[str, str]) -> list[str]:
    """The origins media URLs point at when they are not this site's own."""
    storage = media_storage(environ)
    if storage["BACKEND"] != S3_BACKEND:
        return []
    options = storage["OPTIONS"]
    if "custom_domain" in options:
        return [f"https://{options['custom_domain'].split('/')[0]}"]
    if "endpoint_url" in options:
        parts = urlsplit(options["endpoint_url"])
        return [f"{parts.scheme}://{parts.netloc}"]
    region = f".{options['region_name']}" if "region_name" in options else ""
    return [f"https://{options['bucket_name']}.s3{region}.amazonaws.com", f"https://s3{region}.amazonaws.com"]


def with_media_origins(policy: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """`policy` (django-csp's settings) letting pages show pictures from the media store."""
    origins = media_origins(environ)
    if not origins:
        return policy
    directives = dict(policy["DIRECTIVES"])
    directives["img-src"] = [*directives["img-src"], *origins]
    return {**policy, "DIRECTIVES": directives}
