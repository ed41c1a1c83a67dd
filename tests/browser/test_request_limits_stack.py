"""Bodies bounded by the deployed portal: what gunicorn hands on, refused before it is read (no browser needed)."""

import socket
from urllib.parse import urlsplit

MIB = 1024 * 1024


def _exchange(portal, head: bytes, body_chunks=()) -> bytes:
    """Send a raw request (its head, then as much of the body as the server takes); the answer."""
    address = urlsplit(portal.url)
    with socket.create_connection((address.hostname, address.port), timeout=20) as conn:
        conn.sendall(head)
        try:
            for chunk in body_chunks:
                conn.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed without reading the rest
        answer = b""
        try:
            while data := conn.recv(65536):
                answer += data
        except ConnectionResetError:
            pass
    return answer


def _head(portal, path: str, *headers: str) -> bytes:
    host = urlsplit(portal.url).netloc
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/x-www-form-urlencoded", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_a_declared_huge_body_is_refused_before_it_is_sent(portal):
    # Only the head goes out: the answer comes without a byte of the 200 MiB.
    answer = _exchange(portal, _head(portal, "/compte/login/", f"Content-Length: {200 * MIB}"))

    assert answer.startswith(b"HTTP/1.1 413")
    assert "Envoi trop volumineux" in answer.decode(errors="replace")


def test_a_chunked_body_past_its_budget_is_refused(portal):
    chunk = b"x" * 16384
    encoded = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    body = [encoded] * 64 + [b"0\r\n\r\n"]  # 1 MiB, chunked, to a 64 KiB sign-in form

    answer = _exchange(portal, _head(portal, "/compte/login/", "Transfer-Encoding: chunked"), body)

    assert answer.startswith(b"HTTP/1.1 413")
    assert "Envoi trop volumineux" in answer.decode(errors="replace")


def test_a_request_line_too_long_never_reaches_the_portal(portal):
    answer = _exchange(portal, _head(portal, "/formations/?q=" + "a" * 5000, "Content-Length: 0"))

    assert answer.startswith(b"HTTP/1.1 400") or answer.startswith(b"HTTP/1.1 414")
