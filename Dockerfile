# syntax=docker/dockerfile:1

# --- builder: the dependencies in a venv, from pyproject.toml alone ------------
FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /build
# Only pyproject.toml: a code change leaves this layer (and the install) cached.
COPY pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip pip install .

# --- runtime -------------------------------------------------------------------
FROM python:3.11-slim
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
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["web"]
