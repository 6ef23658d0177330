"""ASGI entry point: Django for HTTP, Channels for WebSockets (served by Daphne)."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

# Build Django first: it sets up the app registry that the routing imports need.
from project.handler import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

# Errors to Sentry when SENTRY_DSN is set (project/sentry.py); the app is wrapped only then.
from project.sentry import sentry_asgi, sentry_start  # noqa: E402

sentry_start()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from realtime.routing import websocket_urlpatterns  # noqa: E402

application = sentry_asgi(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        }
    )
)

# A live server holds thousands of sockets of ~150 objects each; CPython's full collections walk
# them all and pause every push meanwhile (BENCHMARKS.md, section 1). What start-up built lives as
# long as the process: frozen, it is never walked again; and the young generations are collected
# less often, so fewer of their survivors reach the old one and full collections come rarely.
from django.conf import settings  # noqa: E402

gc.collect()
gc.freeze()
gc.set_threshold(*settings.GC_THRESHOLDS)
