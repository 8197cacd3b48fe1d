"""The article's 3.2: a pool of 10 processes, each page a blocking fetch
in one of them; the responses come back pickled."""
from concurrent import futures

import crawl
from sync import blocking_way


def process_way():
    workers = 10
    with futures.ProcessPoolExecutor(workers) as executor:
        futs = [executor.submit(blocking_way, page) for page in range(crawl.PAGES)]
    return [fut.result() for fut in futs]


if __name__ == "__main__":
    crawl.main("process", process_way)
