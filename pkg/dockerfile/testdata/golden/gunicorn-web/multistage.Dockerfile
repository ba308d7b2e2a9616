# Dockerfile for gunicorn-web 1.0.0, written by `canto dockerfile --strategy multistage`.
#
# Strategy multistage: one dependency stage feeds a development target (with the
# development groups and Poetry) and a production target (neither).
#
# Target: linux/amd64 python3.11 glibc-2.36; Poetry 1.3.2.
#
# Build it with BuildKit (DOCKER_BUILDKIT=1 on Docker before 23):
#   docker build --target production --tag gunicorn-web .
#   docker build --target development --tag gunicorn-web:dev .
# Credentials for private indexes come from BuildKit secrets, never ARG or ENV:
#   --secret id=testworld-username,src=FILE --secret id=testworld-password,src=FILE

# base is what production and development share.
FROM python:3.11-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH
WORKDIR /app

# dependencies holds the main group's dependencies, built with Poetry.
FROM base AS dependencies
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POETRY_NO_INTERACTION=1 \
    PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
    POETRY_VIRTUALENVS_IN_PROJECT=true
# Poetry 1.3.2 in a virtualenv of its own (PEP 668 forbids installing into the system Python).
RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir poetry==1.3.2
COPY pyproject.toml poetry.lock ./
RUN --mount=type=secret,id=testworld-username \
    --mount=type=secret,id=testworld-password \
    if [ -f /run/secrets/testworld-username ]; then export POETRY_HTTP_BASIC_TESTWORLD_USERNAME="$(cat /run/secrets/testworld-username)"; fi \
    && if [ -f /run/secrets/testworld-password ]; then export POETRY_HTTP_BASIC_TESTWORLD_PASSWORD="$(cat /run/secrets/testworld-password)"; fi \
    && POETRY_CACHE_DIR=/tmp/poetry-cache /opt/poetry/bin/poetry install --only main --no-root \
    && rm -rf /tmp/poetry-cache

# development is the development image: the development groups, Poetry and a compiler (--target development).
FROM dependencies AS development
ENV PATH=/app/.venv/bin:/opt/poetry/bin:$PATH
COPY . .
# The project itself, last: editing code reruns only this.
RUN POETRY_CACHE_DIR=/tmp/poetry-cache /opt/poetry/bin/poetry install --only main \
    && rm -rf /tmp/poetry-cache
CMD ["gunicorn-web"]

# build installs the project on top of the main group.
FROM dependencies AS build
COPY . .
# The project itself, last: editing code reruns only this.
RUN POETRY_CACHE_DIR=/tmp/poetry-cache /opt/poetry/bin/poetry install --only main \
    && rm -rf /tmp/poetry-cache

# production is the production image, the default target: no compiler, no Poetry.
FROM base AS production
COPY --from=build /app /app
CMD ["gunicorn-web"]
