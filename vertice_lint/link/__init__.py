"""link: the only place facts about the repository are derived, from the parsed files, into
one complete frozen Workspace (see `vertice_lint.model`)."""

from vertice_lint.link.workspace import fallback_workspace, link

__all__ = ["fallback_workspace", "link"]
