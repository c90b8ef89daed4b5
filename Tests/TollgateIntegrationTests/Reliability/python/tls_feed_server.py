"""A one-purpose HTTPS feed for the TLS verification tests.

Usage: tls_feed_server.py CERT KEY. Listens on 127.0.0.1 on a free port, prints the port on
stdout, and answers GET /v1/feed with an empty snapshot (a sync event) over TLS. Runs until killed.
"""
import http.server
import ssl
import sys


class Feed(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if not self.path.startswith("/v1/feed"):
            self.send_error(404)
            return
        body = b'event: sync\ndata: {"seq":0,"pending":0}\n\n'
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    cert, key = sys.argv[1], sys.argv[2]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
