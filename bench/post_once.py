#!/usr/bin/env python3
"""Posts each request of a list once, from 8 clients, and writes down the keys of those answered
with the expected status: the client of bench/chaos.sh's signup and unsubscribe scenarios.

    post_once.py PORT REQUESTS ANSWERED STATUS TIME_LIMIT [HEADER: VALUE ...]

REQUESTS has one request a line: key, path, content type and body, separated by tabs. Client k
posts lines k, k + 8, ... in order. A refused connection (the instance is down) is tried again; a
request cut off (by a kill) is not: it may or may not have been done, as it was never answered.
Stops at TIME_LIMIT seconds whatever is left.
"""
import http.client
import sys
import threading
import time

port, requests, out, expected, limit = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
extra = dict(h.split(": ", 1) for h in sys.argv[6:])
lines = [line.rstrip("\n").split("\t", 3) for line in open(requests) if line.strip()]
deadline = time.time() + limit
lock = threading.Lock()
answered = open(out, "w")


def client(k):
    conn = None
    for key, path, content_type, body in lines[k::8]:
        while time.time() < deadline:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", path, body, {"Content-Type": content_type, **extra})
                response = conn.getresponse()
                response.read()
                if response.status == expected:
                    with lock:
                        answered.write(key + "\n")
                        answered.flush()
                break  # answered (or refused): the next request
            except ConnectionRefusedError:
                conn = None
                time.sleep(0.05)
            except (OSError, http.client.HTTPException):
                conn = None
                break


threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
