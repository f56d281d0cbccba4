#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# pvd-https.py LOG SPEC...: HTTPS servers of PvD Additional Information for
# the netns tests (RFC 8801 §4.1), one per SPEC, all in this process:
#
#   SPEC = NAME,ADDR,CERT,KEY,MODE[,PREFIX]
#
# serves https://NAME/.well-known/pvd on [ADDR]:443 with CERT/KEY (PEM).
# MODE says what it answers:
#   valid          the object: identifier NAME, expires in a day, prefixes
#                  [PREFIX], dnsZones ["zone.NAME"], noInternet true, and
#                  "x-serial": how many requests this server has answered
#   offset         valid, expires written with a +05:30 offset and a fraction
#   notfound       404
#   redirect       302 to /real (relative), which is served as "valid"
#   wrongid        identifier "other.example"
#   past           expires a minute ago
#   noprefixes     no "prefixes"
#   uncovered      prefixes ["2001:db8:ffff::/48"] (not the PvD's PIO)
#   nointernetstr  "noInternet": "true" (a string)
#   dup            "identifier" twice, the first one wrong
#   big            a valid object padded past 64 KiB
# Every accepted connection ("conn") and request ("GET path") is appended to
# LOG as "NAME EPOCH_MS EVENT CLIENT_ADDR [PATH]", so tests can count them and
# see where they came from.
import datetime
import http.server
import json
import socket
import ssl
import sys
import threading
import time

log_path = sys.argv[1]
log_lock = threading.Lock()


def log(name, event, client, extra=""):
    with log_lock, open(log_path, "a") as f:
        f.write(f"{name} {int(time.time() * 1000)} {event} {client} {extra}\n")


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def body_for(name, mode, prefix, serial):
    now = datetime.datetime.now(datetime.timezone.utc)
    obj = {
        "identifier": name,
        "expires": iso(now + datetime.timedelta(days=1)),
        "prefixes": [prefix],
        "dnsZones": ["zone." + name],
        "noInternet": True,
        "x-serial": serial,
    }
    if mode == "offset":
        tz = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
        obj["expires"] = (now + datetime.timedelta(days=1)).astimezone(tz).strftime(
            "%Y-%m-%dT%H:%M:%S.123456+05:30")
    elif mode == "wrongid":
        obj["identifier"] = "other.example"
    elif mode == "past":
        obj["expires"] = iso(now - datetime.timedelta(minutes=1))
    elif mode == "noprefixes":
        del obj["prefixes"]
    elif mode == "uncovered":
        obj["prefixes"] = ["2001:db8:ffff::/48"]
    elif mode == "nointernetstr":
        obj["noInternet"] = "true"
    elif mode == "dup":
        text = json.dumps(obj)
        return ('{"identifier": "other.example", ' + text[1:]).encode()
    elif mode == "big":
        obj["x-padding"] = "x" * 70000
    return json.dumps(obj).encode()


def make_server(name, addr, cert, key, mode, prefix):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    served = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def do_GET(self):
            log(name, "GET", self.client_address[0], self.path)
            served[0] += 1
            if mode == "notfound":
                self.send_error(404)
                return
            if mode == "redirect" and self.path != "/real":
                self.send_response(302)
                self.send_header("Location", "/real")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = body_for(name, "valid" if mode == "redirect" else mode, prefix, served[0])
            self.send_response(200)
            self.send_header("Content-Type", "application/pvd+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6
        daemon_threads = True

        def server_bind(self):
            self.socket.setsockopt(socket.SOL_IP, getattr(socket, "IP_FREEBIND", 15), 1)
            super().server_bind()

        def get_request(self):
            sock, client = self.socket.accept()
            log(name, "conn", client[0])
            sock.settimeout(10)
            return ctx.wrap_socket(sock, server_side=True), client

        def handle_error(self, request, client_address):
            log(name, "error", client_address[0], str(sys.exc_info()[1]).replace(" ", "_")[:80])

    return Server((addr, 443), Handler)


servers = []
for spec in sys.argv[2:]:
    parts = spec.split(",")
    name, addr, cert, key, mode = parts[:5]
    prefix = parts[5] if len(parts) > 5 else "::/0"
    servers.append(make_server(name, addr, cert, key, mode, prefix))
for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
log("-", "ready", "-")
threading.Event().wait()
