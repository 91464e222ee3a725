"""Audit trail of the firewall decisions."""

from fastapi import FastAPI

app = FastAPI(title="audit")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
