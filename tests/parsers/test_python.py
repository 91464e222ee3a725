"""Tests for the Python module parser: every record with its exact position and flags."""

from __future__ import annotations

import ast
import pickle
import textwrap

import pytest

from vertice_lint.diagnostics import ParseFailure
from vertice_lint.parsers import python as python_parser
from vertice_lint.parsers.python import (
    Call,
    DynamicImport,
    EnvRead,
    Import,
    ImportedName,
    PythonModule,
    Route,
    Router,
    RouterInclude,
    ServerRun,
    SettingsField,
    _index,
    _segment_lines,
    _source_segment,
    parse,
)


def _parse(source: str) -> PythonModule:
    """Parse a dedented source; write sources starting with a backslash-newline."""
    return parse("svc/main.py", textwrap.dedent(source))


# imports -----------------------------------------------------------------------------------


def test_relative_from_import_of_the_incident() -> None:
    module = _parse("from .app import app, service_settings\n")
    assert module.imports == (
        Import(
            module="app",
            level=1,
            names=(
                ImportedName("app", None, 1, 18),
                ImportedName("service_settings", None, 1, 23),
            ),
            is_from=True,
            star=False,
            line=1,
            col=1,
            end_line=1,
            end_col=39,
            scope="module",
            guarded=False,
            type_checking=False,
            in_main_guard=False,
        ),
    )


def test_bare_relative_import_and_star_and_dotted_alias() -> None:
    module = _parse(
        """\
        from . import config as cfg
        from ..pkg import *
        import a.b as c, d
        """
    )
    first, star, ab, d = module.imports
    assert (first.module, first.level, first.names) == (
        None,
        1,
        (ImportedName("config", "cfg", 1, 15),),
    )
    assert (star.module, star.level, star.star, star.names) == ("pkg", 2, True, ())
    assert (ab.module, ab.is_from, ab.names) == ("a.b", False, (ImportedName("a.b", "c", 3, 8),))
    assert (d.module, d.names, d.line, d.col) == ("d", (ImportedName("d", None, 3, 18),), 3, 1)


def test_import_flags_guarded_type_checking_function_class_main() -> None:
    module = _parse(
        """\
        from typing import TYPE_CHECKING
        try:
            import ujson
        except (ValueError, ImportError):
            ujson = None
        try:
            import yaml
        except KeyError:
            pass
        if TYPE_CHECKING:
            import numpy
        if typing.TYPE_CHECKING:
            import pandas
        if False:
            import never
        def load():
            import heavy
        class Holder:
            import inner
        if __name__ == "__main__":
            import cli
        """
    )
    flags = {
        i.module: (i.line, i.col, i.scope, i.guarded, i.type_checking, i.in_main_guard)
        for i in module.imports
    }
    assert flags == {
        "typing": (1, 1, "module", False, False, False),
        "ujson": (3, 5, "module", True, False, False),
        "yaml": (7, 5, "module", False, False, False),
        "numpy": (11, 5, "module", False, True, False),
        "pandas": (13, 5, "module", False, True, False),
        "never": (15, 5, "module", False, True, False),
        "heavy": (17, 5, "function", False, False, False),
        "inner": (19, 5, "class", False, False, False),
        "cli": (21, 5, "module", False, False, True),
    }


def test_try_around_def_does_not_guard_its_body_and_bare_except_guards() -> None:
    module = _parse(
        """\
        try:
            def f():
                import late
        except ImportError:
            pass
        try:
            import anything
        except:
            pass
        """
    )
    assert [(i.module, i.scope, i.guarded) for i in module.imports] == [
        ("late", "function", False),
        ("anything", "module", True),
    ]


def test_non_ascii_columns_are_characters() -> None:
    module = _parse('café = "naïve ☕"; import os\n')
    assert (module.imports[0].line, module.imports[0].col, module.imports[0].end_col) == (1, 19, 28)
    assert module.imports[0].names == (ImportedName("os", None, 1, 26),)


def test_dynamic_imports() -> None:
    module = _parse(
        """\
        import importlib
        from importlib import import_module as im
        importlib.import_module("plugins.a")
        def f(name):
            try:
                im("plugins.b", package="x")
            except ImportError:
                pass
            __import__(name)
        __import__("c")
        """
    )
    assert module.dynamic_imports == (
        DynamicImport("plugins.a", 3, 1, "module", False),
        DynamicImport("plugins.b", 6, 9, "function", True),
        DynamicImport("c", 10, 1, "module", False),
    )


# environment ------------------------------------------------------------------------------


def test_env_reads_defaults_and_kinds() -> None:
    module = _parse(
        """\
        import os
        DB = os.environ["DATABASE_URL"]
        A = os.getenv("A", "d")
        B = os.getenv("B") or "d"
        C = "d" or os.getenv("C")
        D = os.environ.get("D")
        E = os.environ.get("E", default="x")
        F = os.environ.pop("F")
        G = os.environ.setdefault("G", "1")
        os.environ["H"] = "write, not a read"
        """
    )
    assert module.env_reads == (
        EnvRead("DATABASE_URL", "subscript", False, 2, 6, "module", None, False),
        EnvRead("A", "getenv", True, 3, 5, "module", None, False, "d"),
        EnvRead("B", "getenv", True, 4, 5, "module", None, False),
        EnvRead("C", "getenv", False, 5, 12, "module", None, False),
        EnvRead("D", "get", False, 6, 5, "module", None, False),
        EnvRead("E", "get", True, 7, 5, "module", None, False, "x"),
        EnvRead("F", "pop", False, 8, 5, "module", None, False),
        EnvRead("G", "setdefault", True, 9, 5, "module", None, False, "1"),
    )
    assert module.dynamic_env_reads == 0


def test_env_aliases_function_names_and_dynamic_names() -> None:
    module = _parse(
        """\
        import os as _os
        from os import environ, getenv as ge
        env = _os.environ
        class Cfg:
            def load(self, key):
                def inner():
                    return environ["I"]
                return env["K"], ge("G"), env[key], _os.getenv(key)
        """
    )
    assert [(r.name, r.kind, r.function, r.scope, r.line, r.col) for r in module.env_reads] == [
        ("I", "subscript", "Cfg.load.<locals>.inner", "function", 7, 20),
        ("K", "subscript", "Cfg.load", "function", 8, 16),
        ("G", "getenv", "Cfg.load", "function", 8, 26),
    ]
    assert module.dynamic_env_reads == 2


def test_env_guards() -> None:
    module = _parse(
        """\
        import os
        if "A" in os.environ:
            a = os.environ["A"]
            other = os.environ["OTHER"]
        if os.getenv("B"):
            b = os.environ["B"]
        if os.environ.get("C") is not None and x:
            c = os.environ["C"]
        if "D" not in os.environ:
            pass
        else:
            d = os.environ["D"]
        try:
            e = os.environ["E"]
        except KeyError:
            e = None
        f = os.environ["F"] if "F" in os.environ else None
        """
    )
    guarded = {r.name: r.guarded for r in module.env_reads if r.kind == "subscript"}
    assert guarded == {
        "A": True,
        "OTHER": False,
        "B": True,
        "C": True,
        "D": True,
        "E": True,
        "F": True,
    }


def test_env_get_whose_none_the_scope_handles_has_a_default() -> None:
    module = _parse(
        """\
        import os
        A = os.getenv("A")
        if A:
            print(A)
        B = os.environ.get("B")
        if not B:
            raise RuntimeError("B is required")
        C = os.getenv("C")
        print(C.upper())

        def log() -> None:
            d = os.environ.get("D")
            if d is None:
                return
            e = os.environ.get("E")
            level = e or "INFO"
            a = os.getenv("A2")
            if not a:
                sys.exit(1)
        """
    )
    defaults = {r.name: r.has_default for r in module.env_reads}
    assert defaults == {
        "A": True,
        "B": False,
        "C": False,
        "D": True,
        "E": True,
        "A2": False,
    }


# pydantic settings ------------------------------------------------------------------------


def test_settings_v2_prefix_and_fields() -> None:
    module = _parse(
        """\
        from typing import ClassVar, Optional
        from pydantic import AliasChoices, Field
        from pydantic_settings import BaseSettings, SettingsConfigDict

        class ServiceSettings(BaseSettings):
            model_config = SettingsConfigDict(env_prefix="APP_", env_file=(".env", ".env.prod"))
            database_url: str
            redis_password: str = Field(...)
            api_key: str = Field(..., alias="API_KEY")
            name: str = "svc"
            token: Optional[str] = None
            debug: bool | None
            port: int = Field(8000)
            hosts: list[str] = Field(default_factory=list)
            level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL", "LEVEL"))
            VERSION: ClassVar[str] = "1"
            _private: int = 0
        """
    )
    (settings,) = module.settings_classes
    assert (settings.name, settings.line, settings.col, settings.version) == (
        "ServiceSettings",
        5,
        1,
        2,
    )
    assert (settings.env_prefix, settings.case_sensitive, settings.env_nested_delimiter) == (
        "APP_",
        False,
        None,
    )
    assert (settings.env_file, settings.config_dynamic) == ((".env", ".env.prod"), False)
    assert settings.fields == (
        SettingsField("database_url", "str", False, False, None, 7, 5),
        SettingsField("redis_password", "str", False, False, None, 8, 5),
        SettingsField("api_key", "str", False, False, "API_KEY", 9, 5),
        SettingsField("name", "str", True, False, None, 10, 5),
        SettingsField("token", "Optional[str]", True, True, None, 11, 5),
        SettingsField("debug", "bool | None", False, True, None, 12, 5),
        SettingsField("port", "int", True, False, None, 13, 5),
        SettingsField("hosts", "list[str]", True, False, None, 14, 5),
        SettingsField("level", "str", True, False, ("LOG_LEVEL", "LEVEL"), 15, 5),
    )


def test_settings_v1_config_class_env_alias_and_local_subclass() -> None:
    module = _parse(
        """\
        import pydantic

        class Base(pydantic.BaseSettings):
            redis_url: str = pydantic.Field(..., env="REDIS_URL")
            class Config:
                env_prefix = "CORE_"
                case_sensitive = True
                env_nested_delimiter = "__"
                env_file = ".env"

        class Child(Base, env_prefix="CHILD_"):
            extra: int
        """
    )
    base, child = module.settings_classes
    assert (base.version, base.env_prefix, base.case_sensitive) == (1, "CORE_", True)
    assert (base.env_nested_delimiter, base.env_file) == ("__", ".env")
    assert base.fields[0].alias == "REDIS_URL"
    assert (child.version, child.bases, child.env_prefix, child.case_sensitive) == (
        1,
        ("Base",),
        "CHILD_",
        True,
    )
    assert [(f.name, f.line, f.has_default) for f in child.fields] == [
        ("redis_url", 4, False),
        ("extra", 12, False),
    ]


def test_settings_non_literal_config_is_dynamic_and_plain_classes_ignored() -> None:
    module = _parse(
        """\
        from pydantic_settings import BaseSettings
        from pydantic import BaseModel
        class S(BaseSettings):
            model_config = {"env_prefix": PREFIX, "case_sensitive": True}
        class M(BaseModel):
            x: int
        """
    )
    (settings,) = module.settings_classes
    assert (settings.name, settings.env_prefix, settings.case_sensitive) == ("S", "", True)
    assert settings.config_dynamic is True


# functions and import-time calls ------------------------------------------------------------


def test_functions_and_module_calls() -> None:
    module = _parse(
        """\
        from functools import lru_cache
        @lru_cache
        def get_settings():
            return Settings()
        class Service:
            client = make_client()
            async def handle(self, x=default_value()):
                helper(lambda: inner_call())
        settings = get_settings()
        run = lambda: not_at_import()
        if __name__ == "__main__":
            main()
        """
    )
    assert [(f.qualname, f.line, f.col, f.decorators, f.is_async) for f in module.functions] == [
        ("get_settings", 3, 1, ("lru_cache",), False),
        ("Service.handle", 7, 5, (), True),
    ]
    assert module.functions[0].calls == (Call("Settings", 4, 12),)
    assert [c.name for c in module.functions[1].calls] == ["helper", "inner_call"]
    assert module.module_calls == (
        Call("make_client", 6, 14),
        Call("default_value", 7, 30),
        Call("get_settings", 9, 12),
        Call("main", 12, 5, in_main_guard=True),
    )


# web routes ----------------------------------------------------------------------------------


def test_fastapi_app_router_and_include() -> None:
    module = _parse(
        """\
        from fastapi import APIRouter, FastAPI
        from . import health

        app = FastAPI(root_path="/svc")
        router = APIRouter(prefix="/api")

        @router.get("/items")
        async def items(): ...

        @app.api_route("/ping", methods=["get", "head"])
        def ping(): ...

        @app.websocket("/ws")
        async def ws(): ...

        app.include_router(router, prefix="/v1")
        app.include_router(health.router)
        app.add_api_route("/ready", ready, methods=["GET"])
        """
    )
    assert module.routers == (
        Router("app", "FastAPI", "", "/svc", 4, 1),
        Router("router", "APIRouter", "/api", None, 5, 1),
    )
    assert module.routes == (
        Route(("GET",), "/items", "items", "router", 7, 2, "fastapi"),
        Route(("GET", "HEAD"), "/ping", "ping", "app", 10, 2, "fastapi"),
        Route(("WEBSOCKET",), "/ws", "ws", "app", 13, 2, "fastapi"),
        Route(("GET",), "/ready", "ready", "app", 18, 1, "fastapi"),
    )
    assert module.router_includes == (
        RouterInclude("app", "router", "/v1", "include_router", 16, 1),
        RouterInclude("app", "health.router", "", "include_router", 17, 1),
    )
    assert module.dynamic_routes is False


def test_flask_blueprint_and_url_rule() -> None:
    module = _parse(
        """\
        from flask import Blueprint, Flask
        app = Flask(__name__)
        bp = Blueprint("health", __name__, url_prefix="/health")

        @bp.route("/live", methods=["GET", "POST"])
        def live(): ...

        @app.route("/")
        def index(): ...

        app.register_blueprint(bp, url_prefix="/x")
        app.add_url_rule("/old", "old", old_view)
        if __name__ == "__main__":
            app.run("0.0.0.0", 5000)
        """
    )
    assert [(r.kind, r.prefix) for r in module.routers] == [("Flask", ""), ("Blueprint", "/health")]
    assert module.routes == (
        Route(("GET", "POST"), "/live", "live", "bp", 5, 2, "flask"),
        Route(("GET",), "/", "index", "app", 8, 2, "flask"),
        Route(("GET",), "/old", "old_view", "app", 12, 1, "flask"),
    )
    assert module.router_includes == (
        RouterInclude("app", "bp", "/x", "register_blueprint", 11, 1),
    )
    assert module.uvicorn_runs == (
        ServerRun("app.run", "app", "0.0.0.0", 5000, "5000", 14, 5, True),
    )
    assert module.main_guard_line == 13


def test_starlette_routes_and_mounts() -> None:
    module = _parse(
        """\
        from starlette.applications import Starlette
        from starlette.routing import Mount, Route
        app = Starlette(routes=[
            Route("/health", health),
            Mount("/api", routes=[Route("/users", users, methods=["POST"])]),
            Mount("/static", app=static_files),
        ])
        """
    )
    assert module.routes == (
        Route(("GET",), "/health", "health", "app", 4, 5, "starlette"),
        Route(("POST",), "/api/users", "users", "app", 5, 27, "starlette"),
    )
    assert module.router_includes == (
        RouterInclude("app", "static_files", "/static", "mount", 6, 5),
    )


def test_dynamic_route_path_and_unknown_receivers() -> None:
    module = _parse(
        """\
        from fastapi import FastAPI
        app = FastAPI()
        @app.get(PATH)
        def a(): ...
        @cache.get("key")
        def b(): ...
        @other.post("/hook")
        def c(): ...
        """
    )
    assert module.dynamic_routes is True
    assert module.routes == (Route(("POST",), "/hook", "c", "other", 7, 2, "fastapi"),)


# module surface ----------------------------------------------------------------------------


def test_all_names_literal_and_extended() -> None:
    module = _parse(
        """\
        __all__ = ["a", 'b']
        __all__ += ("c",)
        __all__.extend(["d"])
        __all__.append("e")
        """
    )
    assert module.all_names == (
        ("a", 1, 12),
        ("b", 1, 17),
        ("c", 2, 13),
        ("d", 3, 17),
        ("e", 4, 16),
    )
    assert module.all_dynamic is False


def test_all_names_absent_or_dynamic() -> None:
    assert _parse("x = 1\n").all_names is None
    module = _parse('__all__ = ["a"] + other.__all__\n__all__.append(name)\n')
    assert (module.all_names, module.all_dynamic) == ((), True)


def test_top_level_names() -> None:
    module = _parse(
        """\
        import os.path, json as j
        from x import y as z, w
        from typing import TYPE_CHECKING
        a, (b, *c) = 1, (2, 3)
        d: int = 1
        undeclared: int
        def f(): inner = 1
        class K: attr = 1
        for i in range(3): pass
        with open("f") as fh: pass
        try:
            import opt
        except ImportError:
            opt = None
        if TYPE_CHECKING:
            from m import OnlyTyping
        if (n := 5): pass
        """
    )
    assert module.top_level_names == frozenset(
        {"os", "j", "z", "w", "TYPE_CHECKING", "a", "b", "c", "d", "f", "K", "i", "fh", "opt", "n"}
    )


def test_module_getattr_from_the_incident_is_open() -> None:
    module = _parse(
        """\
        __all__ = ["TegumentarSettings", "TegumentarModule", "get_settings"]

        def __getattr__(name):
            if name == "TegumentarSettings":
                from .config import TegumentarSettings
                return TegumentarSettings
            if name == "get_settings":
                from .config import get_settings as _get_settings
                return _get_settings
        """
    )
    assert module.has_getattr is True
    assert module.getattr_names == ("TegumentarSettings", "get_settings")
    assert module.getattr_open is True
    assert [(i.module, i.level, i.scope) for i in module.imports] == [
        ("config", 1, "function"),
        ("config", 1, "function"),
    ]


def test_module_getattr_closed_with_lazy_dict() -> None:
    module = _parse(
        """\
        _LAZY = {"get_settings": ".config", "Module": ".module"}

        def __getattr__(name: str):
            if name not in _LAZY:
                raise AttributeError(name)
            return import_module(_LAZY[name], __name__)
        """
    )
    assert (module.has_getattr, module.getattr_names, module.getattr_open) == (
        True,
        ("get_settings", "Module"),
        False,
    )


def test_module_getattr_closed_by_final_raise_and_absent() -> None:
    module = _parse(
        """\
        def __getattr__(name):
            if name in ("a", "b"):
                return 1
            raise AttributeError(name)
        """
    )
    assert (module.getattr_names, module.getattr_open) == (("a", "b"), False)
    absent = _parse("def f(): pass\n")
    assert (absent.has_getattr, absent.getattr_names, absent.getattr_open) == (False, (), False)


# entry facts -------------------------------------------------------------------------------


def test_uvicorn_run_with_port_expression() -> None:
    module = _parse(
        """\
        import os
        import uvicorn
        from main import app
        def serve():
            uvicorn.run(app, host="0.0.0.0", port=int(os.getenv("PORT", "8080")))
        """
    )
    assert module.uvicorn_runs == (
        ServerRun(
            kind="uvicorn.run",
            app="app",
            host="0.0.0.0",
            port=None,
            port_expr='int(os.getenv("PORT", "8080"))',
            line=5,
            col=5,
            in_main_guard=False,
        ),
    )
    assert module.main_guard_line is None


def test_aiohttp_run_app_and_unrelated_run_calls() -> None:
    module = _parse(
        """\
        import asyncio, subprocess
        from aiohttp import web
        asyncio.run(main())
        subprocess.run(["ls"])
        web.run_app(application, port=9000)
        """
    )
    assert module.uvicorn_runs == (
        ServerRun("web.run_app", "application", None, 9000, "9000", 5, 1, False),
    )


# failures ----------------------------------------------------------------------------------


def test_syntax_error_position_in_characters() -> None:
    with pytest.raises(ParseFailure) as caught:
        parse("bad.py", 'x = "é"\ny = "ü" )\n')
    assert (caught.value.line, caught.value.col) == (2, 9)
    assert "unmatched" in caught.value.message


def test_nul_byte_is_a_parse_failure_with_position() -> None:
    with pytest.raises(ParseFailure) as caught:
        parse("bad.py", "x = 1\nyé\x00\n")
    assert (caught.value.line, caught.value.col) == (2, 3)


def test_problems_stay_empty_and_path_is_kept() -> None:
    module = _parse("import os\n")
    assert (module.path, module.problems) == ("svc/main.py", ())


def test_long_expression_chain_does_not_exhaust_the_stack() -> None:
    module = parse("long.py", "x = " + " + ".join(['os.environ["A"]'] * 1500) + "\n")
    assert len(module.env_reads) == 1500
    assert (module.env_reads[-1].line, module.env_reads[-1].col) == (1, 5 + 18 * 1499)


# Django: django-environ reads, INSTALLED_APPS ---------------------------------------------


def test_django_environ_reads_defaults_and_scheme() -> None:
    module = _parse(
        """\
        import environ
        from .base import env as shared
        from .utils import helper
        env = environ.Env(DEBUG=(bool, False), PORT=(int,))
        environ.Env.read_env()
        SECRET_KEY = env("SECRET_KEY")
        DEBUG = env.bool("DEBUG")
        PORT = env.int("PORT")
        NAME = env.str("NAME", default="shop")
        MODE = env("MODE", str, "dev")
        DATABASES = {"default": env.db()}
        CACHES = {"default": env.cache()}
        HOSTS = env.list("HOSTS", default=[])
        Z = shared("Z")
        H = helper("H")
        try:
            K = env("K")
        except environ.ImproperlyConfigured:
            K = None
        """
    )
    reads = [
        (r.name, r.kind, r.has_default, r.guarded, r.default, r.call, r.via)
        for r in module.env_reads
    ]
    assert reads == [
        ("SECRET_KEY", "environ", False, False, None, "env", None),
        ("DEBUG", "environ", True, False, None, "env.bool", None),
        ("PORT", "environ", False, False, None, "env.int", None),
        ("NAME", "environ", True, False, "shop", "env.str", None),
        ("MODE", "environ", True, False, "dev", "env", None),
        ("DATABASE_URL", "environ", False, False, None, "env.db", None),
        ("CACHE_URL", "environ", False, False, None, "env.cache", None),
        ("HOSTS", "environ", True, False, None, "env.list", None),
        ("Z", "environ", False, False, None, "shared", ".base.env"),
        ("K", "environ", False, True, None, "env", None),
    ]
    assert (module.environ_envs, module.env_scheme_defaults) == (("env",), frozenset({"DEBUG"}))
    assert module.env_file_loads == ((5, 1),)
    (first,) = [r for r in module.env_reads if r.name == "SECRET_KEY"]
    assert (first.line, first.col) == (6, 14)


def test_os_environ_named_env_is_not_django_environ() -> None:
    module = _parse(
        """\
        import os
        from os import environ as env
        import env as envmod
        A = env.get("A")
        B = envmod.str("B")
        """
    )
    assert [(r.name, r.kind) for r in module.env_reads] == [("A", "get")]


def test_setdefault_keeps_its_literal_value() -> None:
    module = _parse(
        """\
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ.setdefault("OTHER", make())
        """
    )
    assert [(r.name, r.default) for r in module.env_reads] == [
        ("DJANGO_SETTINGS_MODULE", "config.settings"),
        ("OTHER", None),
    ]


def test_installed_apps_literals_through_names_and_additions() -> None:
    module = _parse(
        """\
        DJANGO_APPS = ["django.contrib.admin", "django.contrib.auth"]
        LOCAL_APPS = ("shop.apps.ShopConfig", "users")
        INSTALLED_APPS = DJANGO_APPS + list(THIRD) + [*LOCAL_APPS]
        INSTALLED_APPS += ["extra"]
        INSTALLED_APPS.append("late")
        if DEBUG:
            INSTALLED_APPS.insert(0, "debug_toolbar")
        """
    )
    assert module.installed_apps == (
        ("django.contrib.admin", 1, 16),
        ("django.contrib.auth", 1, 40),
        ("shop.apps.ShopConfig", 2, 15),
        ("users", 2, 39),
        ("extra", 4, 20),
        ("late", 5, 23),
        ("debug_toolbar", 7, 30),
    )
    assert _parse("APPS = ['a']\n").installed_apps == ()


def test_env_get_says_how_its_none_fails() -> None:
    module = _parse(
        """\
        import os
        import sys
        from pathlib import Path
        A = os.getenv("A")
        if not A:
            raise RuntimeError("A is required")
        B = int(os.getenv("B"))
        C = Path(os.environ.get("C"))
        D = os.getenv("D")
        HOSTS = D.split(",")
        if os.getenv("E") is None:
            sys.exit("E is required")
        F = "%s" % os.getenv("F")
        G = os.getenv("G")
        if G:
            G.split(",")
        H = os.getenv("H")
        if H:
            pass
        else:
            raise ValueError
        I = os.getenv("I")
        if I:
            try:
                pass
            except OSError:
                raise
        J = "x" in os.getenv("J")
        K = [k for k in os.getenv("K")]
        """
    )
    assert {r.name: (r.unset_error, r.unset_use) for r in module.env_reads} == {
        "A": ("RuntimeError", "raise"),
        "B": ("TypeError", "int()"),
        "C": ("TypeError", "pathlib.Path()"),
        "D": ("AttributeError", ".split"),
        "E": ("SystemExit", "raise"),
        "F": ("", ""),  # formatted, not rejected
        "G": ("", ""),  # tested before its use
        "H": ("ValueError", "raise"),
        "I": ("", ""),  # the raise is not in the branch taken when unset
        "J": ("TypeError", "in"),
        "K": ("TypeError", "iteration"),
    }


# the one walk every analysis reads ------------------------------------------------------------

_TRICKY_SOURCES = [
    "x = f(a,\n\tb)  # tab\ny = {'k': [1, 2],\n     **rest}\n",
    "app = FastAPI()\r\napp.mount('/s',\r\n  sub)\r\nz = (1 +\r\n 2)\r\n",
    "a = 'lone'\rb = g(1,\r 2)\r",
    "s = 'héllo → ✓'; t = h('日本', k=\n  '語')\n\x0cu = v(w)\n",
    "def f(*, a, b=1, **k):\n    return {**k, 'a': a}\nglobal_ = [x for x in y if (z := x)]\n",
    "match p:\n    case {'a': 1, **r}:\n        pass\n    case C(x, y=2):\n        pass\n",
    "last = call(1,\n  2)",  # no final newline
]


@pytest.mark.parametrize("source", _TRICKY_SOURCES)
def test_source_segments_match_ast(source: str) -> None:
    tree = ast.parse(source)
    lines = _segment_lines(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.expr):
            assert _source_segment(lines, node) == ast.get_source_segment(source, node)


@pytest.mark.parametrize("source", _TRICKY_SOURCES)
def test_index_is_the_walk_of_ast(source: str) -> None:
    singletons = ast.expr_context | ast.boolop | ast.operator | ast.unaryop | ast.cmpop
    tree = ast.parse(source)
    index = _index(tree)
    walked = [n for n in ast.walk(tree) if not isinstance(n, singletons)]
    for node in walked:
        expected = [c for c in ast.iter_child_nodes(node) if not isinstance(c, singletons)]
        assert index.kids(node) == expected
        for child in expected:
            assert index.parents[id(child)] is node
    assert index.calls == [n for n in walked if isinstance(n, ast.Call)]
    assert index.assigns == [n for n in walked if isinstance(n, ast.Assign | ast.AnnAssign)]
    assert index.named_exprs == [n for n in walked if isinstance(n, ast.NamedExpr)]


# the analysis runs when a fact is first read -------------------------------------------------

_MODULE = "import os\nfrom fastapi import FastAPI\napp = FastAPI()\nPORT = int(os.getenv('PORT'))\n"


def test_facts_are_those_of_the_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    run = python_parser._Analyzer.run

    def counted(self: python_parser._Analyzer) -> PythonModule:
        runs.append(self.path)
        return run(self)

    monkeypatch.setattr(python_parser._Analyzer, "run", counted)
    module = parse("svc/main.py", _MODULE)
    assert runs == []  # parsed: checked, not analysed
    assert module.routers[0].variable == "app"
    assert runs == ["svc/main.py"]
    assert module.env_reads == python_parser.analyse("svc/main.py", _MODULE).env_reads
    assert module == python_parser.analyse("svc/main.py", _MODULE)
    assert runs == ["svc/main.py"] * 3  # once for the module, once for each `analyse`


def test_an_unread_module_survives_a_pickle() -> None:
    module = parse("svc/main.py", _MODULE)
    assert pickle.loads(pickle.dumps(module)) == python_parser.analyse("svc/main.py", _MODULE)


def test_a_failure_of_the_deferred_analysis_is_kept() -> None:
    module = parse("svc/deep.py", "x = a" + ".b" * 1500 + "\n")
    assert python_parser.deferred_failure(module) is None  # nothing read: nothing failed
    assert module.imports == ()
    failure = python_parser.deferred_failure(module)
    assert isinstance(failure, ParseFailure)
    assert failure.message == "code is nested too deeply to analyse"


@pytest.mark.parametrize(
    "source",
    ["nonlocal x\n", "def f():\n    x = 1\n    global x\n"],  # the symbol table refuses them
)
def test_what_ast_accepts_is_valid(source: str) -> None:
    assert parse("svc/main.py", source).imports == ()


def test_a_syntax_error_is_ast_s() -> None:
    with pytest.raises(ParseFailure) as caught:
        parse("svc/main.py", "x = 1\ny = (\n")
    assert (caught.value.message, caught.value.line, caught.value.col) == (
        "syntax error: '(' was never closed",
        2,
        5,
    )
