from decimal import Decimal

from commerce.errors import DomainError
from commerce.money import format_money


class DiscountError(DomainError):
    """A code that cannot be used on this cart now (422); `message` says why, for the shopper."""

    @classmethod
    def unknown(cls, text: str) -> "DiscountError":
        shown = text if len(text) <= 32 else text[:32] + "…"
        return cls("unknown_code", f"“{shown}” is not a discount code we know. Check the spelling.")

    @classmethod
    def not_started(cls, code: str) -> "DiscountError":
        return cls("not_started", f"The code {code} cannot be used yet.")

    @classmethod
    def expired(cls, code: str) -> "DiscountError":
        return cls("expired", f"The code {code} has expired.")

    @classmethod
    def used_up(cls, code: str) -> "DiscountError":
        return cls("used_up", f"The code {code} has been used as many times as it allows.")

    @classmethod
    def below_minimum(cls, code: str, *, minimum: Decimal, subtotal: Decimal) -> "DiscountError":
        more = format_money(minimum - subtotal)
        return cls(
            "below_minimum",
            f"Spend {more} more to use the code {code} (it needs a subtotal of {format_money(minimum)}).",
        )

    @classmethod
    def already_used(cls, code: str) -> "DiscountError":
        return cls("already_used", f"You have already used the code {code} as many times as it allows.")

    @classmethod
    def nothing_eligible(cls, code: str) -> "DiscountError":
        return cls("nothing_eligible", f"The code {code} does not apply to anything in your cart.")
