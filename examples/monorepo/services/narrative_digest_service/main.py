"""Narrative digest: summarises the event stream. Built, but never deployed."""

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

app = FastAPI(title="narrative-digest")
app.add_middleware(GZipMiddleware)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
