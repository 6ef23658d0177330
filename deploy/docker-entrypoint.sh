#!/bin/sh
# One image, several roles: web (default) | worker | beat | migrate | seed.
# Extra arguments go to the underlying command; anything else is exec'd as-is.
set -eu

[ $# -gt 0 ] || set -- web
role=$1

case "$role" in
  web)
    shift
    exec daphne -b 0.0.0.0 -p 8000 --proxy-headers --application-close-timeout 10 "$@" project.asgi:application
    ;;
  worker)
    shift
    if [ "${METRICS_WORKER_PORT:-0}" != 0 ]; then
      # Tasks run in pool processes: each writes its counts to files here, and the exporter in
      # the main process adds them up (prometheus_client's multiprocess mode). Fresh per start.
      PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus-worker}
      rm -rf "$PROMETHEUS_MULTIPROC_DIR"
      mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
      export PROMETHEUS_MULTIPROC_DIR
    fi
    exec celery -A project worker --loglevel="${LOG_LEVEL:-INFO}" "$@"
    ;;
  beat)
    shift
    # The schedule file goes to /tmp: the root filesystem may be read-only.
    exec celery -A project beat --loglevel="${LOG_LEVEL:-INFO}" --schedule=/tmp/celerybeat-schedule "$@"
    ;;
  migrate)
    shift
    exec python manage.py migrate --noinput "$@"
    ;;
  seed)
    shift
    exec python manage.py seed_demo "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
