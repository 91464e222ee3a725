"""Tegumentar: the skin of the organism, a host firewall driven by nftables and eBPF."""

__all__ = ["TegumentarSettings", "TegumentarModule", "get_settings"]


def __getattr__(name):
    if name == "TegumentarSettings":
        from .config import TegumentarSettings

        return TegumentarSettings
    if name == "TegumentarModule":
        from .module import TegumentarModule

        return TegumentarModule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
