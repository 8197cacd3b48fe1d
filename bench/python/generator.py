"""The article's 4.4: the callbacks' steps written as one generator per
page, resumed by a Task when the Future it yielded gets its result."""
import socket
from selectors import DefaultSelector, EVENT_READ, EVENT_WRITE

import crawl

selector = DefaultSelector()
stopped = False
pending = set()
responses = []


class Future:
    def __init__(self):
        self.result = None
        self._callbacks = []

    def add_done_callback(self, fn):
        self._callbacks.append(fn)

    def set_result(self, result):
        self.result = result
        for fn in self._callbacks:
            fn(self)


class Crawler:
    def __init__(self, page):
        self.page = page
        self.response = b""

    def fetch(self):
        global stopped
        sock = socket.socket()
        sock.setblocking(False)
        try:
            sock.connect((crawl.HOST, crawl.PORT))
        except BlockingIOError:
            pass
        f = Future()

        def on_connected():
            f.set_result(None)

        selector.register(sock.fileno(), EVENT_WRITE, on_connected)
        yield f
        selector.unregister(sock.fileno())
        sock.send(crawl.request(self.page))
        while True:
            f = Future()

            def on_readable():
                f.set_result(sock.recv(4096))

            selector.register(sock.fileno(), EVENT_READ, on_readable)
            chunk = yield f
            selector.unregister(sock.fileno())
            if not chunk:
                break
            self.response += chunk
        sock.close()
        responses.append(self.response)
        pending.discard(self.page)
        if not pending:
            stopped = True


class Task:
    def __init__(self, coro):
        self.coro = coro
        self.step(Future())

    def step(self, future):
        try:
            next_future = self.coro.send(future.result)
        except StopIteration:
            return
        next_future.add_done_callback(self.step)


def loop():
    while not stopped:
        events = selector.select()
        for key, mask in events:
            callback = key.data
            callback()


def generator_way():
    for page in range(crawl.PAGES):
        pending.add(page)
        Task(Crawler(page).fetch())
    loop()
    return responses


if __name__ == "__main__":
    crawl.main("generator", generator_way)
