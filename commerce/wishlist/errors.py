from commerce.errors import DomainError
from commerce.wishlist.models import MAX_ITEMS


class WishlistError(DomainError):
    """A wishlist change that cannot be made (422); `message` is written for the shopper."""

    @classmethod
    def full(cls) -> "WishlistError":
        return cls("full", f"Your wishlist holds up to {MAX_ITEMS} products. Remove one to save another.")

    @classmethod
    def no_option(cls) -> "WishlistError":
        return cls("no_option", "Choose an option that is in stock.")
