# Dockerfile for uwsgi-app 0.3.0, written by `canto dockerfile --strategy recommended`.
#
# Strategy recommended: Poetry pinned and kept out of the final image; the
# dependency layer depends on pyproject.toml and poetry.lock alone; cache and
# secret mounts; the project installed last, as a wheel; no compiler; non-root.
#
# Target: linux/amd64 python3.11 glibc-2.36; Poetry 1.3.2.
# Built from source (no wheel fits): psycopg2 2.9.5, uwsgi 2.0.21.
#
# Build it with BuildKit (DOCKER_BUILDKIT=1 on Docker before 23):
#   docker build --tag uwsgi-app .
# Credentials for private indexes come from BuildKit secrets, never ARG or ENV:
#   --secret id=acme-username,src=FILE --secret id=acme-password,src=FILE

# builder builds the dependencies with a pinned Poetry into /opt/venv.
FROM python:3.11-slim-bookworm AS builder
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POETRY_NO_INTERACTION=1 \
    PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
    VIRTUAL_ENV=/opt/venv
# Compiler and headers for the dependencies built from source.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends gcc libc6-dev libpcre3-dev libpq-dev \
    && rm -rf /var/lib/apt/lists/*
# Poetry 1.3.2 in a virtualenv of its own (PEP 668 forbids installing into the system Python).
RUN --mount=type=cache,target=/root/.cache/pip \
    python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install poetry==1.3.2 \
    && python3 -m venv /opt/venv
WORKDIR /app
# This layer depends on pyproject.toml and poetry.lock alone.
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry \
    --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=acme-username \
    --mount=type=secret,id=acme-password \
    if [ -f /run/secrets/acme-username ]; then export POETRY_HTTP_BASIC_ACME_USERNAME="$(cat /run/secrets/acme-username)"; fi \
    && if [ -f /run/secrets/acme-password ]; then export POETRY_HTTP_BASIC_ACME_PASSWORD="$(cat /run/secrets/acme-password)"; fi \
    && /opt/poetry/bin/poetry install --only main --no-root

# wheels builds the project as a wheel.
FROM builder AS wheels
COPY . .
RUN /opt/poetry/bin/poetry build --format wheel

# runtime is the image: the virtualenv and the project; no compiler, no Poetry, not root.
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
# Shared libraries the compiled dependencies load.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends libpcre3 libpq5 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app
# The virtualenv keeps its absolute path: its scripts' shebangs name /opt/venv/bin/python.
COPY --from=builder /opt/venv /opt/venv
RUN --mount=type=bind,from=wheels,source=/app/dist,target=/tmp/dist \
    pip install --no-deps --no-index --no-cache-dir /tmp/dist/*.whl
WORKDIR /app
# The project's files, last (for files such as configuration that the command reads).
COPY . .
USER 10001:10001
CMD ["uwsgi-app"]
