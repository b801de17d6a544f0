"""Serves the reference chat page (widget/) for the local stack.

Everything is served from widget/ as files, except /config.js, which is generated from
WIDGET_API_URL, WIDGET_PARTICIPANT_ENDPOINT and AWS_REGION so the page points at this run's
ports. Usage: python3 scripts/serve_widget.py PORT
"""
import functools
import http.server
import json
import os
import sys

WIDGET_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "widget")


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] == "/config.js":
            config = {
                "apiBaseUrl": os.environ["WIDGET_API_URL"],
                "region": os.environ.get("AWS_REGION", "us-east-1"),
                "participantEndpoint": os.environ.get("WIDGET_PARTICIPANT_ENDPOINT") or None,
            }
            body = ("window.CHAT_WIDGET_CONFIG = %s;\n" % json.dumps(config, indent=2)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args):
        pass


def main():
    port = int(sys.argv[1])
    handler = functools.partial(Handler, directory=WIDGET_DIR)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
