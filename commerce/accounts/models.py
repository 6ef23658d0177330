from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models


class UserManager(DjangoUserManager["User"]):
    """Create users by email; there is no username."""

    use_in_migrations = True

    def _create_user_by_email(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> "User":
        # Emails are stored lower-cased; let people sign in however they type theirs.
        return self.get(email__iexact=username)

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user_by_email(email, password, **extra)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user_by_email(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an email address."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    phone = models.CharField("mobile number", max_length=16, blank=True, help_text="E.164, for text messages")
    sms_opted_out = models.BooleanField(default=False, help_text="Replied STOP, or the number cannot take texts")
    email_verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person proved the address (opened a link sent to it)"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def email_verified(self) -> bool:
        """Whether the account's address was proved by a link sent to it (as support treats guests')."""
        return self.email_verified_at is not None

    def in_role(self, role: str) -> bool:
        """Return True for staff in the named group ("support", "ops") and for superusers."""
        if not self.is_active or not self.is_staff:
            return False
        return self.is_superuser or self.groups.filter(name=role).exists()


class Address(models.Model):
    """A saved shipping address of a signed-in shopper."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    full_name = models.CharField(max_length=120)
    line1 = models.CharField("address", max_length=200)
    line2 = models.CharField("apartment, suite (optional)", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    region = models.CharField(
        "state / region", max_length=3, blank=True, help_text="The ISO 3166-2 code after the country's: NY for US-NY."
    )
    country = models.CharField(max_length=2, help_text="ISO 3166 two-letter code")
    phone = models.CharField(max_length=20, blank=True)
    default_shipping = models.BooleanField("default shipping address", default=False)
    default_billing = models.BooleanField(
        "default billing address", default=False, help_text="Checkout bills here unless told otherwise."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(default_shipping=True), name="one_default_shipping_address"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(default_billing=True), name="one_default_billing_address"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.line1}, {self.city}"

    def as_snapshot(self) -> dict[str, str]:
        return {
            "full_name": self.full_name,
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "postal_code": self.postal_code,
            "region": self.region,
            "country": self.country,
            "phone": self.phone,
        }
