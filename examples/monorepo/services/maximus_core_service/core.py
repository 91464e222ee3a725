"""Maximus core: renders the organism's vital signs."""

import io
from http.server import BaseHTTPRequestHandler, HTTPServer

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [2, 1, 3])
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(buf.getvalue())


if __name__ == "__main__":
    HTTPServer(("0.0.0.0", 8150), Handler).serve_forever()
