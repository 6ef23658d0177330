"""Logging: JSON lines on stdout, each with the id of the request (or of the task it queued) that wrote it."""

from typing import Any


def json_lines(level: str) -> dict[str, Any]:
    """Django's LOGGING for every process: web, worker and beat, and manage.py commands."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "filters": {"request_id": {"()": "project.request_id.RequestIdFilter"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}},
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            "daphne": {"level": "WARNING"},
            "elastic_transport": {"level": "WARNING"},  # one INFO line per request otherwise
        },
    }
