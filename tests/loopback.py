"""A real HTTP server on loopback for tests that play a partner's receiving URL.

:func:`post_server` serves until the block ends and hands every POST to ``answer``, which gets the
request headers and body and returns the status, content type and body to send back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = Callable[[dict[str, str], bytes], tuple[int, str, bytes]]


@contextmanager
def post_server(answer: Answer, path: str = "/") -> Iterator[str]:
    """Serve on a free loopback port; yields the URL (with ``path``) to post to."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, content_type, reply = answer(dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_args: object) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


__all__ = ["Answer", "post_server"]
