"""Service registry backed by Redis."""

import os
import time

import redis

client = redis.Redis(
    host=os.getenv("REDIS_HOST", "redis"),
    port=int(os.getenv("REDIS_PORT", "6379")),
    password=os.environ["REDIS_PASSWORD"],
)


def main() -> None:
    while True:
        client.set("vertice-register:heartbeat", int(time.time()))
        time.sleep(5)


if __name__ == "__main__":
    main()
