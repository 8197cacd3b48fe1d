"""The article's 3.3: a pool of 10 threads, each page a blocking fetch
in one of them (the GIL is released while a thread waits)."""
from concurrent import futures

import crawl
from sync import blocking_way


def thread_way():
    workers = 10
    with futures.ThreadPoolExecutor(workers) as executor:
        futs = [executor.submit(blocking_way, page) for page in range(crawl.PAGES)]
    return [fut.result() for fut in futs]


if __name__ == "__main__":
    crawl.main("thread", thread_way)
