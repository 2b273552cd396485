#!/usr/bin/env python3
"""Makes many logged-in sessions for the many-sessions S1 and writes them
as a wrk Lua script that rotates over them.

    bench/sessions.py BASE_URL USERS SESSIONS OUT.lua

Registers USERS users (`many0`, `many1`, ...) on the app at BASE_URL, logs
each in SESSIONS / USERS times (every login is a session of its own), and
writes OUT.lua: each wrk request sends the next session's cookie, so 32
connections spread their requests over all the sessions. Run it against an
instance with a low BCRYPT_COST; the cookies serve any instance with the
same SECRET_KEY and database. Standard library only; talks to BASE_URL only.
"""

import http.client
import sys
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


def main():
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
