"""Tegumentar service entrypoint, run as `python main.py`."""

import uvicorn

from .app import app, service_settings

if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=service_settings.port)
