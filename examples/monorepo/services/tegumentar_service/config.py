"""Service settings."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TEGUMENTAR_")

    port: int = 8085
    log_level: str = "info"


@lru_cache
def get_service_settings() -> ServiceSettings:
    return ServiceSettings()


def get_module(settings):
    from backend.modules.tegumentar import TegumentarModule

    return TegumentarModule(settings)
