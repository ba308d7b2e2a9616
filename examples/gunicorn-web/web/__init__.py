"""gunicorn-web: a framework-free WSGI application."""
