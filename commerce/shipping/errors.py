from commerce.errors import DomainError


class ShippingError(DomainError):
    """A shipping method that cannot be used for this address or parcel (422); the message is for the shopper."""

    @classmethod
    def unknown_method(cls) -> "ShippingError":
        return cls("unknown_shipping_method", "This shipping method is no longer offered. Please choose another.")

    @classmethod
    def not_shipped(cls, place: str) -> "ShippingError":
        return cls("not_shipped", f"We do not ship to {place} yet.")

    @classmethod
    def no_method_takes(cls, place: str) -> "ShippingError":
        return cls("no_method_takes", f"No shipping method of ours takes this order to {place}.")

    @classmethod
    def not_served(cls, method: str, place: str) -> "ShippingError":
        return cls("shipping_not_served", f"{method} does not ship to {place}. Please choose another shipping method.")

    @classmethod
    def too_heavy(cls, method: str, limit: str) -> "ShippingError":
        return cls(
            "shipping_too_heavy",
            f"{method} takes parcels of up to {limit}, and this order weighs more. "
            "Please choose another shipping method.",
        )
