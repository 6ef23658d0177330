from commerce.errors import DomainError


class ReviewError(DomainError):
    """A review that cannot be written or changed (422 unless said); `message` says why, for the person."""

    @classmethod
    def sign_in(cls) -> "ReviewError":
        return cls("sign_in", "Sign in to review this product.", status=403)

    @classmethod
    def not_a_buyer(cls) -> "ReviewError":
        return cls("not_a_buyer", "Only customers who received this product can review it.", status=403)

    @classmethod
    def already_reviewed(cls) -> "ReviewError":
        return cls("already_reviewed", "You have already reviewed this product.", status=409)

    @classmethod
    def not_found(cls) -> "ReviewError":
        return cls("not_found", "That review does not exist.", status=404)
