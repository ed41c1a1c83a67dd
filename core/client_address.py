"""Who is asking: the person's own address, not that of the reverse proxy in front of the portal.

Behind the proxy every connection comes from the proxy, which appends the address it was reached
from to ``X-Forwarded-For``. The header is believed only on a connection from one of
``TRUSTED_PROXIES``: a client reaching the server directly could write any address in it.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """The connection comes from one of the configured reverse proxies."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    # A server listening on IPv6 sees an IPv4 proxy as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))
