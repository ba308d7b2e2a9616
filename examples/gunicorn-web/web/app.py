"""The WSGI application: / says hello, /token?user=NAME returns a signed token."""

import json
import os
from urllib.parse import parse_qs

from itsdangerous import URLSafeSerializer

SECRET = os.environ.get("WEB_SECRET", "not-a-secret")


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/":
        body, status = {"message": "hello from gunicorn"}, "200 OK"
    elif path == "/token":
        user = parse_qs(environ.get("QUERY_STRING", "")).get("user", ["anonymous"])[0]
        body, status = {"token": URLSafeSerializer(SECRET).dumps({"user": user})}, "200 OK"
    else:
        body, status = {"error": "not found"}, "404 Not Found"
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
