"""Parse one Python module with the stdlib `ast` into the facts the cross-file rules need.

Static only: the module is never imported or executed. Everything a rule may point at carries a
1-based line and a 1-based *character* column (ast counts UTF-8 bytes, converted here); end
columns are exclusive, as in SARIF. Name resolution is flow-insensitive: `import os as _os` or
`env = os.environ` anywhere in the file makes `_os` / `env` mean that module or object everywhere.
"""

from __future__ import annotations

import ast
import re
import symtable
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from itertools import chain
from types import FrameType
from typing import Any, Literal

from vertice_lint.diagnostics import ParseFailure, ParseProblem

Scope = Literal["module", "function", "class"]
# "environ": a django-environ read (`env("X")`, `env.str("X")`, `env.db()`): raises
# ImproperlyConfigured when the variable is unset and no default (nor scheme default) exists.
EnvKind = Literal["subscript", "get", "getenv", "pop", "setdefault", "environ"]
Alias = str | tuple[str, ...]


@dataclass(frozen=True)
class ImportedName:
    """One `name [as asname]` of an import statement."""

    name: str
    asname: str | None
    line: int
    col: int


@dataclass(frozen=True)
class Import:
    """An import statement; `import a, b` gives one record per module, each with one name."""

    module: str | None
    level: int
    names: tuple[ImportedName, ...]
    is_from: bool
    star: bool
    line: int
    col: int
    end_line: int
    end_col: int
    scope: Scope
    guarded: bool
    type_checking: bool
    in_main_guard: bool


@dataclass(frozen=True)
class DynamicImport:
    """`importlib.import_module("x")` or `__import__("x")` with a literal name."""

    name: str
    line: int
    col: int
    scope: Scope
    guarded: bool


@dataclass(frozen=True)
class EnvRead:
    """A read of one environment variable by literal name."""

    name: str
    kind: EnvKind
    has_default: bool
    line: int
    col: int
    scope: Scope
    function: str | None
    guarded: bool
    default: str | None = None  # the default when it is a string literal (setdefault's value)
    call: str = ""  # the callee as written, for django-environ reads (`env.db`)
    # A django-environ read through an Env object imported from another module (its qualified
    # name, `.base.env`): only an Env constructed in the code the container runs makes it one.
    via: str | None = None
    # A get/getenv without a default gives None when the variable is unset. When that None
    # demonstrably fails in the read's own scope: the exception, and how ("raise": a test of
    # it raises or exits, `if not x: raise ...`; else the use that rejects None: `int()`,
    # `.split`, `+`...). "" when the code tests it, defaults it or passes it on: optional.
    unset_error: str = ""
    unset_use: str = ""
    # a module-level `X = os.getenv("X")` whose None a function of the module refuses
    # (`def check(): if not X: raise ValueError`): (that function's qualname, the exception)
    unset_raised_by: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SettingsField:
    """An annotated field of a pydantic settings class."""

    name: str
    annotation: str
    has_default: bool
    optional: bool
    alias: Alias | None
    line: int
    col: int


@dataclass(frozen=True)
class SettingsClass:
    """A pydantic `BaseSettings` subclass; fields and config include those inherited in-module."""

    name: str
    line: int
    col: int
    version: int
    bases: tuple[str, ...]
    env_prefix: str
    case_sensitive: bool
    env_nested_delimiter: str | None
    env_file: Alias | None
    config_dynamic: bool
    fields: tuple[SettingsField, ...]


@dataclass(frozen=True)
class Call:
    """A call whose callee is a dotted name, as written."""

    name: str
    line: int
    col: int
    in_main_guard: bool = False


@dataclass(frozen=True)
class FunctionInfo:
    """A def (or async def); `calls` excludes nested defs' bodies but includes lambdas'."""

    qualname: str
    line: int
    col: int
    decorators: tuple[str, ...]
    calls: tuple[Call, ...]
    is_async: bool


@dataclass(frozen=True)
class Route:
    """A web route; `path` is relative to its router (prefixes come from RouterInclude)."""

    methods: tuple[str, ...]
    path: str
    function: str | None
    router: str | None
    line: int
    col: int
    framework: str


@dataclass(frozen=True)
class Router:
    """An app or router object assigned to a variable."""

    variable: str
    kind: str
    prefix: str | None
    root_path: str | None
    line: int
    col: int


@dataclass(frozen=True)
class RouterInclude:
    """`target.include_router(included, prefix=...)` and the like."""

    target: str | None
    included: str
    prefix: str | None
    kind: Literal["include_router", "register_blueprint", "mount"]
    line: int
    col: int


@dataclass(frozen=True)
class ServerRun:
    """A server started from code (`uvicorn.run(app, port=8000)`)."""

    kind: Literal["uvicorn.run", "app.run", "web.run_app", "hypercorn"]
    app: str | None
    host: str | None
    port: int | None
    port_expr: str | None
    line: int
    col: int
    in_main_guard: bool


@dataclass(frozen=True)
class PythonModule:
    """Everything the rules know about one Python file."""

    path: str
    imports: tuple[Import, ...]
    dynamic_imports: tuple[DynamicImport, ...]
    env_reads: tuple[EnvRead, ...]
    dynamic_env_reads: int
    settings_classes: tuple[SettingsClass, ...]
    functions: tuple[FunctionInfo, ...]
    module_calls: tuple[Call, ...]
    routes: tuple[Route, ...]
    routers: tuple[Router, ...]
    router_includes: tuple[RouterInclude, ...]
    dynamic_routes: bool
    all_names: tuple[tuple[str, int, int], ...] | None
    all_dynamic: bool
    top_level_names: frozenset[str]
    has_getattr: bool
    getattr_names: tuple[str, ...]
    getattr_open: bool
    main_guard_line: int | None
    uvicorn_runs: tuple[ServerRun, ...]
    problems: tuple[ParseProblem, ...] = ()
    # django-environ: variables bound to `environ.Env(...)`, and the names whose scheme
    # (`environ.Env(DEBUG=(bool, False))`) gives a default
    environ_envs: tuple[str, ...] = ()
    env_scheme_defaults: frozenset[str] = frozenset()
    # `environ.Env.read_env()` / `load_dotenv()` calls (line, col): a `.env` file may set vars
    env_file_loads: tuple[tuple[int, int], ...] = ()
    # Django settings: the string literals of INSTALLED_APPS (name, line, col)
    installed_apps: tuple[tuple[str, int, int], ...] = ()


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
_KEY_ERRORS = frozenset(
    {"KeyError", "LookupError", "Exception", "BaseException", "ImproperlyConfigured"}
)
_ENV_CALLS: dict[str, EnvKind] = {
    "os.getenv": "getenv",
    "os.environ.get": "get",
    "os.environ.pop": "pop",
    "os.environ.setdefault": "setdefault",
}
_ENVIRON_CTORS = frozenset({"environ.Env", "environ.FileAwareEnv", "environ.environ.Env"})
# django-environ reader methods -> (index of the positional default, the variable read when
# no name is given)
_ENVIRON_METHODS: dict[str, tuple[int, str | None]] = {
    "__call__": (2, None),
    "get_value": (2, None),
    "str": (1, None),
    "bytes": (1, None),
    "bool": (1, None),
    "int": (1, None),
    "float": (1, None),
    "json": (1, None),
    "list": (2, None),
    "tuple": (2, None),
    "dict": (2, None),
    "url": (1, None),
    "path": (1, None),
    "db_url": (1, "DATABASE_URL"),
    "db": (1, "DATABASE_URL"),
    "cache_url": (1, "CACHE_URL"),
    "cache": (1, "CACHE_URL"),
    "email_url": (1, "EMAIL_URL"),
    "email": (1, "EMAIL_URL"),
    "search_url": (1, "SEARCH_URL"),
    "channels_url": (1, "CHANNELS_URL"),
    "channels": (1, "CHANNELS_URL"),
}
_ENV_FILE_LOADERS = frozenset(
    {"environ.Env.read_env", "environ.environ.Env.read_env", "dotenv.load_dotenv"}
)
_SETTINGS_V2 = frozenset({"pydantic_settings.BaseSettings", "pydantic_settings.main.BaseSettings"})
_SETTINGS_V1 = frozenset(
    {"pydantic.BaseSettings", "pydantic.v1.BaseSettings", "pydantic.env_settings.BaseSettings"}
)
# qualified constructor -> (kind, framework, keyword holding the route prefix)
_ROUTER_CTORS: dict[str, tuple[str, str, str | None]] = {
    "fastapi.FastAPI": ("FastAPI", "fastapi", None),
    "fastapi.applications.FastAPI": ("FastAPI", "fastapi", None),
    "fastapi.APIRouter": ("APIRouter", "fastapi", "prefix"),
    "fastapi.routing.APIRouter": ("APIRouter", "fastapi", "prefix"),
    "flask.Flask": ("Flask", "flask", None),
    "flask.Blueprint": ("Blueprint", "flask", "url_prefix"),
    "flask.blueprints.Blueprint": ("Blueprint", "flask", "url_prefix"),
    "quart.Quart": ("Quart", "quart", None),
    "quart.Blueprint": ("Blueprint", "quart", "url_prefix"),
    "starlette.applications.Starlette": ("Starlette", "starlette", None),
    "starlette.routing.Router": ("Router", "starlette", None),
    "aiohttp.web.Application": ("Application", "aiohttp", None),
    "aiohttp.web.RouteTableDef": ("RouteTableDef", "aiohttp", None),
}
_HTTP_METHODS = frozenset({"get", "post", "put", "delete", "patch", "head", "options", "trace"})
_WEBSOCKET_DECORATORS = frozenset({"websocket", "websocket_route"})
_ROUTE_ADDERS = frozenset({"add_api_route", "add_url_rule", "add_route"})
_WEBSOCKET_ADDERS = frozenset({"add_websocket_route", "add_api_websocket_route"})
_STARLETTE_ROUTES = {
    "starlette.routing.Route": "route",
    "starlette.routing.WebSocketRoute": "websocket",
    "starlette.routing.Mount": "mount",
    "fastapi.routing.APIRoute": "route",
}
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")
_LINE_END = re.compile(r"(\r\n|\r|\n)")


def _segment_lines(text: str) -> list[str]:
    """The lines of `text` with their endings, split where `ast.get_source_segment` splits
    them (CR LF, CR and LF only, as the tokenizer does: not at a form feed)."""
    parts = _LINE_END.split(text)
    lines = [parts[i] + parts[i + 1] for i in range(0, len(parts) - 1, 2)]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _source_segment(lines: Sequence[str], node: ast.expr) -> str | None:
    """`ast.get_source_segment(text, node)` on the lines of the text, split once (it splits
    the whole text again on each call)."""
    if node.end_lineno is None or node.end_col_offset is None:
        return None
    lineno, end_lineno = node.lineno - 1, node.end_lineno - 1
    if end_lineno == lineno:
        return lines[lineno].encode()[node.col_offset : node.end_col_offset].decode()
    first = lines[lineno].encode()[node.col_offset :].decode()
    last = lines[end_lineno].encode()[: node.end_col_offset].decode()
    return "".join([first, *lines[lineno + 1 : end_lineno], last])


MAX_LINE = 1 << 20  # characters of one line of Python


def parse(path: str, text: str) -> PythonModule:
    """Check Python source; raise ParseFailure when it is not valid Python.

    The facts of the record are found when one of them is first read: most modules of a
    repository are in no image, and no rule reads them (see `_DeferredModule`).
    """
    if "\x00" in text:
        before = text[: text.index("\x00")]
        lines = _LINE_SPLIT.split(before)
        raise ParseFailure("source contains a NUL byte", len(lines), len(lines[-1]) + 1)
    if len(text) > MAX_LINE:
        # one line of megabytes (generated or minified data) costs gigabytes to parse
        for number, line in enumerate(text.split("\n"), start=1):
            if len(line) > MAX_LINE:
                raise ParseFailure(
                    f"line {number} is {len(line):,} characters long, more than the"
                    f" {MAX_LINE:,} vertice-lint reads of one line",
                    number,
                    1,
                )
    try:
        # the symbol table is built from the parser's tree without making Python objects of
        # it: the cheaper check (it refuses all that ast does, and more)
        symtable.symtable(text, path, "exec")
    except Exception:  # ast says whether it is valid, and what is wrong
        _syntax_tree(path, text)
    return _DeferredModule(path, text)


def analyse(path: str, text: str) -> PythonModule:
    """The facts of a module that `parse` accepted."""
    tree = _syntax_tree(path, text)
    try:
        return _Analyzer(path, text, tree).run()
    except RecursionError as err:
        raise ParseFailure("code is nested too deeply to analyse") from err


def _syntax_tree(path: str, text: str) -> ast.Module:
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as err:
        raise ParseFailure(f"syntax error: {err.msg}", err.lineno or 1, err.offset or 1) from err
    except (ValueError, RecursionError, MemoryError) as err:
        raise ParseFailure(f"cannot parse: {err}") from err


def _stack_depth() -> int:
    """The number of frames of the caller's stack, the caller's own included."""
    frame: FrameType | None = sys._getframe(1)
    depth = 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


class _DeferredModule(PythonModule):
    """A module checked by `parse`, analysed when one of its facts is first read (the facts
    of the analysis are then the instance's own attributes, read at no cost).

    The analysis gets the stack it would have had at parse time (the recursion limit is raised
    by the frames that lie between), so it fails exactly when it would have failed then. A
    failure cannot be the parse's any more: the facts are those of an empty module and
    `deferred_failure` gives the exception, for the caller to parse the file again as the
    failure it is (the engine runs once more).
    """

    def __init__(self, path: str, text: str) -> None:  # not the dataclass's: no facts yet
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_depth", _stack_depth())

    def _analyse(self) -> None:
        state = self.__dict__
        text = state.pop("_text")
        # at parse time the analyzer would have run where __init__ ran; now it runs two
        # frames below this one (in `analyse`)
        extra = max(0, _stack_depth() + 2 - state.pop("_depth"))
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + extra)
        try:
            module = analyse(self.path, text)
        except Exception as exc:  # a parse error or a parser bug, seen late
            state["_failure"] = exc
            module = _Analyzer(self.path, "", ast.Module(body=[], type_ignores=[])).run()
        finally:
            sys.setrecursionlimit(limit)
        for name in _DEFERRED_FIELDS:
            state[name] = getattr(module, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PythonModule):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _FIELDS)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, f) for f in _FIELDS))


class _Deferred:
    """A fact of a `_DeferredModule`, on the class until the analysis puts the value on the
    instance (which then hides this descriptor: it has no `__set__`)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, module: _DeferredModule | None, owner: type | None = None) -> Any:
        if module is None:
            return self
        module._analyse()
        return module.__dict__[self.name]


_FIELDS = tuple(f.name for f in fields(PythonModule))
# `problems` stays the class default: the analysis reports none (they are read for every file)
_DEFERRED_FIELDS = tuple(f for f in _FIELDS if f not in ("path", "problems"))
for _name in _DEFERRED_FIELDS:
    setattr(_DeferredModule, _name, _Deferred(_name))


def deferred_failure(record: object) -> Exception | None:
    """The parse error or parser bug that a deferred analysis met, if it met one."""
    if isinstance(record, _DeferredModule):
        if "_text" in record.__dict__:
            return None  # not analysed: nothing failed
        failure = record.__dict__.get("_failure")
        return failure if isinstance(failure, Exception) else None
    return None


@dataclass(frozen=True)
class _Ctx:
    scope: Scope = "module"
    function: str | None = None
    prefix: str = ""
    import_guard: bool = False
    env_guard_all: bool = False
    env_guarded: frozenset[str] = frozenset()
    type_checking: bool = False
    main_guard: bool = False
    # None means calls here are not executed at import time nor by a known function
    calls: list[Call] | None = field(default=None, compare=False)
    assign_target: str | None = None
    route_prefix: str = ""


def _changed(ctx: _Ctx, **changes: Any) -> _Ctx:
    """`dataclasses.replace`, or `ctx` itself when no value changes (the common case)."""
    if all(getattr(ctx, name) == value for name, value in changes.items()):
        return ctx
    return replace(ctx, **changes)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# Fields that never hold a node worth visiting: names, numbers, and the shared singleton
# nodes of contexts and operators (`ctx`, `op`, `ops`), which no analysis looks at.
_LEAF_FIELDS = frozenset(
    {
        "ctx",
        "op",
        "ops",
        "id",
        "attr",
        "arg",
        "asname",
        "module",
        "level",
        "conversion",
        "is_async",
        "simple",
        "kind",
        "type_comment",
        "tag",
        "lineno",
        "rest",
    }
)
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _child_fields(cls: type[ast.AST]) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        names = () if cls is ast.Constant else cls._fields  # a Constant's value is no node
        fields = tuple(f for f in names if f not in _LEAF_FIELDS)
        _CHILD_FIELDS[cls] = fields
    return fields


@dataclass
class _Index:
    """One walk of a tree (every analysis reads it instead of walking again): each node's
    children, in `ast.iter_child_nodes` order without the singleton context and operator
    nodes; each node's parent; and the nodes of some types, each list in `ast.walk` order."""

    children: dict[int, list[ast.AST]] = field(default_factory=dict)
    parents: dict[int, ast.AST] = field(default_factory=dict)
    imports: list[ast.Import | ast.ImportFrom] = field(default_factory=list)
    assigns: list[ast.Assign | ast.AnnAssign] = field(default_factory=list)
    bool_ops: list[ast.BoolOp] = field(default_factory=list)
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=list)
    calls: list[ast.Call] = field(default_factory=list)
    named_exprs: list[ast.NamedExpr] = field(default_factory=list)

    def kids(self, node: ast.AST) -> list[ast.AST]:
        found = self.children.get(id(node))
        return found if found is not None else list(ast.iter_child_nodes(node))


def _index(tree: ast.AST) -> _Index:
    index = _Index()
    children, parents = index.children, index.parents
    buckets: dict[type[ast.AST], list[Any]] = {
        ast.Import: index.imports,
        ast.ImportFrom: index.imports,
        ast.Assign: index.assigns,
        ast.AnnAssign: index.assigns,
        ast.BoolOp: index.bool_ops,
        ast.FunctionDef: index.functions,
        ast.AsyncFunctionDef: index.functions,
        ast.Call: index.calls,
        ast.NamedExpr: index.named_exprs,
    }
    node_type = ast.AST
    order: list[ast.AST] = [tree]
    for node in order:  # breadth first, as ast.walk (the list grows while it is read)
        cls = type(node)
        bucket = buckets.get(cls)
        if bucket is not None:
            bucket.append(node)
        kids: list[ast.AST] = []
        for name in _child_fields(cls):
            value = getattr(node, name, None)
            if isinstance(value, node_type):
                kids.append(value)
            elif isinstance(value, list):
                kids.extend([item for item in value if isinstance(item, node_type)])
        children[id(node)] = kids
        for kid in kids:
            parents[id(kid)] = node
        order.extend(kids)
    return index


def _scope_nodes(index: _Index, scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of one scope: nested functions, lambdas and classes are other scopes."""
    children = index.children
    stack = list(index.kids(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES):
            stack.extend(children[id(node)])


def _truth_tested(test: ast.expr) -> set[str]:
    """Names whose None-ness the test decides: `x`, `not x`, `x is None`, `x and y`."""
    if isinstance(test, ast.Name):
        return {test.id}
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _truth_tested(test.operand)
    if isinstance(test, ast.BoolOp):
        return set().union(*(_truth_tested(v) for v in test.values))
    if (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and all(isinstance(op, ast.Is | ast.IsNot | ast.Eq | ast.NotEq) for op in test.ops)
        and all(isinstance(c, ast.Constant) and c.value in (None, "") for c in test.comparators)
    ):
        return {test.left.id}
    return set()


_EXITS = frozenset({"sys.exit", "exit", "quit", "os._exit"})
# callables whose first argument may not be None
_REJECT_NONE = frozenset(
    {
        "int",
        "float",
        "complex",
        "len",
        "decimal.Decimal",
        "pathlib.Path",
        "pathlib.PurePath",
        "json.loads",
        "base64.b64decode",
        "bytes.fromhex",
        "ipaddress.ip_address",
        "ipaddress.ip_network",
    }
)
_BINOP_SYMBOLS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Mod: "%",
}


def _unset_branch_raises(node: ast.If | ast.While) -> tuple[ast.expr | None, str]:
    """The value a simple test decides unset-ness of (`x`, `not x`, `x is None`, `x == ""`,
    or the same of a call), and the exception raised by the statements of the branch taken
    when it is unset ("SystemExit" for an exit; "" when that branch does not raise)."""
    test, negated = node.test, False
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, negated = test.operand, True
    subject: ast.expr | None = None
    unset_in_body = False
    if isinstance(test, ast.Name | ast.Call):
        subject, unset_in_body = test, negated
    elif (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.left, ast.Name | ast.Call)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value in (None, "")
        and isinstance(test.ops[0], ast.Is | ast.IsNot | ast.Eq | ast.NotEq)
    ):
        subject = test.left
        unset_in_body = isinstance(test.ops[0], ast.Is | ast.Eq) != negated
    if subject is None:
        return None, ""
    branch = node.body if unset_in_body else node.orelse
    for stmt in branch:
        if isinstance(stmt, ast.Raise):
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            return subject, (_last(_dotted(exc)) if exc is not None else None) or "an exception"
        if (
            isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call)
            and _dotted(stmt.value.func) in _EXITS
        ):
            return subject, "SystemExit"
    return subject, ""


def _str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _kwargs(call: ast.Call) -> dict[str, ast.expr]:
    return {kw.arg: kw.value for kw in call.keywords if kw.arg is not None}


def _arg(call: ast.Call, index: int, name: str) -> ast.expr | None:
    if len(call.args) > index and not any(
        isinstance(a, ast.Starred) for a in call.args[: index + 1]
    ):
        return call.args[index]
    return _kwargs(call).get(name)


def _str_items(node: ast.expr | None) -> tuple[str, ...] | None:
    """Strings of a list/tuple/set literal, or None when it is not such a literal."""
    if not isinstance(node, ast.List | ast.Tuple | ast.Set):
        return None
    items = [_str(elt) for elt in node.elts]
    return None if None in items else tuple(s for s in items if s is not None)


def _last(name: str | None) -> str:
    return "" if name is None else name.rsplit(".", 1)[-1]


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return test.value is False
    return _last(_dotted(test)) == "TYPE_CHECKING"


def _is_not_type_checking(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.UnaryOp)
        and isinstance(test.op, ast.Not)
        and _last(_dotted(test.operand)) == "TYPE_CHECKING"
    )


def _is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    pair = {_dotted(test.left) or _str(test.left), _dotted(test.comparators[0])}
    pair.add(_str(test.comparators[0]))
    return "__name__" in pair and "__main__" in pair


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for elt in target.elts:
            yield from _target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _module_statements(
    body: Sequence[ast.stmt], tc: bool = False
) -> Iterator[tuple[ast.stmt, bool]]:
    """Module-level statements, descending into compound statements; flag = TYPE_CHECKING only."""
    for stmt in body:
        yield stmt, tc
        if isinstance(stmt, ast.If):
            yield from _module_statements(stmt.body, tc or _is_type_checking(stmt.test))
            yield from _module_statements(stmt.orelse, tc or _is_not_type_checking(stmt.test))
        elif isinstance(stmt, ast.Try | ast.TryStar):
            yield from _module_statements(stmt.body, tc)
            for handler in stmt.handlers:
                yield from _module_statements(handler.body, tc)
            yield from _module_statements(stmt.orelse, tc)
            yield from _module_statements(stmt.finalbody, tc)
        elif isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            yield from _module_statements(stmt.body, tc)
            yield from _module_statements(stmt.orelse, tc)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            yield from _module_statements(stmt.body, tc)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                yield from _module_statements(case.body, tc)


def _is_optional(annotation: ast.expr) -> bool:
    if isinstance(annotation, ast.Constant):
        if annotation.value is None:
            return True
        if isinstance(annotation.value, str):
            try:
                return _is_optional(ast.parse(annotation.value, mode="eval").body)
            except SyntaxError:
                return False
        return False
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _is_optional(annotation.left) or _is_optional(annotation.right)
    if isinstance(annotation, ast.Subscript):
        outer = _last(_dotted(annotation.value))
        if outer == "Optional":
            return True
        if outer == "Union":
            members = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
            return any(_is_optional(m) for m in members)
        if outer == "Annotated" and isinstance(annotation.slice, ast.Tuple):
            return _is_optional(annotation.slice.elts[0])
    return False


def _alias_value(node: ast.expr | None) -> Alias | None:
    text = _str(node)
    if text is not None:
        return text
    items = _str_items(node)
    if items is not None:
        return items
    if isinstance(node, ast.Call) and _last(_dotted(node.func)) == "AliasChoices":
        choices: list[str] = []
        for arg in node.args:
            if isinstance(arg, ast.Call) and _last(_dotted(arg.func)) == "AliasPath":
                arg = arg.args[0] if arg.args else arg
            value = _str(arg)
            if value is not None:
                choices.append(value)
        return tuple(choices)
    return None


def _handler_catches(handler: ast.ExceptHandler, names: frozenset[str]) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(_last(_dotted(t)) in names for t in types)


class _Analyzer:
    """One pass over the tree with a lexical context; collects every record."""

    def __init__(self, path: str, text: str, tree: ast.Module) -> None:
        self.path = path
        self.text = text
        self.tree = tree
        self.index = _index(tree)
        self.lines = _LINE_SPLIT.split(text)
        self.segment_lines: list[str] | None = None
        self.encoded: dict[int, bytes] = {}
        self.aliases: dict[str, str] = {}
        self.imports: list[Import] = []
        self.dynamic_imports: list[DynamicImport] = []
        self.env_reads: list[EnvRead] = []
        self.dynamic_env_reads = 0
        self.settings: dict[str, SettingsClass] = {}
        self.functions: list[FunctionInfo] = []
        self.module_calls: list[Call] = []
        self.routes: list[Route] = []
        self.routers: dict[str, Router] = {}
        self.router_frameworks: dict[str, str] = {}
        self.includes: list[RouterInclude] = []
        self.dynamic_routes = False
        self.main_guard_line: int | None = None
        self.runs: list[ServerRun] = []
        self.or_fallback: set[int] = set()
        self.none_checked: set[int] = set()
        # get/getenv call -> (exception, use) when its None fails (see EnvRead.unset_error)
        self.unset_fails: dict[int, tuple[str, str]] = {}
        self.parents = self.index.parents
        self.unset_raised_by: dict[int, tuple[tuple[str, str], ...]] = {}
        self.environ_envs: dict[str, None] = {}
        self.scheme_defaults: set[str] = set()
        self.env_file_loads: list[tuple[int, int]] = []

    # positions ------------------------------------------------------------------------------

    def _col(self, line: int, byte_col: int) -> int:
        data = self.encoded.get(line)
        if data is None:
            source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
            data = source.encode("utf-8", "surrogatepass")
            self.encoded[line] = data
        return len(data[:byte_col].decode("utf-8", "replace")) + 1

    def _pos(self, node: ast.expr | ast.stmt | ast.alias) -> tuple[int, int]:
        return node.lineno, self._col(node.lineno, node.col_offset)

    def _source(self, node: ast.expr) -> str:
        if self.segment_lines is None:
            self.segment_lines = _segment_lines(self.text)
        return _source_segment(self.segment_lines, node) or ast.unparse(node)

    # name resolution --------------------------------------------------------------------------

    def _qualify(self, node: ast.expr) -> str | None:
        """Dotted name with its root replaced by what the root was imported or assigned as."""
        dotted = _dotted(node)
        if dotted is None:
            return None
        root, _, rest = dotted.partition(".")
        origin = self.aliases.get(root)
        if origin is None:
            return dotted
        return f"{origin}.{rest}" if rest else origin

    def _collect_aliases(self) -> None:
        for node in self.index.imports:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".", 1)[0]
                        self.aliases[root] = root
            else:
                base = "." * node.level + (node.module or "")
                for alias in node.names:
                    if alias.name != "*":
                        joined = f"{base}.{alias.name}" if node.module else base + alias.name
                        self.aliases[alias.asname or alias.name] = joined
        for assign in self.index.assigns:
            if isinstance(assign, ast.Assign) and len(assign.targets) == 1:
                target, value = assign.targets[0], assign.value
                if isinstance(target, ast.Name) and isinstance(value, ast.Name | ast.Attribute):
                    root = (_dotted(value) or "").split(".", 1)[0]
                    qualified = self._qualify(value)
                    if root in self.aliases and qualified is not None:
                        self.aliases[target.id] = qualified
        for bool_op in self.index.bool_ops:
            if isinstance(bool_op.op, ast.Or):
                self.or_fallback.update(id(v) for v in bool_op.values[:-1])

    def _collect_none_checks(self) -> None:
        """What the code does with the None of `os.getenv("X")` / `os.environ.get("X")`.

        A read (or the name it is assigned to) that its scope tests (`if not x: return`,
        `x or d`, `if x:`, `x == "True"`) is handled: optional. One whose None reaches a use
        that rejects it (`int(x)`, `x.split(",")`, `x + "/"`), or whose unset branch of a test
        raises or exits (`if not x: raise ValueError`), fails: `unset_fails`. Anything else
        (an argument, an attribute, a return value) passes the None on: optional, since what
        the receiver does with it is not known here.

        Only the env calls' records read what this finds: a module without one is skipped.
        """
        if not any((self._qualify(c.func) or "") in _ENV_CALLS for c in self.index.calls):
            return
        scopes: list[ast.AST] = [self.tree, *self.index.functions]
        module_assigned: dict[str, list[int]] = {}
        refused: dict[str, list[tuple[str, str]]] = {}  # global name -> (function, exception)
        for scope in scopes:
            tested: set[str] = set()
            enforced: dict[str, str] = {}
            failing: dict[str, tuple[str, str]] = {}
            assigned: dict[str, list[int]] = {}
            enforcing: set[int] = set()  # the tests of those (`x is None`: not a handling)
            for node in _scope_nodes(self.index, scope):
                if id(node) in enforcing:
                    continue
                if isinstance(node, ast.If | ast.While):
                    subject, raised = _unset_branch_raises(node)
                    if raised:
                        enforcing.add(id(node.test))
                    if isinstance(subject, ast.Name) and raised:
                        enforced.setdefault(subject.id, raised)
                    elif isinstance(subject, ast.Call) and raised:
                        self.unset_fails.setdefault(id(subject), (raised, "raise"))
                    else:
                        tested |= _truth_tested(node.test)
                elif isinstance(node, ast.IfExp):
                    tested |= _truth_tested(node.test)
                elif isinstance(node, ast.BoolOp):
                    tested |= {v.id for v in node.values[:-1] if isinstance(v, ast.Name)}
                elif isinstance(node, ast.Compare):  # `x == "true"`, `x in (...)`
                    operands = [node.left] + [
                        c
                        for op, c in zip(node.ops, node.comparators, strict=True)
                        if not isinstance(op, ast.In | ast.NotIn)
                    ]
                    tested |= {n.id for n in operands if isinstance(n, ast.Name)}
                elif isinstance(node, ast.comprehension):
                    for cond in node.ifs:
                        tested |= _truth_tested(cond)
                elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if len(targets) == 1 and isinstance(targets[0], ast.Name):
                        assigned.setdefault(targets[0].id, []).append(id(node.value))
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    use = self._none_rejected(node)
                    if use is not None:
                        failing.setdefault(node.id, use)
            if scope is self.tree:
                module_assigned = assigned
            else:
                qualname = self._qualname(scope)
                for name, error in enforced.items():
                    if name not in assigned:  # the module's global
                        refused.setdefault(name, []).append((qualname, error))
            for name, values in assigned.items():
                if name in tested:
                    self.none_checked.update(values)
                    continue
                fails = (enforced[name], "raise") if name in enforced else failing.get(name)
                if fails is not None:
                    for value in values:
                        self.unset_fails.setdefault(value, fails)
        for name, by in refused.items():
            for value in module_assigned.get(name, ()):
                self.unset_raised_by[value] = tuple(by)

    def _qualname(self, node: ast.AST) -> str:
        """The qualname of a function (as FunctionInfo has it) from its ancestors."""
        parts: list[str] = []
        current: ast.AST | None = node
        while current is not None and current is not self.tree:
            if isinstance(current, ast.ClassDef):
                parts.append(f"{current.name}.")
            elif isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
                parts.append(current.name if current is node else f"{current.name}.<locals>.")
            current = self.parents.get(id(current))
        return "".join(reversed(parts))

    def _none_rejected(self, node: ast.expr) -> tuple[str, str] | None:
        """The exception and the use when `node`'s value, None, is used where None fails."""
        parent = self.parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return "AttributeError", f".{parent.attr}"
        if isinstance(parent, ast.Subscript) and parent.value is node:
            return "TypeError", "[...]"
        if isinstance(parent, ast.BinOp):
            if isinstance(parent.op, ast.Mod) and parent.right is node:
                return None  # `"%s" % None` formats it
            return "TypeError", _BINOP_SYMBOLS.get(type(parent.op), "an operator")
        if isinstance(parent, ast.Call) and parent.args and parent.args[0] is node:
            callee = self._qualify(parent.func) or ""
            if callee in _REJECT_NONE:
                return "TypeError", f"{callee}()"
        if (
            isinstance(parent, ast.Compare)
            and node in parent.comparators
            and isinstance(parent.ops[parent.comparators.index(node)], ast.In | ast.NotIn)
        ):
            return "TypeError", "in"
        if isinstance(parent, ast.For | ast.comprehension) and parent.iter is node:
            return "TypeError", "iteration"
        return None

    def _collect_routers(self) -> None:
        for node in self.index.assigns:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            variable = _dotted(target)
            if variable is None or not isinstance(value, ast.Call):
                continue
            ctor = _ROUTER_CTORS.get(self._qualify(value.func) or "")
            if ctor is None:
                continue
            kind, framework, prefix_kw = ctor
            kwargs = _kwargs(value)
            prefix: str | None = ""
            if prefix_kw is not None and prefix_kw in kwargs:
                prefix = _str(kwargs[prefix_kw])
                self.dynamic_routes |= prefix is None
            root_path = _str(kwargs["root_path"]) if "root_path" in kwargs else None
            line, col = self._pos(target)
            self.routers[variable] = Router(variable, kind, prefix, root_path, line, col)
            self.router_frameworks[variable] = framework

    def _module_framework(self) -> str:
        roots = {origin.split(".", 1)[0] for origin in self.aliases.values()}
        for framework in ("fastapi", "flask", "quart", "starlette", "aiohttp"):
            if framework in roots:
                return framework
        return "unknown"

    # main pass ---------------------------------------------------------------------------------

    def run(self) -> PythonModule:
        self._collect_aliases()
        self._collect_none_checks()
        self._collect_routers()
        self._collect_environ()
        self.framework = self._module_framework()
        ctx = _Ctx(calls=self.module_calls)
        for stmt in self.tree.body:
            self._visit(stmt, ctx)
        all_names, all_dynamic = self._all_names()
        has_getattr, getattr_names, getattr_open = self._getattr()
        return PythonModule(
            path=self.path,
            imports=tuple(self.imports),
            dynamic_imports=tuple(self.dynamic_imports),
            env_reads=tuple(self.env_reads),
            dynamic_env_reads=self.dynamic_env_reads,
            settings_classes=tuple(self.settings.values()),
            functions=tuple(sorted(self.functions, key=lambda f: (f.line, f.col))),
            module_calls=tuple(self.module_calls),
            routes=tuple(self.routes),
            routers=tuple(self.routers.values()),
            router_includes=tuple(self.includes),
            dynamic_routes=self.dynamic_routes,
            all_names=all_names,
            all_dynamic=all_dynamic,
            top_level_names=self._top_level_names(),
            has_getattr=has_getattr,
            getattr_names=getattr_names,
            getattr_open=getattr_open,
            main_guard_line=self.main_guard_line,
            uvicorn_runs=tuple(self.runs),
            environ_envs=tuple(self.environ_envs),
            env_scheme_defaults=frozenset(self.scheme_defaults),
            env_file_loads=tuple(self.env_file_loads),
            installed_apps=self._installed_apps(),
        )

    def _visit_all(self, nodes: Sequence[ast.AST], ctx: _Ctx) -> None:
        for node in nodes:
            self._visit(node, ctx)

    def _visit(self, node: ast.AST, ctx: _Ctx) -> None:
        # plain nodes are walked with a stack: long `a + b + ...` chains must not hit the
        # recursion limit; nodes that change the context or are recorded recurse through
        # their handler (ast gives nodes of the exact classes: a lookup by type suffices)
        children, handlers = self.index.children, _HANDLERS
        stack = [node]
        while stack:
            current = stack.pop()
            handler = handlers.get(type(current))
            if handler is not None:
                handler(self, current, ctx)
                continue
            if type(current) is ast.Subscript:
                self._env_subscript(current, ctx)
            kids = children.get(id(current))
            if kids is None:
                kids = list(ast.iter_child_nodes(current))
            stack.extend(reversed(kids))

    def _lambda(self, node: ast.Lambda, ctx: _Ctx) -> None:
        self._visit(node.args, ctx)
        inner = self._enter_function(ctx, ctx.function, ctx.prefix)
        self._visit(node.body, replace(inner, calls=ctx.calls if ctx.function else None))

    def _class(self, node: ast.ClassDef, ctx: _Ctx) -> None:
        self._visit_all([*node.decorator_list, *node.bases], ctx)
        self._visit_all([kw.value for kw in node.keywords], ctx)
        scope: Scope = "class" if ctx.scope == "module" else ctx.scope
        inner = replace(ctx, scope=scope, prefix=f"{ctx.prefix}{node.name}.", assign_target=None)
        self._visit_all(node.body, inner)
        self._settings_class(node)

    def _try(self, node: ast.Try | ast.TryStar, ctx: _Ctx) -> None:
        body = _changed(
            ctx,
            import_guard=ctx.import_guard
            or any(_handler_catches(h, _IMPORT_ERRORS) for h in node.handlers),
            env_guard_all=ctx.env_guard_all
            or any(_handler_catches(h, _KEY_ERRORS) for h in node.handlers),
        )
        self._visit_all(node.body, body)
        self._visit_all([*node.handlers, *node.orelse, *node.finalbody], ctx)

    def _if_exp(self, node: ast.IfExp, ctx: _Ctx) -> None:
        present, absent = self._env_condition(node.test)
        self._visit(node.test, ctx)
        self._visit(node.body, _changed(ctx, env_guarded=ctx.env_guarded | present))
        self._visit(node.orelse, _changed(ctx, env_guarded=ctx.env_guarded | absent))

    def _with(self, node: ast.With | ast.AsyncWith, ctx: _Ctx) -> None:
        self._visit_all(node.items, ctx)
        suppressed: set[str] = set()
        for item in node.items:
            call = item.context_expr
            if isinstance(call, ast.Call) and self._qualify(call.func) == "contextlib.suppress":
                suppressed.update(_last(_dotted(a)) for a in call.args)
        self._visit_all(
            node.body,
            _changed(
                ctx,
                import_guard=ctx.import_guard or bool(suppressed & _IMPORT_ERRORS),
                env_guard_all=ctx.env_guard_all or bool(suppressed & _KEY_ERRORS),
            ),
        )

    def _assign(self, node: ast.Assign | ast.AnnAssign, ctx: _Ctx) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        self._visit_all(targets, ctx)
        if isinstance(node, ast.AnnAssign):
            self._visit(node.annotation, ctx)
        if node.value is not None:
            target = _dotted(targets[0]) if len(targets) == 1 else None
            self._visit(node.value, _changed(ctx, assign_target=target))

    def _enter_function(self, ctx: _Ctx, function: str | None, prefix: str) -> _Ctx:
        # a guard around a def does not protect its body, which runs later
        return replace(
            ctx,
            scope="function",
            function=function,
            prefix=prefix,
            import_guard=False,
            env_guard_all=False,
            env_guarded=frozenset(),
            assign_target=None,
            route_prefix="",
        )

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: _Ctx) -> None:
        self._visit_all(node.decorator_list, ctx)
        self._visit(node.args, ctx)
        if node.returns is not None:
            self._visit(node.returns, ctx)
        qualname = ctx.prefix + node.name
        calls: list[Call] = []
        inner = replace(self._enter_function(ctx, qualname, f"{qualname}.<locals>."), calls=calls)
        self._visit_all(node.body, inner)
        line, col = self._pos(node)
        decorators = tuple(
            _dotted(d.func if isinstance(d, ast.Call) else d) or ast.unparse(d)
            for d in node.decorator_list
        )
        is_async = isinstance(node, ast.AsyncFunctionDef)
        self.functions.append(FunctionInfo(qualname, line, col, decorators, tuple(calls), is_async))
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call):
                self._decorator_route(decorator, qualname)

    def _if(self, node: ast.If, ctx: _Ctx) -> None:
        self._visit(node.test, ctx)
        is_main = _is_main_guard(node.test)
        if is_main and ctx.scope == "module" and self.main_guard_line is None:
            self.main_guard_line = node.lineno
        present, absent = self._env_condition(node.test)
        body = _changed(
            ctx,
            type_checking=ctx.type_checking or _is_type_checking(node.test),
            main_guard=ctx.main_guard or is_main,
            env_guarded=ctx.env_guarded | present,
        )
        orelse = _changed(
            ctx,
            type_checking=ctx.type_checking or _is_not_type_checking(node.test),
            env_guarded=ctx.env_guarded | absent,
        )
        self._visit_all(node.body, body)
        self._visit_all(node.orelse, orelse)

    # imports ------------------------------------------------------------------------------------

    def _import(self, node: ast.Import | ast.ImportFrom, ctx: _Ctx) -> None:
        line, col = self._pos(node)
        end_line = node.end_lineno or line
        end_col = self._col(end_line, node.end_col_offset or 0)

        def record(module: str | None, level: int, names: tuple[ImportedName, ...]) -> None:
            star = isinstance(node, ast.ImportFrom) and not names
            self.imports.append(
                Import(
                    module=module,
                    level=level,
                    names=names,
                    is_from=isinstance(node, ast.ImportFrom),
                    star=star,
                    line=line,
                    col=col,
                    end_line=end_line,
                    end_col=end_col,
                    scope=ctx.scope,
                    guarded=ctx.import_guard,
                    type_checking=ctx.type_checking,
                    in_main_guard=ctx.main_guard,
                )
            )

        def named(alias: ast.alias) -> ImportedName:
            return ImportedName(alias.name, alias.asname, *self._pos(alias))

        if isinstance(node, ast.Import):
            for alias in node.names:
                record(alias.name, 0, (named(alias),))
        else:
            names = tuple(named(a) for a in node.names if a.name != "*")
            record(node.module, node.level, names)

    # calls ------------------------------------------------------------------------------------

    def _call(self, node: ast.Call, ctx: _Ctx) -> None:
        name = _dotted(node.func)
        line, col = self._pos(node)
        if name is not None and ctx.calls is not None:
            ctx.calls.append(Call(name, line, col, ctx.main_guard))
        qualified = self._qualify(node.func) or ""
        self._env_call(node, qualified, ctx)
        self._environ_call(node, qualified, ctx)
        if qualified in ("importlib.import_module", "__import__"):
            module = _str(_arg(node, 0, "name"))
            if module is not None:
                self.dynamic_imports.append(
                    DynamicImport(module, line, col, ctx.scope, ctx.import_guard)
                )
        self._server_run(node, qualified, ctx)
        nested_prefix = self._call_route(node, qualified, ctx)
        self._visit(node.func, ctx)
        for arg in node.args:
            self._visit(arg, ctx)
        for kw in node.keywords:
            inner = ctx
            if kw.arg == "routes" and nested_prefix is not None:
                inner = replace(ctx, route_prefix=nested_prefix)
            self._visit(kw.value, inner)

    def _env_call(self, node: ast.Call, qualified: str, ctx: _Ctx) -> None:
        kind = _ENV_CALLS.get(qualified)
        if kind is None:
            return
        key = _arg(node, 0, "key")
        name = _str(key)
        if name is None:
            self.dynamic_env_reads += key is not None
            return
        has_default = (
            _arg(node, 1, "default") is not None
            or id(node) in self.or_fallback
            or (kind in ("get", "getenv") and id(node) in self.none_checked)
        )
        guarded = ctx.env_guard_all or name in ctx.env_guarded
        line, col = self._pos(node)
        default = _str(_arg(node, 1, "default"))
        fails = None
        if kind in ("get", "getenv") and not has_default:
            fails = self.unset_fails.get(id(node)) or self._none_rejected(node)
        error, use = fails or ("", "")
        self.env_reads.append(
            EnvRead(
                name,
                kind,
                has_default,
                line,
                col,
                ctx.scope,
                ctx.function,
                guarded,
                default,
                unset_error=error,
                unset_use=use,
                unset_raised_by=() if has_default else self.unset_raised_by.get(id(node), ()),
            )
        )

    # django-environ ------------------------------------------------------------------------------

    def _collect_environ(self) -> None:
        """Variables bound to `environ.Env(...)` and the scheme defaults they declare."""
        for node in self.index.assigns:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not (isinstance(target, ast.Name) and isinstance(value, ast.Call)):
                continue
            if self._qualify(value.func) not in _ENVIRON_CTORS:
                continue
            self.environ_envs[target.id] = None
            for kw in value.keywords:
                scheme = kw.value
                if kw.arg is None:
                    continue
                # (cast, default), {"cast": ..., "default": ...}, dict(cast=..., default=...)
                if (
                    (isinstance(scheme, ast.Tuple) and len(scheme.elts) >= 2)
                    or (isinstance(scheme, ast.Dict) and "default" in map(_str, scheme.keys))
                    or (isinstance(scheme, ast.Call) and "default" in _kwargs(scheme))
                ):
                    self.scheme_defaults.add(kw.arg)

    def _environ_object(self, node: ast.expr) -> tuple[bool, str | None]:
        """Whether a name is a django-environ Env object: (is one, imported from where)."""
        if not isinstance(node, ast.Name):
            return False, None
        if node.id in self.environ_envs:
            return True, None
        origin = self.aliases.get(node.id)
        if origin is None or "." not in origin:
            return False, None  # not bound by `from x import env` (a plain `import env`)
        root = origin.lstrip(".").split(".", 1)[0]
        if origin.rsplit(".", 1)[-1] == "env" and root not in ("os", "environ"):
            return True, origin
        return False, None

    def _environ_call(self, node: ast.Call, qualified: str, ctx: _Ctx) -> None:
        func = node.func
        if qualified in _ENV_FILE_LOADERS or (
            isinstance(func, ast.Attribute)
            and func.attr == "read_env"
            and self._environ_object(func.value)[0]
        ):
            self.env_file_loads.append(self._pos(node))
            return
        if isinstance(func, ast.Attribute):
            method, receiver = func.attr, func.value
        else:
            method, receiver = "__call__", func
        spec = _ENVIRON_METHODS.get(method)
        if spec is None:
            return
        is_env, via = self._environ_object(receiver)
        if not is_env:
            return
        default_index, implicit = spec
        key = _arg(node, 0, "var")
        name = _str(key) if key is not None else implicit
        if name is None:
            self.dynamic_env_reads += 1
            return
        default_node = _arg(node, default_index, "default")
        has_default = default_node is not None or (via is None and name in self.scheme_defaults)
        guarded = ctx.env_guard_all or name in ctx.env_guarded
        line, col = self._pos(node)
        self.env_reads.append(
            EnvRead(
                name,
                "environ",
                has_default,
                line,
                col,
                ctx.scope,
                ctx.function,
                guarded,
                _str(default_node),
                _dotted(func) or method,
                via,
            )
        )

    # Django settings -----------------------------------------------------------------------------

    def _installed_apps(self) -> tuple[tuple[str, int, int], ...]:
        """The string literals INSTALLED_APPS is built from, in module order.

        `INSTALLED_APPS = DJANGO_APPS + LOCAL_APPS`, `+= [...]`, `.append(...)`, `.extend(...)`
        and `.insert(i, ...)` are followed; non-literal parts are left out.
        """
        known: dict[str, list[tuple[str, int, int]]] = {}

        def strings(root: ast.expr) -> list[tuple[str, int, int]]:
            found: list[tuple[str, int, int]] = []
            stack = [root]  # iterative: a long `a + b + ...` chain must not recurse
            while stack:
                node = stack.pop()
                if isinstance(node, ast.Name):
                    found.extend(known.get(node.id, ()))
                elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                    stack += [node.right, node.left]
                elif isinstance(node, ast.List | ast.Tuple):
                    stack += [e.value if isinstance(e, ast.Starred) else e for e in node.elts][::-1]
                elif (text := _str(node)) is not None:
                    found.append((text, *self._pos(node)))
            return found

        for stmt, tc in _module_statements(self.tree.body):
            if tc:
                continue
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                found = strings(stmt.value)
                for target in targets:
                    if isinstance(target, ast.Name):
                        known[target.id] = found
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
                if isinstance(stmt.op, ast.Add):
                    known[stmt.target.id] = known.get(stmt.target.id, []) + strings(stmt.value)
            elif (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Call)
                and isinstance(stmt.value.func, ast.Attribute)
                and isinstance(stmt.value.func.value, ast.Name)
            ):
                call, owner = stmt.value, stmt.value.func.value.id
                method = stmt.value.func.attr
                if method in ("append", "extend") and len(call.args) == 1:
                    known[owner] = known.get(owner, []) + strings(call.args[0])
                elif method == "insert" and len(call.args) == 2:
                    known[owner] = known.get(owner, []) + strings(call.args[1])
        return tuple(known.get("INSTALLED_APPS", ()))

    def _env_subscript(self, node: ast.Subscript, ctx: _Ctx) -> None:
        if not isinstance(node.ctx, ast.Load) or self._qualify(node.value) != "os.environ":
            return
        name = _str(node.slice)
        if name is None:
            self.dynamic_env_reads += 1
            return
        guarded = ctx.env_guard_all or name in ctx.env_guarded
        line, col = self._pos(node)
        self.env_reads.append(
            EnvRead(name, "subscript", False, line, col, ctx.scope, ctx.function, guarded)
        )

    def _env_read_name(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Call) and (self._qualify(node.func) or "") in _ENV_CALLS:
            return _str(_arg(node, 0, "key"))
        return None

    def _env_condition(self, test: ast.expr) -> tuple[frozenset[str], frozenset[str]]:
        """Names known to be set when `test` is true, and when it is false."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            present, absent = self._env_condition(test.operand)
            return absent, present
        if isinstance(test, ast.BoolOp):
            parts = [self._env_condition(v) for v in test.values]
            if isinstance(test.op, ast.And):
                return frozenset(chain.from_iterable(p for p, _ in parts)), frozenset()
            return frozenset(), frozenset(chain.from_iterable(a for _, a in parts))
        read = self._env_read_name(test)
        if read is not None:
            return frozenset({read}), frozenset()
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op, right = test.ops[0], test.comparators[0]
            key = _str(test.left)
            if key is not None and self._qualify(right) == "os.environ":
                if isinstance(op, ast.In):
                    return frozenset({key}), frozenset()
                if isinstance(op, ast.NotIn):
                    return frozenset(), frozenset({key})
            read = self._env_read_name(test.left)
            if read is not None and isinstance(right, ast.Constant) and right.value is None:
                if isinstance(op, ast.IsNot | ast.NotEq):
                    return frozenset({read}), frozenset()
                if isinstance(op, ast.Is | ast.Eq):
                    return frozenset(), frozenset({read})
        return frozenset(), frozenset()

    # web ----------------------------------------------------------------------------------------

    def _framework(self, router: str | None) -> str:
        return self.router_frameworks.get(router or "", self.framework)

    def _route_path(self, call: ast.Call, known_router: bool) -> str | None:
        """The literal path of a route call; None when not a route (or not literal)."""
        node = _arg(call, 0, "path") or _kwargs(call).get("rule")
        path = _str(node)
        if known_router:
            self.dynamic_routes |= node is not None and path is None
            return path
        return path if path is not None and path.startswith("/") else None

    def _methods(self, call: ast.Call) -> tuple[str, ...]:
        node = _kwargs(call).get("methods")
        if node is None:
            return ("GET",)
        items = _str_items(node)
        return () if items is None else tuple(m.upper() for m in items)

    def _decorator_route(self, decorator: ast.Call, qualname: str) -> None:
        if not isinstance(decorator.func, ast.Attribute):
            return
        attr = decorator.func.attr
        if attr in _HTTP_METHODS:
            methods: tuple[str, ...] = (attr.upper(),)
        elif attr in ("route", "api_route"):
            methods = self._methods(decorator)
        elif attr in _WEBSOCKET_DECORATORS:
            methods = ("WEBSOCKET",)
        else:
            return
        router = _dotted(decorator.func.value)
        path = self._route_path(decorator, router in self.routers)
        if path is not None:
            line, col = self._pos(decorator)
            framework = self._framework(router)
            self.routes.append(Route(methods, path, qualname, router, line, col, framework))

    def _call_route(self, node: ast.Call, qualified: str, ctx: _Ctx) -> str | None:
        """Record a route, include or mount made by this call; return a Mount's nested prefix."""
        line, col = self._pos(node)
        starlette = _STARLETTE_ROUTES.get(qualified)
        if starlette is not None:
            path = self._route_path(node, True)
            if path is None:
                return None
            if starlette == "mount":
                app = _arg(node, 1, "app")
                if app is not None:
                    self.includes.append(
                        RouterInclude(
                            ctx.assign_target,
                            self._source(app),
                            ctx.route_prefix + path,
                            "mount",
                            line,
                            col,
                        )
                    )
                return ctx.route_prefix + path
            endpoint = _arg(node, 1, "endpoint")
            function = None if endpoint is None else self._source(endpoint)
            methods = ("WEBSOCKET",) if starlette == "websocket" else self._methods(node)
            self.routes.append(
                Route(
                    methods,
                    ctx.route_prefix + path,
                    function,
                    ctx.assign_target,
                    line,
                    col,
                    "starlette",
                )
            )
            return None
        if qualified in _ROUTER_CTORS:
            routes = _kwargs(node).get("routes")
            if routes is not None and not isinstance(routes, ast.List | ast.Tuple):
                self.includes.append(
                    RouterInclude(ctx.assign_target, self._source(routes), "", "mount", line, col)
                )
            return ""
        if not isinstance(node.func, ast.Attribute):
            return None
        attr, target = node.func.attr, _dotted(node.func.value)
        known = target in self.routers
        if attr in ("include_router", "register_blueprint") and node.args:
            kind: Literal["include_router", "register_blueprint"] = (
                "include_router" if attr == "include_router" else "register_blueprint"
            )
            keyword = "prefix" if kind == "include_router" else "url_prefix"
            prefix_node = _kwargs(node).get(keyword)
            prefix = "" if prefix_node is None else _str(prefix_node)
            self.dynamic_routes |= prefix is None
            self.includes.append(
                RouterInclude(target, self._source(node.args[0]), prefix, kind, line, col)
            )
        elif attr in ("mount", "add_subapp"):
            path = self._route_path(node, known)
            sub = _arg(node, 1, "app")
            if path is not None and sub is not None:
                self.includes.append(
                    RouterInclude(target, self._source(sub), path, "mount", line, col)
                )
        elif attr in _ROUTE_ADDERS or attr in _WEBSOCKET_ADDERS:
            path = self._route_path(node, known)
            if path is None:
                return None
            if attr == "add_url_rule":
                view = _arg(node, 2, "view_func")
            else:
                view = _arg(node, 1, "endpoint")
            methods = ("WEBSOCKET",) if attr in _WEBSOCKET_ADDERS else self._methods(node)
            function = None if view is None else self._source(view)
            self.routes.append(
                Route(methods, path, function, target, line, col, self._framework(target))
            )
        return None

    def _server_run(self, node: ast.Call, qualified: str, ctx: _Ctx) -> None:
        kind: Literal["uvicorn.run", "app.run", "web.run_app", "hypercorn"]
        app_node: ast.expr | None
        kwargs = _kwargs(node)
        host_node, port_node = kwargs.get("host"), kwargs.get("port")
        if qualified in ("uvicorn.run", "uvicorn.Config"):
            kind, app_node = "uvicorn.run", _arg(node, 0, "app")
        elif qualified == "aiohttp.web.run_app":
            kind, app_node = "web.run_app", _arg(node, 0, "app")
        elif qualified.startswith("hypercorn.") and qualified.endswith(".serve"):
            kind, app_node = "hypercorn", _arg(node, 0, "app")
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "run":
            receiver = _dotted(node.func.value)
            router = self.routers.get(receiver or "")
            if receiver is None:
                return
            if router is not None:
                if router.kind not in ("Flask", "Quart"):
                    return
            elif host_node is None and port_node is None:
                return  # an unknown object's run(): only a host or port makes it a server
            kind, app_node = "app.run", node.func.value
            host_node, port_node = _arg(node, 0, "host"), _arg(node, 1, "port")
        else:
            return
        port: int | None = None
        if isinstance(port_node, ast.Constant) and type(port_node.value) is int:
            port = port_node.value
        line, col = self._pos(node)
        self.runs.append(
            ServerRun(
                kind=kind,
                app=None if app_node is None else self._source(app_node),
                host=_str(host_node),
                port=port,
                port_expr=None if port_node is None else self._source(port_node),
                line=line,
                col=col,
                in_main_guard=ctx.main_guard,
            )
        )

    # pydantic settings ---------------------------------------------------------------------------

    def _settings_class(self, node: ast.ClassDef) -> None:
        version = 0
        parent: SettingsClass | None = None
        for base in node.bases:
            qualified = self._qualify(base)
            if qualified in _SETTINGS_V2:
                version = 2
            elif qualified in _SETTINGS_V1:
                version = 1
            elif isinstance(base, ast.Name) and base.id in self.settings and parent is None:
                parent = self.settings[base.id]
        if not version and parent is None:
            return
        config: dict[str, str | bool | Alias | None] = {
            "env_prefix": "",
            "case_sensitive": False,
            "env_nested_delimiter": None,
            "env_file": None,
        }
        fields: dict[str, SettingsField] = {}
        dynamic = False
        if parent is not None:
            version = version or parent.version
            config = {
                "env_prefix": parent.env_prefix,
                "case_sensitive": parent.case_sensitive,
                "env_nested_delimiter": parent.env_nested_delimiter,
                "env_file": parent.env_file,
            }
            fields = {f.name: f for f in parent.fields}
            dynamic = parent.config_dynamic
        settings: list[tuple[str, ast.expr]] = [
            (kw.arg, kw.value) for kw in node.keywords if kw.arg is not None
        ]
        for stmt in node.body:
            items = self._config_items(stmt)
            if items is None:
                dynamic = True
            else:
                settings.extend(items)
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                settings_field = self._settings_field(stmt, stmt.target)
                if settings_field is not None:
                    fields[settings_field.name] = settings_field
        for key, value in settings:
            if key not in config:
                continue
            literal: str | bool | Alias | None
            if isinstance(value, ast.Constant) and (
                value.value is None or isinstance(value.value, str | bool)
            ):
                literal = value.value
            else:
                literal = _str_items(value) if key == "env_file" else None
                if literal is None:
                    dynamic = True
                    continue
            config[key] = literal
        line, col = self._pos(node)
        prefix, case, delimiter, env_file = (
            config["env_prefix"],
            config["case_sensitive"],
            config["env_nested_delimiter"],
            config["env_file"],
        )
        self.settings[node.name] = SettingsClass(
            name=node.name,
            line=line,
            col=col,
            version=version,
            bases=tuple(_dotted(b) or ast.unparse(b) for b in node.bases),
            env_prefix=prefix if isinstance(prefix, str) else "",
            case_sensitive=case is True,
            env_nested_delimiter=delimiter if isinstance(delimiter, str) else None,
            env_file=env_file if isinstance(env_file, str | tuple) else None,
            config_dynamic=dynamic,
            fields=tuple(fields.values()),
        )

    def _config_items(self, stmt: ast.stmt) -> list[tuple[str, ast.expr]] | None:
        """(key, value) pairs of `model_config = ...` or a v1 `class Config:`; None if unknown."""
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
            items: list[tuple[str, ast.expr]] = []
            for inner in stmt.body:
                if isinstance(inner, ast.Assign):
                    items.extend((n, inner.value) for t in inner.targets for n in _target_names(t))
                elif isinstance(inner, ast.AnnAssign) and inner.value is not None:
                    items.extend((n, inner.value) for n in _target_names(inner.target))
            return items
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            return []
        if not (isinstance(target, ast.Name) and target.id == "model_config"):
            return []
        if isinstance(value, ast.Call):
            return [(kw.arg, kw.value) for kw in value.keywords if kw.arg is not None]
        if isinstance(value, ast.Dict):
            return [
                (key, v)
                for k, v in zip(value.keys, value.values, strict=True)
                if k is not None and (key := _str(k)) is not None
            ]
        return None

    def _settings_field(self, stmt: ast.AnnAssign, target: ast.Name) -> SettingsField | None:
        name = target.id
        annotation = stmt.annotation
        outer = annotation.value if isinstance(annotation, ast.Subscript) else annotation
        if name.startswith("_") or name == "model_config" or _last(_dotted(outer)) == "ClassVar":
            return None
        value = stmt.value
        alias: Alias | None = None
        if value is None:
            has_default = False
        elif isinstance(value, ast.Call) and _last(_dotted(value.func)) == "Field":
            kwargs = _kwargs(value)
            default = value.args[0] if value.args else kwargs.get("default")
            if default is not None:
                has_default = not (isinstance(default, ast.Constant) and default.value is ...)
            else:
                has_default = "default_factory" in kwargs
            for key in ("validation_alias", "alias", "env"):
                if key in kwargs:
                    alias = _alias_value(kwargs[key])
                    break
        else:
            has_default = True
        line, col = self._pos(target)
        return SettingsField(
            name=name,
            annotation=self._source(annotation),
            has_default=has_default,
            optional=_is_optional(annotation),
            alias=alias,
            line=line,
            col=col,
        )

    # module surface -----------------------------------------------------------------------------

    def _top_level_names(self) -> frozenset[str]:
        names: set[str] = set()
        for stmt, tc in _module_statements(self.tree.body):
            if tc:
                continue  # bound only for the type checker, not at run time
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(stmt.name)
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    names.update(_target_names(target))
            elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
                if not isinstance(stmt, ast.AnnAssign) or stmt.value is not None:
                    names.update(_target_names(stmt.target))
            elif isinstance(stmt, ast.Import):
                names.update(a.asname or a.name.split(".", 1)[0] for a in stmt.names)
            elif isinstance(stmt, ast.ImportFrom):
                names.update(a.asname or a.name for a in stmt.names if a.name != "*")
            elif isinstance(stmt, ast.For | ast.AsyncFor):
                names.update(_target_names(stmt.target))
            elif isinstance(stmt, ast.With | ast.AsyncWith):
                for item in stmt.items:
                    if item.optional_vars is not None:
                        names.update(_target_names(item.optional_vars))
            elif isinstance(stmt, ast.Match):
                for case in stmt.cases:
                    for node in ast.walk(case.pattern):
                        if isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
                            names.add(node.name)
                        elif isinstance(node, ast.MatchMapping) and node.rest:
                            names.add(node.rest)
        for node in self.index.named_exprs:
            if self._outside_scopes(node):
                names.add(node.target.id)
        return frozenset(names)

    def _outside_scopes(self, node: ast.AST) -> bool:
        """Whether no function, lambda or class holds the node (it binds a module name)."""
        current = self.parents.get(id(node))
        while current is not None and current is not self.tree:
            if isinstance(current, _SCOPES):
                return False
            current = self.parents.get(id(current))
        return True

    def _literal_strings(
        self, node: ast.expr, current: list[tuple[str, int, int]]
    ) -> list[tuple[str, int, int]] | None:
        if isinstance(node, ast.Name) and node.id == "__all__":
            return current
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self._literal_strings(node.left, current)
            right = self._literal_strings(node.right, current)
            return None if left is None or right is None else left + right
        if isinstance(node, ast.List | ast.Tuple):
            found: list[tuple[str, int, int]] = []
            for elt in node.elts:
                text = _str(elt)
                if text is None:
                    return None
                found.append((text, *self._pos(elt)))
            return found
        return None

    def _all_names(self) -> tuple[tuple[tuple[str, int, int], ...] | None, bool]:
        names: list[tuple[str, int, int]] | None = None
        dynamic = False
        for stmt, tc in _module_statements(self.tree.body):
            if tc:
                continue
            current = names or []
            found: list[tuple[str, int, int]] | None
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                    continue
                found = self._literal_strings(stmt.value, current)
            elif isinstance(stmt, ast.AugAssign) and _dotted(stmt.target) == "__all__":
                found = self._literal_strings(stmt.value, current)
                found = current + found if found and isinstance(stmt.op, ast.Add) else None
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                method = _dotted(stmt.value.func)
                args = stmt.value.args
                if method not in ("__all__.extend", "__all__.append"):
                    continue
                found = None
                if len(args) == 1 and method == "__all__.extend":
                    extra = self._literal_strings(args[0], current)
                    found = None if extra is None else current + extra
                elif len(args) == 1 and (text := _str(args[0])) is not None:
                    found = [*current, (text, *self._pos(args[0]))]
            else:
                continue
            dynamic |= found is None
            names = current if found is None else found
        return (None if names is None else tuple(names)), dynamic

    def _module_literals(self) -> dict[str, tuple[str, ...]]:
        """Module-level names bound to a dict (its keys) or a list/tuple/set of strings."""
        literals: dict[str, tuple[str, ...]] = {}
        for stmt, _ in _module_statements(self.tree.body):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target, value = stmt.targets[0], stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                target, value = stmt.target, stmt.value
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            if isinstance(value, ast.Dict):
                keys = [_str(k) for k in value.keys]
                literals[target.id] = tuple(k for k in keys if k is not None)
            else:
                items = _str_items(value)
                if items is not None:
                    literals[target.id] = items
        return literals

    def _getattr(self) -> tuple[bool, tuple[str, ...], bool]:
        function: ast.FunctionDef | ast.AsyncFunctionDef | None = None
        for stmt, tc in _module_statements(self.tree.body):
            if (
                isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
                and not tc
                and stmt.name == "__getattr__"
            ):
                function = stmt
        if function is None:
            return False, (), False
        params = [*function.args.posonlyargs, *function.args.args]
        if not params:
            return True, (), True
        param = params[0].arg
        literals = self._module_literals()

        def collection(node: ast.expr) -> tuple[str, ...]:
            if isinstance(node, ast.Name):
                return literals.get(node.id, ())
            if isinstance(node, ast.Dict):
                return tuple(k for k in map(_str, node.keys) if k is not None)
            return _str_items(node) or ()

        def is_param(node: ast.expr) -> bool:
            return isinstance(node, ast.Name) and node.id == param

        names: list[str] = []
        for node in ast.walk(function):
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                for left, op, right in zip(operands, node.ops, operands[1:], strict=False):
                    if isinstance(op, ast.Eq | ast.NotEq):
                        for a, b in ((left, right), (right, left)):
                            text = _str(b)
                            if is_param(a) and text is not None:
                                names.append(text)
                    elif isinstance(op, ast.In | ast.NotIn) and is_param(left):
                        names.extend(collection(right))
            elif isinstance(node, ast.Subscript) and is_param(node.slice):
                names.extend(collection(node.value))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and node.args
                and is_param(node.args[0])
            ):
                names.extend(collection(node.func.value))
            elif isinstance(node, ast.Match) and is_param(node.subject):
                for case in node.cases:
                    for pattern in ast.walk(case.pattern):
                        if isinstance(pattern, ast.MatchValue):
                            text = _str(pattern.value)
                            if text is not None:
                                names.append(text)
        return True, tuple(dict.fromkeys(names)), not self._closed(function.body, param)

    def _closed(self, body: Sequence[ast.stmt], param: str) -> bool:
        """True when the statements raise for every name they do not explicitly handle."""
        for stmt in body:
            if isinstance(stmt, ast.Raise):
                return True
            if (
                isinstance(stmt, ast.If)
                and self._closed(stmt.body, param)
                and self._rejects_unlisted(stmt.test, param)
            ):
                return True
        last = body[-1] if body else None
        if isinstance(last, ast.If):
            return bool(last.orelse) and self._closed(last.orelse, param)
        if isinstance(last, ast.Match):
            return any(
                isinstance(case.pattern, ast.MatchAs)
                and case.pattern.pattern is None
                and self._closed(case.body, param)
                for case in last.cases
            )
        return False

    def _rejects_unlisted(self, test: ast.expr, param: str) -> bool:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = test.operand
            return (
                isinstance(inner, ast.Compare)
                and isinstance(inner.left, ast.Name)
                and inner.left.id == param
                and isinstance(inner.ops[0], ast.In | ast.Eq)
            )
        return (
            isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and test.left.id == param
            and isinstance(test.ops[0], ast.NotIn | ast.NotEq)
        )


# The nodes that change the context or are recorded, and their handlers (functions of the
# class, not bound methods: an analyzer holding its own bound methods would be a reference
# cycle, freed only by the cyclic garbage collector)
_HANDLERS: dict[type[ast.AST], Callable[[_Analyzer, Any, _Ctx], None]] = {
    ast.FunctionDef: _Analyzer._function,
    ast.AsyncFunctionDef: _Analyzer._function,
    ast.Lambda: _Analyzer._lambda,
    ast.ClassDef: _Analyzer._class,
    ast.Try: _Analyzer._try,
    ast.TryStar: _Analyzer._try,
    ast.If: _Analyzer._if,
    ast.IfExp: _Analyzer._if_exp,
    ast.With: _Analyzer._with,
    ast.AsyncWith: _Analyzer._with,
    ast.Import: _Analyzer._import,
    ast.ImportFrom: _Analyzer._import,
    ast.Assign: _Analyzer._assign,
    ast.AnnAssign: _Analyzer._assign,
    ast.Call: _Analyzer._call,
}
