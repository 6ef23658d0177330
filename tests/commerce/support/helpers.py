"""What the support tests share. A plain module (test modules never import each other)."""

from django.test import Client

from commerce.accounts.models import User


def signed_in(user: User) -> Client:
    """A client signed in as `user` whose requests look like htmx's."""
    client = Client(HTTP_HX_REQUEST="true")
    client.force_login(user)
    return client
