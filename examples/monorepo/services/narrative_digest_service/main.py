"""Narrative digest: summarises the event stream. Built, but never deployed."""

from fastapi import FastAPI

app = FastAPI(title="narrative-digest")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
