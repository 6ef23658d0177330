"""The Django floor's server: Django's own ASGI handler (django.core.asgi), as a project without
the store's handler (project/handler.py) would run, with the floor's settings (no middleware)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings_bare")
application = get_asgi_application()
