"""The article's 4.1: non-blocking sockets, and nothing to wait with but
trying again -- one page after another, the CPU spinning meanwhile."""
import socket

import crawl


def nonblocking_way(page):
    sock = socket.socket()
    sock.setblocking(False)
    try:
        sock.connect((crawl.HOST, crawl.PORT))
    except BlockingIOError:
        pass                                    # connecting in the background
    request = crawl.request(page)
    while True:
        try:
            sock.send(request)
            break                               # connected: the request is out
        except OSError:
            pass
    response = b""
    while True:
        try:
            chunk = sock.recv(4096)
            while chunk:
                response += chunk
                chunk = sock.recv(4096)
            break
        except OSError:                         # nothing yet: ask again
            pass
    sock.close()
    return response


def sync_way():
    return [nonblocking_way(page) for page in range(crawl.PAGES)]


if __name__ == "__main__":
    crawl.main("nonblocking", sync_way)
