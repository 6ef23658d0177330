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
