"""Gunicorn settings for the portal's web container.

The number of workers comes from WEB_CONCURRENCY (gunicorn's own variable).
"""

bind = "0.0.0.0:8000"
worker_class = "sync"
# Uploads of up to a few MiB over a slow mobile connection: be patient with
# clients, but never let one request hold a worker forever.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak (PDF rendering) cannot grow unbounded.
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"
errorlog = "-"
# The reverse proxy in front sets X-Forwarded-*; Django decides what to trust
# (BEHIND_TLS_PROXY), so gunicorn passes them on from any address.
forwarded_allow_ips = "*"
