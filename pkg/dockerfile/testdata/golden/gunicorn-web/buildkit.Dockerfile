# Dockerfile for gunicorn-web 1.0.0, written by `canto dockerfile --strategy buildkit`.
#
# Strategy buildkit: the slim strategy with BuildKit cache mounts for the pip and
# Poetry caches, so a changed lock downloads only what is new.
#
# Target: linux/amd64 python3.11 glibc-2.36; Poetry 1.3.2.
#
# Build it with BuildKit (DOCKER_BUILDKIT=1 on Docker before 23):
#   docker build --tag gunicorn-web .
# Credentials for private indexes come from BuildKit secrets, never ARG or ENV:
#   --secret id=testworld-username,src=FILE --secret id=testworld-password,src=FILE

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POETRY_NO_INTERACTION=1 \
    PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
    POETRY_VIRTUALENVS_IN_PROJECT=true \
    PATH=/app/.venv/bin:$PATH
# Poetry 1.3.2 in a virtualenv of its own (PEP 668 forbids installing into the system Python).
RUN --mount=type=cache,target=/root/.cache/pip \
    python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install poetry==1.3.2
WORKDIR /app
# Dependencies first: this layer is rebuilt only when pyproject.toml or poetry.lock change.
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry \
    --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=testworld-username \
    --mount=type=secret,id=testworld-password \
    if [ -f /run/secrets/testworld-username ]; then export POETRY_HTTP_BASIC_TESTWORLD_USERNAME="$(cat /run/secrets/testworld-username)"; fi \
    && if [ -f /run/secrets/testworld-password ]; then export POETRY_HTTP_BASIC_TESTWORLD_PASSWORD="$(cat /run/secrets/testworld-password)"; fi \
    && /opt/poetry/bin/poetry install --only main --no-root
COPY . .
# The project itself, last: editing code reruns only this.
RUN --mount=type=cache,target=/root/.cache/pypoetry \
    --mount=type=cache,target=/root/.cache/pip \
    /opt/poetry/bin/poetry install --only main
CMD ["gunicorn-web"]
