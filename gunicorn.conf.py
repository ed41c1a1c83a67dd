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
# Sync workers behind the reverse proxy, which buffers slow clients and keeps their connections
# open; a sync worker closes each connection after its answer, so no keepalive is set here.
worker_class = "sync"
# Uploads of up to a few MiB over a slow mobile connection: be patient with
# clients, but never let one request hold a worker forever.
timeout = 60
graceful_timeout = 30
# Recycling by memory, not by count: a worker whose memory passes WEB_MAX_MEMORY_MB (checked
# every few requests) finishes its request and is replaced. Restarting every thousand requests
# cost a third of the throughput under load (a new worker imports the whole portal); the large
# count below only bounds what a leak the memory check cannot see would do.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "200000"))
max_requests_jitter = int(os.environ.get("WEB_MAX_REQUESTS_JITTER", str(max_requests // 10)))
max_memory_mb = int(os.environ.get("WEB_MAX_MEMORY_MB", "200"))
MEMORY_CHECK_EVERY = 20
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


def resident_memory_mb() -> float:
    """This process's resident memory, from /proc (0 where there is no /proc)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def post_request(worker, req, environ, resp):
    """Every MEMORY_CHECK_EVERY requests, replace a worker grown past ``max_memory_mb``."""
    worker.requests_checked = getattr(worker, "requests_checked", 0) + 1
    if worker.requests_checked % MEMORY_CHECK_EVERY:
        return
    used = resident_memory_mb()
    if max_memory_mb and used > max_memory_mb:
        message = "Worker %s uses %.0f MB (limit %d MB): replaced after this request."
        worker.log.info(message, worker.pid, used, max_memory_mb)
        worker.alive = False
