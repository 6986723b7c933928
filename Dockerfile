# syntax=docker/dockerfile:1
# One image for the five Animo services; the command picks the service:
#   docker build -t animo:dev .
#   docker run --rm -p 8004:8004 animo:dev animo_crm
# ENTRYPOINT is `python -m`, so the command is a module name (animo_ingest,
# animo_moderation, animo_publisher, animo_crm, animo_reporting).

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: resolve the whole workspace from uv.lock into /app/.venv ----------
FROM ${PYTHON_IMAGE} AS build

# Same uv as the Makefile, from PyPI (the only registry the build machines reach).
ARG UV_VERSION=0.13.8
RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"

# Bytecode is compiled here because the runtime filesystem is read-only in k8s.
# --no-editable copies the workspace packages into the venv, so the runtime
# stage needs the venv alone, not the source tree.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /src

# Third-party dependencies first, from the lock and manifests only, so editing
# code does not invalidate this (slow) layer.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY devtools/pyproject.toml devtools/
COPY services/ingest/pyproject.toml services/ingest/
COPY services/moderation/pyproject.toml services/moderation/
COPY services/publisher/pyproject.toml services/publisher/
COPY services/crm/pyproject.toml services/crm/
COPY services/reporting/pyproject.toml services/reporting/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --all-packages --no-dev --no-install-workspace

# Then the workspace's own packages.
COPY shared/ shared/
COPY devtools/ devtools/
COPY services/ services/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --all-packages --no-dev --no-editable

# --- runtime: the venv, a non-root user, nothing else -------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="animo" \
      org.opencontainers.image.description="Animo services (ingest, moderation, publisher, crm, reporting)"

# uid/gid 10001: numeric so Kubernetes can verify runAsNonRoot, high enough
# not to collide with a host user.
RUN groupadd --system --gid 10001 animo \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin animo \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/animo

# Owned by root: the service user can run the code but not rewrite it.
COPY --from=build /app/.venv /app/.venv

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ANIMO_DATA_DIR=/var/lib/animo

USER 10001:10001
WORKDIR /var/lib/animo

# ingest, moderation, publisher, crm, reporting
EXPOSE 8001 8002 8003 8004 8005

ENTRYPOINT ["python", "-m"]
CMD ["animo_ingest"]
