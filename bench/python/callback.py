"""The article's 4.2: non-blocking sockets, a selector, callbacks and the
event loop that runs them."""
import socket
from selectors import DefaultSelector, EVENT_READ, EVENT_WRITE

import crawl

selector = DefaultSelector()
stopped = False
pending = set()
responses = []


class Crawler:
    def __init__(self, page):
        self.page = page
        self.sock = None
        self.response = b""

    def fetch(self):
        self.sock = socket.socket()
        self.sock.setblocking(False)
        try:
            self.sock.connect((crawl.HOST, crawl.PORT))
        except BlockingIOError:
            pass
        selector.register(self.sock.fileno(), EVENT_WRITE, self.connected)

    def connected(self, key, mask):
        selector.unregister(key.fd)
        self.sock.send(crawl.request(self.page))
        selector.register(key.fd, EVENT_READ, self.read_response)

    def read_response(self, key, mask):
        global stopped
        chunk = self.sock.recv(4096)
        if chunk:
            self.response += chunk
            return
        selector.unregister(key.fd)
        self.sock.close()
        responses.append(self.response)
        pending.discard(self.page)
        if not pending:
            stopped = True


def loop():
    while not stopped:
        events = selector.select()
        for key, mask in events:
            callback = key.data
            callback(key, mask)


def callback_way():
    for page in range(crawl.PAGES):
        pending.add(page)
        Crawler(page).fetch()
    loop()
    return responses


if __name__ == "__main__":
    crawl.main("callback", callback_way)
