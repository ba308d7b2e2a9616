# gunicorn settings; see https://docs.gunicorn.org/en/stable/settings.html
bind = "127.0.0.1:8001"
workers = 2
accesslog = "-"
