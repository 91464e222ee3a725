"""HCL knowledge base: stores and serves the homeostatic control loop's knowledge."""

import os

import psycopg
from fastapi import FastAPI

DATABASE_URL = os.environ["DATABASE_URL"]

app = FastAPI(title="hcl-kb")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/entries/{key}")
def entry(key: str) -> dict[str, str]:
    with psycopg.connect(DATABASE_URL) as conn:
        row = conn.execute("SELECT value FROM kb WHERE key = %s", (key,)).fetchone()
    return {"key": key, "value": row[0] if row else ""}
