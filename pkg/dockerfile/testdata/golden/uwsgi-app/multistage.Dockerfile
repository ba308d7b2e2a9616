# Dockerfile for uwsgi-app 0.3.0, written by `canto dockerfile --strategy multistage`.
#
# Strategy multistage: one dependency stage feeds a development target (with the
# development groups and Poetry) and a production target (neither).
#
# Target: linux/amd64 python3.11 glibc-2.36; Poetry 1.3.2.
# Built from source (no wheel fits): psycopg2 2.9.5, uwsgi 2.0.21.
#
# Build it with BuildKit (DOCKER_BUILDKIT=1 on Docker before 23):
#   docker build --target production --tag uwsgi-app .
#   docker build --target development --tag uwsgi-app:dev .
# Credentials for private indexes come from BuildKit secrets, never ARG or ENV:
#   --secret id=acme-username,src=FILE --secret id=acme-password,src=FILE

# base is what production and development share.
FROM python:3.11-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH
# Shared libraries the compiled dependencies load.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends libpcre3 libpq5 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# dependencies holds the main group's dependencies, built with Poetry.
FROM base AS dependencies
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POETRY_NO_INTERACTION=1 \
    PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
    POETRY_VIRTUALENVS_IN_PROJECT=true
# Compiler and headers for the dependencies built from source.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends gcc libc6-dev libpcre3-dev libpq-dev \
    && rm -rf /var/lib/apt/lists/*
# Poetry 1.3.2 in a virtualenv of its own (PEP 668 forbids installing into the system Python).
RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir poetry==1.3.2
COPY pyproject.toml poetry.lock ./
RUN --mount=type=secret,id=acme-username \
    --mount=type=secret,id=acme-password \
    if [ -f /run/secrets/acme-username ]; then export POETRY_HTTP_BASIC_ACME_USERNAME="$(cat /run/secrets/acme-username)"; fi \
    && if [ -f /run/secrets/acme-password ]; then export POETRY_HTTP_BASIC_ACME_PASSWORD="$(cat /run/secrets/acme-password)"; fi \
    && POETRY_CACHE_DIR=/tmp/poetry-cache /opt/poetry/bin/poetry install --only main --no-root \
    && rm -rf /tmp/poetry-cache

# development is the development image: the development groups, Poetry and a compiler (--target development).
FROM dependencies AS development
ENV PATH=/app/.venv/bin:/opt/poetry/bin:$PATH
RUN --mount=type=secret,id=acme-username \
    --mount=type=secret,id=acme-password \
    if [ -f /run/secrets/acme-username ]; then export POETRY_HTTP_BASIC_ACME_USERNAME="$(cat /run/secrets/acme-username)"; fi \
    && if [ -f /run/secrets/acme-password ]; then export POETRY_HTTP_BASIC_ACME_PASSWORD="$(cat /run/secrets/acme-password)"; fi \
    && POETRY_CACHE_DIR=/tmp/poetry-cache /opt/poetry/bin/poetry install --only main,dev --no-root \
    && rm -rf /tmp/poetry-cache
COPY . .
# The project itself, last: editing code reruns only this.
RUN POETRY_CACHE_DIR=/tmp/poetry-cache /opt/poetry/bin/poetry install --only main,dev \
    && rm -rf /tmp/poetry-cache
CMD ["uwsgi-app"]

# build installs the project on top of the main group.
FROM dependencies AS build
COPY . .
# The project itself, last: editing code reruns only this.
RUN POETRY_CACHE_DIR=/tmp/poetry-cache /opt/poetry/bin/poetry install --only main \
    && rm -rf /tmp/poetry-cache

# production is the production image, the default target: no compiler, no Poetry.
FROM base AS production
COPY --from=build /app /app
CMD ["uwsgi-app"]
