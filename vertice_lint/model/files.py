"""The parsed files as the model shows them to rules: each kind's syntax tree, typed.

These are the parsers' own record types, re-exported so that a rule names them through the model
(and never reaches into `ParsedFile.record`); the Workspace hands them out by path
(`Workspace.dockerfile(path)`, `Workspace.python_module(path)`...).
"""

from vertice_lint.parsers.dockerfile import Copy, Dockerfile, Instruction, Invocation, Stage
from vertice_lint.parsers.dockerignore import DockerIgnore
from vertice_lint.parsers.lockfile import LockFile
from vertice_lint.parsers.pyproject import Pyproject
from vertice_lint.parsers.python import Import, PythonModule
from vertice_lint.parsers.requirements import Requirement, RequirementsFile
from vertice_lint.parsers.yaml import KubeObject, YamlDocument, YamlFile

__all__ = [
    "Copy",
    "DockerIgnore",
    "Dockerfile",
    "Import",
    "Instruction",
    "Invocation",
    "KubeObject",
    "LockFile",
    "Pyproject",
    "PythonModule",
    "Requirement",
    "RequirementsFile",
    "Stage",
    "YamlDocument",
    "YamlFile",
]
