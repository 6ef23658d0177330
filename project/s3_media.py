"""The S3 media store (project/storage.py), with the cache headers project/media.py gives on disk."""

from typing import Any

from storages.backends.s3 import S3Storage

from project.media import IMMUTABLE, ORIGINAL, is_content_addressed


class MediaS3Storage(S3Storage):  # type: ignore[misc]
    def get_object_parameters(self, name: str) -> dict[str, Any]:
        parameters: dict[str, Any] = super().get_object_parameters(name)
        parameters.setdefault("CacheControl", IMMUTABLE if is_content_addressed(name) else ORIGINAL)
        return parameters
