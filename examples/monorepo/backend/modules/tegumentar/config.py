"""Settings of the tegumentar module."""

from functools import lru_cache

from pydantic_settings import BaseSettings


class TegumentarSettings(BaseSettings):
    nft_table: str = "tegumentar"
    interface: str = "eth0"


@lru_cache
def get_settings() -> TegumentarSettings:
    return TegumentarSettings()
