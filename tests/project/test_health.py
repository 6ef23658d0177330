import json
import logging

import pytest

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_every_dependency(client, settings):
    assert settings.REDIS_URL, "the suite runs in the services mode"

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "failed": [],
        "checks": {"database": "ok", "cache": "ok", "channel_layer": "ok", "broker": "ok", "search": "ok: database"},
    }


def test_readyz_names_what_failed(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": [DEAD_REDIS]}}
    }

    response = client.get("/readyz")

    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["failed"] == ["cache", "channel_layer"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("error: ConnectionError")


def test_logs_are_json_lines():
    handler = logging.getLogger().handlers[0]
    logger = logging.getLogger("commerce.test")
    record = logger.makeRecord("commerce.test", logging.WARNING, __file__, 1, "hello", (), None, extra={"order": "A1"})

    line = handler.format(record)

    assert json.loads(line) == {
        "time": json.loads(line)["time"],
        "level": "WARNING",
        "logger": "commerce.test",
        "message": "hello",
        "order": "A1",
    }
