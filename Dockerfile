# syntax=docker/dockerfile:1

# --- builder: the dependencies in a venv, from the lock file alone --------------
FROM python:3.11-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /build
# Only the lock and pyproject.toml: a code change leaves this layer (and the install) cached.
# Every package is pinned and checked against its hashes (requirements.lock, `make lock`);
# the project itself adds no dependency of its own (--no-deps).
COPY requirements.lock pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip pip install --require-hashes -r requirements.lock \
 && pip install --no-deps .

# --- runtime: web, worker, beat and migrate, chosen by the command -------------
FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    STATIC_MANIFEST=1 \
    MEDIA_ROOT=/app/var/media
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY --chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# Source stays root-owned (read-only to the app); only var/ (media) is writable.
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
 && python -m compileall -q project commerce realtime \
 && mkdir -p var/media \
 && chown -R app:app var
USER 10001:10001
EXPOSE 8000
# For the web role. Host: localhost is in every ALLOWED_HOSTS this project ships (the probes use it too).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': 'localhost'}), timeout=4)"]
# web: Daphne on :8000 with --proxy-headers (X-Forwarded-For from the ingress or proxy);
# worker | beat | migrate | seed: see deploy/docker-entrypoint.sh.
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["web"]
