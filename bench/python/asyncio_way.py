"""The article's 4.7: native coroutines (async/await) on asyncio's event
loop, every page a coroutine, all of them gathered."""
import asyncio

import crawl


async def fetch(page):
    reader, writer = await asyncio.open_connection(crawl.HOST, crawl.PORT)
    writer.write(crawl.request(page))
    response = b""
    while True:
        chunk = await reader.read(4096)
        if not chunk:
            break
        response += chunk
    writer.close()
    await writer.wait_closed()
    return response


async def asyncio_way():
    return await asyncio.gather(*(fetch(page) for page in range(crawl.PAGES)))


if __name__ == "__main__":
    crawl.main("asyncio", lambda: asyncio.run(asyncio_way()))
