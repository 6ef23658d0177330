#!/bin/sh
# The embedded demo (`make run`): localstripe, the periodic jobs and Daphne; when
# Daphne exits, or on Ctrl-C / TERM, the others are stopped too.
set -eu

BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Where settings point the Stripe client: localstripe on loopback unless real keys are set.
STRIPE_API_BASE=$(DJANGO_SETTINGS_MODULE=project.settings "$BIN/python" -c \
    "import django; django.setup(); from django.conf import settings; print(settings.STRIPE_API_BASE)")
STRIPE_PORT=$(echo "$STRIPE_API_BASE" | sed -n 's#^http://[^/]*:\([0-9][0-9]*\).*#\1#p')

mkdir -p var
pids=""
cleanup() {
    trap - EXIT INT TERM
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

case "$STRIPE_API_BASE" in
    http://127.0.0.1:*|http://localhost:*)
        # Another localstripe on that port would take our webhook registration and our payments.
        if ! "$BIN/python" -c 'import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", int(sys.argv[1])))' "${STRIPE_PORT:-80}" 2>/dev/null; then
            echo "Port ${STRIPE_PORT:-80} (localstripe) is in use: set STRIPE_PORT to a free one (make run STRIPE_PORT=8421)." >&2
            exit 1
        fi
        "$BIN/python" -m commerce.payments.fake_stripe --port "${STRIPE_PORT:-80}" >var/localstripe.log 2>&1 &
        pids="$pids $!"
        "$BIN/python" manage.py localstripe_webhook --url "http://$HOST:$PORT/payments/stripe/webhook/"
        echo "localstripe: $STRIPE_API_BASE (log in var/localstripe.log); test card 4242424242424242"
        ;;
esac

# Beat's schedule (hold release, outbox sweep, unread support replies, search check) in process.
"$BIN/python" manage.py run_periodic >var/periodic.log 2>&1 &
pids="$pids $!"

# In the background too, so that this shell handles Ctrl-C / TERM at once (cleanup stops all).
"$BIN/daphne" -b "$HOST" -p "$PORT" project.asgi:application &
daphne=$!
pids="$pids $daphne"
wait "$daphne"
