"""HTTP API of the tegumentar (skin) defence layer."""

from fastapi import FastAPI
from prometheus_client import Counter, make_asgi_app

from backend.modules.tegumentar import TegumentarModule, get_settings

from .config import get_module, get_service_settings

from bcc import BPF  # eBPF probes: Debian's python3-bpfcc

service_settings = get_service_settings()
module: TegumentarModule = get_module(get_settings())

BLOCKED = Counter("tegumentar_blocked_total", "Packets blocked")

app = FastAPI(title="tegumentar")
app.mount("/metrics", make_asgi_app())


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "ebpf": BPF.__name__}
