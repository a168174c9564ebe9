# syntax=docker/dockerfile:1
# CCEI Live Companion. Build: docker build -t ccei-companion .   Run: see compose.yaml and
# docs/operations.md. Secrets (DISCORD_TOKEN, YOUTUBE_API_KEY) come from the environment at run
# time, never from the image.

# -- build: install the project from its own metadata (pyproject.toml) into a virtualenv -----------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY config ./config
RUN python -m venv /opt/venv && /opt/venv/bin/pip install .

# -- run: the virtualenv only, as an unprivileged user --------------------------------------------
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    CCEI_DATA_DIR=/data \
    CCEI_HTTP_HOST=0.0.0.0 \
    CCEI_HTTP_PORT=8080
RUN groupadd --system --gid 10001 ccei \
    && useradd --system --uid 10001 --gid ccei --home-dir /data --shell /usr/sbin/nologin ccei \
    && mkdir /data && chown ccei:ccei /data
COPY --from=build /opt/venv /opt/venv
USER ccei
WORKDIR /data
# The SQLite database (back it up with: docker compose exec bot ccei-bot backup /data/backup.sqlite3).
VOLUME ["/data"]
# The event config is baked in (the packaged config/); mount your own and set CCEI_CONFIG to use it.
# /healthz and /metrics: off by default in the config, on in the image.
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot.ops.healthcheck"]
ENTRYPOINT ["ccei-bot"]
CMD ["run"]
