# Dockerfile for gunicorn-web 1.0.0, written by `canto dockerfile --strategy layered`.
#
# Strategy layered: the virtualenv is built in a builder stage and copied into a
# slim runtime stage at the same absolute path (its scripts' shebangs name it).
#
# Target: linux/amd64 python3.11 glibc-2.36; Poetry 1.8.5.
#
# Build it with BuildKit (DOCKER_BUILDKIT=1 on Docker before 23):
#   docker build --tag gunicorn-web .
# Credentials for private indexes come from BuildKit secrets, never ARG or ENV:
#   --secret id=testworld-username,src=FILE --secret id=testworld-password,src=FILE

# builder installs the compiler, Poetry, the dependencies and the project.
FROM python:3.11-slim-bookworm AS builder
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POETRY_NO_INTERACTION=1 \
    PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
    POETRY_VIRTUALENVS_IN_PROJECT=true
# Poetry 1.8.5 in a virtualenv of its own (PEP 668 forbids installing into the system Python).
RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir poetry==1.8.5
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN --mount=type=secret,id=testworld-username \
    --mount=type=secret,id=testworld-password \
    if [ -f /run/secrets/testworld-username ]; then export POETRY_HTTP_BASIC_TESTWORLD_USERNAME="$(cat /run/secrets/testworld-username)"; fi \
    && if [ -f /run/secrets/testworld-password ]; then export POETRY_HTTP_BASIC_TESTWORLD_PASSWORD="$(cat /run/secrets/testworld-password)"; fi \
    && POETRY_CACHE_DIR=/tmp/poetry-cache /opt/poetry/bin/poetry install --only main --no-root \
    && rm -rf /tmp/poetry-cache
COPY . .
# The project itself, last: editing code reruns only this.
RUN POETRY_CACHE_DIR=/tmp/poetry-cache /opt/poetry/bin/poetry install --only main \
    && rm -rf /tmp/poetry-cache

# runtime is the image: the same base, no compiler, no Poetry.
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH
WORKDIR /app
# The virtualenv must keep its absolute path: its scripts' shebangs name /app/.venv/bin/python.
COPY --from=builder /app /app
CMD ["gunicorn-web"]
