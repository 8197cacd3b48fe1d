"""What the seven crawlers share: the command line, the request, the
check of each response and the JSON line each prints.

    python3 MODEL.py HOST PORT PAGES SIZE

fetches http://HOST:PORT/0 .. /PAGES-1 (asynclab serve's pages) over
HTTP/1.0, one connection each, checks that every response is a 200 with a
body of SIZE bytes, and prints one JSON object: model, pages, pages_ok,
bytes, elapsed_ns (the crawl alone, as the article times it) and cpu_ns
(user + system of this process and of its children that were waited for).
Exit status 1 when a page is wrong, 2 on bad arguments."""
import json
import resource
import sys
import time

HOST, PORT, PAGES, SIZE = "127.0.0.1", 0, 10, 0


def args():
    global HOST, PORT, PAGES, SIZE
    try:
        HOST, PORT, PAGES, SIZE = (sys.argv[1], int(sys.argv[2]),
                                   int(sys.argv[3]), int(sys.argv[4]))
    except (IndexError, ValueError):
        sys.exit("usage: %s HOST PORT PAGES SIZE" % sys.argv[0])


def request(page):
    return ("GET /%d HTTP/1.0\r\nHost: %s\r\n\r\n" % (page, HOST)).encode("ascii")


def body_ok(response):
    head, _, body = response.partition(b"\r\n\r\n")
    return head.startswith(b"HTTP/1.0 200") and len(body) == SIZE


def cpu_ns():
    t = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        t += r.ru_utime + r.ru_stime
    return int(t * 1e9)


def main(model, crawl):
    """crawl() returns the responses; timed as the article times it."""
    args()
    c0 = cpu_ns()
    t0 = time.perf_counter_ns()
    responses = crawl()
    elapsed = time.perf_counter_ns() - t0
    cpu = cpu_ns() - c0
    ok = sum(1 for r in responses if body_ok(r))
    print(json.dumps({"model": model, "pages": PAGES, "pages_ok": ok,
                      "bytes": sum(len(r) for r in responses),
                      "elapsed_ns": elapsed, "cpu_ns": cpu}))
    sys.exit(0 if ok == PAGES and len(responses) == PAGES else 1)
