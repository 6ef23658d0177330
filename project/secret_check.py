"""A deployment brings its own secrets, or does not start (settings.py calls this in the services mode)."""

from django.core.exceptions import ImproperlyConfigured


def require_secrets(values: dict[str, str], *, demo: dict[str, str]) -> None:
    """Refuse to configure a web, worker or beat process (or any manage.py command) of the services
    mode whose secrets are missing or are the demo's, naming each variable to set."""
    wrong = [name for name, value in values.items() if not value or value == demo[name]]
    if wrong:
        raise ImproperlyConfigured(
            f"{' and '.join(wrong)} must be set to secret values of this deployment: with DATABASE_URL or "
            "REDIS_URL set (the services mode) the embedded demo's published values are refused. Generate one "
            "with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))' (STRIPE_WEBHOOK_SECRET: the "
            "signing secret of your Stripe webhook endpoint, or any random value registered with localstripe)."
        )
