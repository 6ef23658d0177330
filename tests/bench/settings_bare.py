"""The Django floor: the store's settings with no middleware, serving only the trivial view."""

from .settings import *  # noqa: F403

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "tests.bench.urls_bare"
