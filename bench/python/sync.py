"""The article's 3.1: one page after another, blocking sockets."""
import socket

import crawl


def blocking_way(page):
    sock = socket.socket()
    sock.connect((crawl.HOST, crawl.PORT))      # blocks a round trip
    sock.send(crawl.request(page))
    response = b""
    chunk = sock.recv(4096)                     # blocks until data
    while chunk:
        response += chunk
        chunk = sock.recv(4096)
    sock.close()
    return response


def sync_way():
    return [blocking_way(page) for page in range(crawl.PAGES)]


if __name__ == "__main__":
    crawl.main("sync", sync_way)
