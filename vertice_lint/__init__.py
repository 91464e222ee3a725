"""vertice-lint: a static linter and fixer for GitOps repositories."""

__version__ = "0.1.0"
