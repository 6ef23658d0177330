"""A shopper's rating and review of a product they received, and the staff's reply."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

TITLE_MAX = 120
BODY_MAX = 2000
REPLY_MAX = 2000


class Review(models.Model):
    """One per product and person (post-moderation: published at once, staff may hide it)."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        HIDDEN = "hidden", "Hidden"

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField(max_length=BODY_MAX)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED, db_index=True)
    reply = models.TextField(max_length=REPLY_MAX, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="review_one_per_product_and_person"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
            models.CheckConstraint(condition=models.Q(status__in=["published", "hidden"]), name="review_status_valid"),
            # The services refuse longer text with a message; the database keeps the promise for every writer.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), BODY_MAX) & LessThanOrEqual(Length("reply"), REPLY_MAX),
                name="review_text_lengths",
            ),
        ]
        indexes = [models.Index(fields=["product", "status", "-created_at"], name="review_product_shown")]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.product_id} by {self.user_id}"

    @property
    def author_name(self) -> str:
        """What the page shows of the person: a first name and an initial, never the email."""
        first = (self.user.first_name or "").strip()
        last = (self.user.last_name or "").strip()
        if not first:
            return "A customer"
        return f"{first} {last[0]}." if last else first

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED
