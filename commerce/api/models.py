"""Personal access tokens: shown once when made, kept only as a SHA-256 digest."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """One token of one person, with the scopes it was given (commerce/api/scopes.py).

    The token itself (`sf_<prefix>_<secret>`) is shown once; the row keeps its digest (looked up by a
    unique index) and its prefix, which the account page shows so that a person can tell tokens apart.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_from = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
