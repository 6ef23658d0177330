"""The server process's garbage collector, as Daphne gets it from project/asgi.py."""

import json
import os
import subprocess
import sys

REPORT = (
    "import gc, json, project.asgi;"
    "print(json.dumps({'thresholds': gc.get_threshold(), 'frozen': gc.get_freeze_count()}))"
)


def server_gc(**env: str) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        [sys.executable, "-c", REPORT],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_start_up_objects_are_frozen_and_young_collections_are_rarer():
    report = server_gc()

    assert report["thresholds"] == [10_000, 20, 100]
    assert report["frozen"] > 50_000  # Django, the apps and the server, never walked again


def test_the_thresholds_can_be_set():
    assert server_gc(GC_THRESHOLDS="700,10,10")["thresholds"] == [700, 10, 10]
