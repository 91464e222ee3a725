"""The parsed files as the model shows them to rules: each kind's syntax tree, typed.

These are the parsers' own record types, re-exported so that a rule names them through the model
(and never reaches into `ParsedFile.record`); the Workspace hands them out by path
(`Workspace.dockerfile(path)`, `Workspace.python_module(path)`...). With them, the readings of
the shell and command toolkits that the Dockerfile facts hold (`SimpleCommand`, `PipInstall`...).
"""

from vertice_lint.parsers.commands import AptCommand, PipInstall, PipItem
from vertice_lint.parsers.dockerfile import Copy, Dockerfile, Instruction, Invocation, Stage
from vertice_lint.parsers.dockerignore import DockerIgnore
from vertice_lint.parsers.lockfile import LockFile
from vertice_lint.parsers.pyproject import Pyproject
from vertice_lint.parsers.python import Import, PythonModule
from vertice_lint.parsers.requirements import Requirement, RequirementsFile
from vertice_lint.parsers.shell import SimpleCommand, Word
from vertice_lint.parsers.yaml import KubeObject, YamlDocument, YamlFile

__all__ = [
    "AptCommand",
    "Copy",
    "DockerIgnore",
    "Dockerfile",
    "Import",
    "Instruction",
    "Invocation",
    "KubeObject",
    "LockFile",
    "PipInstall",
    "PipItem",
    "Pyproject",
    "PythonModule",
    "Requirement",
    "RequirementsFile",
    "SimpleCommand",
    "Stage",
    "Word",
    "YamlDocument",
    "YamlFile",
]
