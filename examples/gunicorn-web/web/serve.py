"""The gunicorn-web console script: runs gunicorn on web.app:application."""

import sys

from gunicorn.app.wsgiapp import run


def main() -> None:
    sys.argv = ["gunicorn", "--bind", "127.0.0.1:8001", *sys.argv[1:], "web.app:application"]
    run()
