"""Time a lint run on a synthetic monorepo: `python benchmarks/scale.py --services 100`."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

DOCKERFILE = """FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]
"""
MAIN = """import os

from fastapi import FastAPI

from settings import get_settings

DATABASE_URL = os.environ["DATABASE_URL"]
app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {{"status": "ok", "service": "{name}"}}
"""
SETTINGS = """from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    port: int = 8000


def get_settings() -> Settings:
    return Settings()
"""
MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/{name}:1.0.0
          envFrom:
            - configMapRef: {{name: {name}-config}}
          readinessProbe:
            httpGet: {{path: /health, port: 8000}}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports:
    - port: 80
      targetPort: 8000
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
data:
  DATABASE_URL: postgresql://db/{name}
"""


def build(root: Path, services: int) -> None:
    resources = []
    for i in range(services):
        name = f"service-{i:03d}"
        src = root / "services" / name
        src.mkdir(parents=True)
        (src / "Dockerfile").write_text(DOCKERFILE)
        (src / "requirements.txt").write_text(
            "fastapi==0.115.0\npydantic-settings==2.5.2\nuvicorn==0.30.6\n"
        )
        (src / "main.py").write_text(MAIN.format(name=name))
        (src / "settings.py").write_text(SETTINGS)
        (src / "util.py").write_text("def util() -> int:\n    return 1\n" * 20)
        (root / "k8s").mkdir(exist_ok=True)
        (root / "k8s" / f"{name}.yaml").write_text(MANIFEST.format(name=name))
        resources.append(f"  - {name}.yaml")
    (root / "k8s" / "kustomization.yaml").write_text("resources:\n" + "\n".join(resources) + "\n")


def main() -> None:
    # Imported here so that importing the generator (benchmarks/field.py does) stays light.
    from vertice_lint.config import Config
    from vertice_lint.engine import lint

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, args.services)
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = lint(root, Config())
            best = min(best, time.perf_counter() - start)
        ws = result.workspace
        print(
            f"services={args.services} files={len(ws.files)} objects={len(ws.kube_objects)}"
            f" images={len(ws.images)} findings={len(result.diagnostics)} best={best:.2f}s"
        )


if __name__ == "__main__":
    main()
