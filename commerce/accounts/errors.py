from commerce.errors import DomainError


class AccountError(DomainError):
    """An account step that did not happen; `message` is written for the person asking."""

    @classmethod
    def link_invalid(cls) -> "AccountError":
        return cls("link_invalid", "This sign-up link is not valid. Please sign up again to get a new one.", 400)

    @classmethod
    def link_expired(cls) -> "AccountError":
        return cls("link_expired", "This sign-up link has expired. Please sign up again to get a new one.", 410)

    @classmethod
    def link_used(cls) -> "AccountError":
        return cls("link_used", "This link was already used: the account exists. Sign in with its password.", 409)

    @classmethod
    def email_unavailable(cls) -> "AccountError":
        return cls("email_unavailable", "We could not send the email just now. Please try again in a few minutes.", 503)

    @classmethod
    def email_link_invalid(cls) -> "AccountError":
        return cls("email_link_invalid", "This email link is not valid. Ask for a new one from your account page.", 400)

    @classmethod
    def email_link_expired(cls) -> "AccountError":
        return cls("email_link_expired", "This email link has expired. Ask for a new one from your account page.", 410)

    @classmethod
    def email_link_used(cls) -> "AccountError":
        return cls("email_link_used", "This email link was already used, or a newer one replaced it.", 409)

    @classmethod
    def email_taken(cls) -> "AccountError":
        return cls("email_taken", "Another account uses this email address, so it cannot be moved to yours.", 409)
