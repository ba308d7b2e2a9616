"""The WSGI entry point uWSGI loads (module = app.wsgi:application)."""

from app import create_app

application = create_app()
