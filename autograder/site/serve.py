"""`dlcourse site serve`: serves a built site with Python's http.server, on 127.0.0.1."""

import functools
import http.server
import threading
from pathlib import Path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def start_server(
    html: Path, *, host: str = "127.0.0.1", port: int = 0, quiet: bool = True
) -> http.server.ThreadingHTTPServer:
    """Serves `html` from a background thread; port 0 picks a free port.

    The caller stops it with `server.shutdown()`; `server.server_address` has the port.
    """
    if not (html / "index.html").is_file():
        raise FileNotFoundError(f"No built site in {html}: run `dlcourse site build` first.")
    handler = _QuietHandler if quiet else http.server.SimpleHTTPRequestHandler
    server = http.server.ThreadingHTTPServer(
        (host, port), functools.partial(handler, directory=str(html))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve(html: Path, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serves `html` until interrupted (Ctrl-C), logging each request."""
    server = start_server(html, host=host, port=port, quiet=False)
    bound_host, bound_port = server.server_address[:2]
    print(f"Serving {html} at http://{bound_host}:{bound_port}/ (Ctrl-C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
