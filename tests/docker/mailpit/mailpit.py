#!/usr/bin/env python3
"""CI stand-in for Mailpit (axllent/mailpit), a mail catcher.

It keeps every message it receives over SMTP in memory and shows them over
HTTP, with the part of Mailpit's contract that the project uses, under the
same names, so that a test written against this passes against Mailpit:

    SMTP on 1025 (no TLS, no AUTH, any sender and recipient)
    GET  /                          a plain HTML page listing the messages
    GET  /view/ID                   one message, as text
    GET  /api/v1/messages           {"total", "messages_count", "start",
                                     "messages": [{"ID", "MessageID", "From",
                                     "To": [{"Name", "Address"}], "Cc", "Bcc",
                                     "Subject", "Created", "Size", "Snippet",
                                     ...}]}, newest first (?start= &limit=)
    DELETE /api/v1/messages         all of them, or {"IDs": [...]}
    GET  /api/v1/message/ID         {"ID", "MessageID", "From", "To", "Cc",
                                     "Bcc", "Subject", "Date", "Text", "HTML",
                                     "Size", ...}; ID may be `latest`
    GET  /api/v1/message/ID/raw     the message as received
    GET  /livez, /readyz            200 once both listeners are up

`mailpit readyz` asks /readyz and exits 0 when it answers 200, as Mailpit's
own health check does. Settings, with Mailpit's names and defaults:
MP_SMTP_BIND_ADDR (0.0.0.0:1025), MP_UI_BIND_ADDR (0.0.0.0:8025),
MP_MAX_MESSAGES (500; the oldest go first, 0 keeps all).

Python's standard library and Debian's python3-aiosmtpd only.
"""

import asyncio
import email
import email.policy
import email.utils
import html
import html.parser
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def bind_address(variable, default):
    value = os.environ.get(variable) or default
    host, _, port = value.rpartition(":")
    return (host or "0.0.0.0").strip("[]"), int(port)


SMTP_ADDR = bind_address("MP_SMTP_BIND_ADDR", "0.0.0.0:1025")
UI_ADDR = bind_address("MP_UI_BIND_ADDR", "0.0.0.0:8025")
MAX_MESSAGES = int(os.environ.get("MP_MAX_MESSAGES") or 500)


def log(text):
    print(f"{datetime.now(timezone.utc):%Y/%m/%d %H:%M:%S} [mailpit] {text}", flush=True)


# --- the messages ------------------------------------------------------------


def rfc3339(moment):
    """Go's time.RFC3339Nano in UTC, as Mailpit writes `Created`."""
    text = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"


class TextOfHtml(html.parser.HTMLParser):
    """The text of an HTML body, for a message that has no text/plain part
    (Mailpit fills `Text` from the HTML then, too)."""

    BREAKS = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)

    @classmethod
    def of(cls, markup):
        parser = cls()
        parser.feed(markup)
        parser.close()
        text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
        return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def addresses(message, header):
    """[{"Name", "Address"}] of one address header, as Go's mail.Address."""
    found = []
    for value in message.get_all(header) or []:
        for name, address in email.utils.getaddresses([str(value)]):
            if address:
                found.append({"Name": name, "Address": address})
    return found


def body(message, subtype):
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, ValueError):  # an unknown charset or a broken encoding
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace")


def parse(raw, mail_from, rcpt_tos):
    """One received message as Mailpit's `Message` (the summary is a subset)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    received = datetime.now(timezone.utc)
    try:
        date = email.utils.parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    html_body = body(message, "html")
    text_body = body(message, "plain") or (TextOfHtml.of(html_body) if html_body else "")
    to, cc = addresses(message, "To"), addresses(message, "Cc")
    listed = {a["Address"].lower() for a in to + cc}
    bcc = addresses(message, "Bcc") + [
        {"Name": "", "Address": r} for r in rcpt_tos if r.lower() not in listed
    ]
    sender = (addresses(message, "From") or [{"Name": "", "Address": mail_from}])[0]
    attachments = [
        {"PartID": str(i), "FileName": part.get_filename() or "",
         "ContentType": part.get_content_type(), "ContentID": "", "Size": len(part.as_bytes())}
        for i, part in enumerate(message.iter_attachments(), start=1)
    ]
    return {
        "ID": secrets.token_urlsafe(16),
        "MessageID": str(message["Message-ID"] or "").strip().strip("<>"),
        "From": sender,
        "To": to,
        "Cc": cc,
        "Bcc": bcc,
        "ReplyTo": addresses(message, "Reply-To"),
        "ReturnPath": mail_from,
        "Subject": str(message["Subject"] or ""),
        "Date": rfc3339(date or received),
        "Created": rfc3339(received),
        "Tags": [],
        "Text": text_body,
        "HTML": html_body,
        "Size": len(raw),
        "Inline": [],
        "Attachments": attachments,
        "_raw": raw,
    }


SUMMARY_FIELDS = ("ID", "MessageID", "From", "To", "Cc", "Bcc", "ReplyTo", "Subject",
                  "Created", "Tags", "Size")
DETAIL_FIELDS = ("ID", "MessageID", "From", "To", "Cc", "Bcc", "ReplyTo", "ReturnPath",
                 "Subject", "Date", "Tags", "Text", "HTML", "Size", "Inline", "Attachments")


class Store:
    """The messages, newest first, shared by the SMTP and HTTP threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []
        self.read = set()

    def add(self, message):
        with self.lock:
            self.messages.insert(0, message)
            if MAX_MESSAGES > 0:
                for gone in self.messages[MAX_MESSAGES:]:
                    self.read.discard(gone["ID"])
                del self.messages[MAX_MESSAGES:]

    def page(self, start, limit):
        with self.lock:
            chosen = self.messages[start:start + limit]
            summaries = []
            for m in chosen:
                summary = {k: m[k] for k in SUMMARY_FIELDS}
                summary["Read"] = m["ID"] in self.read
                summary["Attachments"] = len(m["Attachments"])
                summary["Snippet"] = " ".join(m["Text"].split())[:250]
                summaries.append(summary)
            total = len(self.messages)
            unread = total - len(self.read)
        return {"total": total, "unread": unread, "count": len(summaries),
                "messages_count": total, "messages_unread": unread, "start": start,
                "tags": [], "messages": summaries}

    def get(self, ident, mark_read=True):
        with self.lock:
            if ident == "latest":
                found = self.messages[0] if self.messages else None
            else:
                found = next((m for m in self.messages if m["ID"] == ident), None)
            if found is not None and mark_read:
                self.read.add(found["ID"])
            return found

    def delete(self, ids=None):
        with self.lock:
            if not ids:
                self.messages.clear()
                self.read.clear()
            else:
                self.messages = [m for m in self.messages if m["ID"] not in set(ids)]
                self.read -= set(ids)

    def all(self):
        with self.lock:
            return list(self.messages)


STORE = Store()
READY = threading.Event()


# --- SMTP --------------------------------------------------------------------


class Catcher:
    """aiosmtpd handler: every message is accepted and kept."""

    async def handle_DATA(self, server, session, envelope):
        message = parse(envelope.original_content or envelope.content,
                        envelope.mail_from or "", list(envelope.rcpt_tos))
        STORE.add(message)
        to = ", ".join(a["Address"] for a in message["To"]) or ", ".join(envelope.rcpt_tos)
        log(f"[smtpd] accepted {session.peer[0]} for {to} ({message['Size']} bytes) "
            f"id {message['ID']} subject {message['Subject']!r}")
        return f"250 2.0.0 Ok: queued as {message['ID']}"


# --- HTTP --------------------------------------------------------------------


def page(title, content):
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; }}
td, th {{ border-bottom: 1px solid #ccc; padding: .3rem .8rem; text-align: left; }}
pre {{ white-space: pre-wrap; }}
</style></head>
<body>
{content}
</body>
</html>
"""


def inbox_page():
    messages = STORE.all()
    rows = "\n".join(
        f"<tr><td>{html.escape(m['Created'])}</td>"
        f"<td>{html.escape(', '.join(a['Address'] for a in m['To']))}</td>"
        f"<td><a href=\"/view/{html.escape(m['ID'])}\">{html.escape(m['Subject'] or '(no subject)')}</a></td></tr>"
        for m in messages
    )
    table = (f"<table><tr><th>Received</th><th>To</th><th>Subject</th></tr>\n{rows}\n</table>"
             if messages else "<p>No messages yet.</p>")
    return page("Mailpit (stand-in)",
                f"<h1>Inbox</h1>\n<p>{len(messages)} message(s), newest first.</p>\n{table}")


def message_page(m):
    people = ", ".join(a["Address"] for a in m["To"])
    return page(m["Subject"] or "(no subject)",
                f"<p><a href=\"/\">Inbox</a></p>\n"
                f"<h1>{html.escape(m['Subject'] or '(no subject)')}</h1>\n"
                f"<p>From {html.escape(m['From']['Address'])} to {html.escape(people)}, "
                f"{html.escape(m['Created'])}</p>\n<pre>{html.escape(m['Text'])}</pre>")


class Handler(BaseHTTPRequestHandler):
    server_version = "mailpit-stand-in"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        # The health check asks every few seconds: not worth a line each time.
        if urlsplit(getattr(self, "path", "")).path not in ("/livez", "/readyz"):
            log(f"[http] {self.address_string()} {format % args}")

    def send(self, status, content, content_type):
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def json(self, status, value):
        self.send(status, json.dumps(value), "application/json; charset=utf-8")

    def text(self, status, value):
        self.send(status, value, "text/plain; charset=utf-8")

    def do_GET(self):
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        if path in ("/livez", "/readyz"):
            if READY.is_set():
                return self.text(HTTPStatus.OK, "ok\n")
            return self.text(HTTPStatus.SERVICE_UNAVAILABLE, "not ready\n")
        if path == "/":
            return self.send(HTTPStatus.OK, inbox_page(), "text/html; charset=utf-8")
        if path.startswith("/view/"):
            m = STORE.get(path[len("/view/"):])
            if m is None:
                return self.text(HTTPStatus.NOT_FOUND, "message not found\n")
            return self.send(HTTPStatus.OK, message_page(m), "text/html; charset=utf-8")
        if path == "/api/v1/messages":
            try:
                start = max(0, int(query.get("start", ["0"])[0]))
                limit = max(1, int(query.get("limit", ["50"])[0]))
            except ValueError:
                return self.text(HTTPStatus.BAD_REQUEST, "start and limit must be numbers\n")
            return self.json(HTTPStatus.OK, STORE.page(start, limit))
        found = re.fullmatch(r"/api/v1/message/([^/]+)(/raw)?", path)
        if found:
            m = STORE.get(found.group(1), mark_read=not found.group(2))
            if m is None:
                return self.text(HTTPStatus.NOT_FOUND, "message not found\n")
            if found.group(2):
                return self.send(HTTPStatus.OK, m["_raw"], "text/plain; charset=utf-8")
            return self.json(HTTPStatus.OK, {k: m[k] for k in DETAIL_FIELDS})
        return self.text(HTTPStatus.NOT_FOUND, "404 page not found\n")

    do_HEAD = do_GET

    def do_DELETE(self):
        if urlsplit(self.path).path != "/api/v1/messages":
            return self.text(HTTPStatus.NOT_FOUND, "404 page not found\n")
        length = int(self.headers.get("Content-Length") or 0)
        ids = None
        if length:
            try:
                ids = json.loads(self.rfile.read(length)).get("IDs")
            except (ValueError, AttributeError):
                return self.text(HTTPStatus.BAD_REQUEST, "expected {\"IDs\": [...]}\n")
        STORE.delete(ids)
        return self.text(HTTPStatus.OK, "ok")


# --- running -----------------------------------------------------------------


def readyz():
    """`mailpit readyz`: the health check."""
    host, port = UI_ADDR
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/readyz", timeout=4) as answer:
            return 0 if answer.status == 200 else 1
    except OSError as error:
        print(f"readyz: {error}", file=sys.stderr)
        return 1


async def serve():
    from aiosmtpd.smtp import SMTP  # Debian's python3-aiosmtpd

    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(
        lambda: SMTP(Catcher(), hostname="mailpit", ident="Mailpit stand-in ESMTP",
                     enable_SMTPUTF8=True),
        host=SMTP_ADDR[0], port=SMTP_ADDR[1], reuse_address=True)
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.allow_reuse_address = True
    ui = ThreadingHTTPServer(UI_ADDR, Handler)
    threading.Thread(target=ui.serve_forever, name="http", daemon=True).start()
    log(f"[smtpd] accepting messages on {SMTP_ADDR[0]}:{SMTP_ADDR[1]}")
    log(f"[http] accessible via http://{UI_ADDR[0]}:{UI_ADDR[1]}/")
    READY.set()

    # PID 1 in a container gets no default action for SIGTERM: handle it.
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log("stopping")
    smtp.close()
    ui.shutdown()
    await smtp.wait_closed()


def main(argv):
    if argv[1:] == ["readyz"]:
        return readyz()
    if argv[1:]:
        print("usage: mailpit [readyz]", file=sys.stderr)
        return 2
    started = time.monotonic()
    asyncio.run(serve())
    log(f"stopped after {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
