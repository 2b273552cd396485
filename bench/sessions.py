#!/usr/bin/env python3
"""Makes many logged-in sessions for the many-sessions S1 and writes them
as a wrk Lua script that rotates over them.

    bench/sessions.py BASE_URL USERS SESSIONS OUT.lua
    bench/sessions.py --totp BASE_URL USERNAME

Registers USERS users (`many0`, `many1`, ...) on the app at BASE_URL, logs
each in SESSIONS / USERS times (every login is a session of its own), and
writes OUT.lua: each wrk request sends the next session's cookie, so 32
connections spread their requests over all the sessions. Run it against an
instance with a low BCRYPT_COST; the cookies serve any instance with the
same SECRET_KEY and database. Standard library only; talks to BASE_URL only.

With --totp it registers USERNAME, turns TOTP on for it, logs it in with
password and code, and prints that session's cookie (the S1 of a user with
a second factor).
"""

import base64
import hashlib
import hmac
import http.client
import json
import struct
import sys
import time
import urllib.parse

PASSWORD = "correct horse battery staple"


def session_cookie(conn, path, form):
    """POSTs the form; returns the `session=...` cookie the answer sets."""
    body = urllib.parse.urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", path, body, headers)
    response = conn.getresponse()
    response.read()
    if response.status not in (200, 201, 303):
        sys.exit(f"error: POST {path} for {form['username']} answered {response.status}")
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    sys.exit(f"error: POST {path} for {form['username']} set no session cookie")


def totp(secret, at):
    """The 6-digit RFC 6238 code (SHA-1, 30 s) of base32 `secret` at unix time `at`."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 15
    return "%06d" % ((struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def post_json(conn, path, body, cookie=None):
    """POSTs JSON; returns (status, parsed body, the session cookie set or `cookie`)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("POST", path, json.dumps(body), headers)
    response = conn.getresponse()
    raw = response.read()
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("session="):
            cookie = value.split(";", 1)[0]
    return response.status, (json.loads(raw) if raw else {}), cookie


def totp_session(base, username):
    """The session cookie of USERNAME, registered with TOTP on and logged in with a code."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    account = {"username": username, "password": PASSWORD}
    steps = []
    status, _, cookie = post_json(conn, "/register", account)
    steps.append(("/register", status))
    status, setup, cookie = post_json(conn, "/account/2fa/setup", {}, cookie)
    steps.append(("/account/2fa/setup", status))
    secret, now = setup.get("secret", "A"), time.time()
    status, _, cookie = post_json(conn, "/account/2fa/confirm", {"code": totp(secret, now)}, cookie)
    steps.append(("/account/2fa/confirm", status))
    status, _, pending = post_json(conn, "/login", account)
    steps.append(("/login", status))
    # The next period's code: the one just used cannot be used again.
    status, _, cookie = post_json(conn, "/login/2fa", {"code": totp(secret, now + 30)}, pending)
    steps.append(("/login/2fa", status))
    if any(s >= 400 for _, s in steps) or cookie == pending:
        sys.exit(f"error: the TOTP login failed: {steps}")
    print(cookie)


def main():
    if sys.argv[1] == "--totp":
        totp_session(sys.argv[2], sys.argv[3])
        return
    base, users, sessions, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    cookies = []
    for i in range(users):
        form = {"username": f"many{i}", "password": PASSWORD, "password_confirm": PASSWORD}
        cookies.append(session_cookie(conn, "/register", form))
    while len(cookies) < sessions:
        form = {"username": f"many{len(cookies) % users}", "password": PASSWORD}
        cookies.append(session_cookie(conn, "/login", form))
    with open(out, "w", encoding="utf-8") as lua:
        lua.write("local cookies = {\n")
        lua.writelines(f'  "{c}",\n' for c in cookies)
        lua.write("}\n")
        # Each wrk thread starts at its own place, so the threads do not
        # walk the list in step.
        lua.write(
            "local n = math.random(#cookies)\n"
            "request = function()\n"
            "  n = n % #cookies + 1\n"
            '  return wrk.format("GET", "/dashboard", {["Cookie"] = cookies[n]})\n'
            "end\n"
        )


if __name__ == "__main__":
    main()
