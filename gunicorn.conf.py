"""Gunicorn settings for the portal's web container.

The number of workers comes from WEB_CONCURRENCY (gunicorn's own variable); where it listens
from GUNICORN_BIND, which proxies it believes from FORWARDED_ALLOW_IPS (the settings read it too).
"""

import ipaddress
import os


def trusted_proxies(value: str) -> str:
    """FORWARDED_ALLOW_IPS checked: addresses or networks of proxies, never everyone ("*")."""
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    for entry in entries:
        try:
            everyone = ipaddress.ip_network(entry, strict=False).prefixlen == 0
        except ValueError:
            everyone = True
        if everyone:
            raise ValueError(f"FORWARDED_ALLOW_IPS: {entry!r} is not the address or network of a proxy (never '*').")
    return ",".join(entries)


# In the container, every interface (docker-compose publishes the port to the host's loopback).
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
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
# Masks the tokens (reset, confirmation and claim links) and the search terms of the request
# lines and Referers it writes (core/log_redaction.py).
logger_class = "core.gunicorn_logging.RedactingLogger"
# X-Forwarded-Proto (the request came over HTTPS) is believed from the reverse proxy only; from
# anyone ("*"), a client reaching this port directly could claim it.
forwarded_allow_ips = trusted_proxies(os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"))
# What a request may send before the portal sees it: the request line (the address and its
# query string), the number of headers and the size of each. The body is bounded by the portal
# itself, per page (core.request_limits); the proxy in front keeps the same limits or tighter.
limit_request_line = 4094
limit_request_fields = 64
limit_request_field_size = 8190
