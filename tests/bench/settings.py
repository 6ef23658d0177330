"""The store's settings plus one bench-only URL (/bench/trivial/); the product's URLs are untouched."""

from project.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
