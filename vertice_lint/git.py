"""The only program vertice-lint runs: git, with the linted repository's own config neutralised.

A linter runs on pull requests from strangers, so nothing a repository writes may execute. Plain
`git ls-files` in a checkout whose `.git/config` sets `core.fsmonitor = <command>` runs that
command. Every git call therefore goes through `run_git`, which:

- passes `-c` overrides (the command line beats every config file) for each setting that names a
  program git may start: the fsmonitor hook, hooks, pagers, editors, ssh, credential helpers and
  external diff (clean/smudge filters and textconv run only on file contents, which the two
  read-only commands we run, `rev-parse` and `ls-files`, never read);
- ignores system and global config (`GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL=/dev/null`);
- drops every inherited `GIT_*` variable (`GIT_DIR`, `GIT_CONFIG_PARAMETERS`...)
  so the environment cannot point git elsewhere or add config back;
- never prompts, never uses a pager, never writes optional locks.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

# Settings that make git start a program, each set to a value that starts nothing.
NEUTRAL_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.pager", "cat"),
    ("core.editor", "true"),
    ("core.sshCommand", "false"),
    ("core.askPass", ""),
    ("core.untrackedCache", "false"),
    ("credential.helper", ""),
    ("diff.external", ""),
    ("sequence.editor", "true"),
    ("gpg.program", "false"),
    ("protocol.allow", "never"),
)


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_PAGER": "cat",
            "GIT_ASKPASS": "",
            "SSH_ASKPASS": "",
        }
    )
    return env


def git_argv(root: Path, args: Sequence[str]) -> list[str]:
    """The argv of one read-only git command in `root`, with the neutralising overrides."""
    argv = ["git", "--no-pager", "-C", str(root)]
    for key, value in NEUTRAL_CONFIG:
        argv += ["-c", f"{key}={value}"]
    return [*argv, *args]


def run_git(
    root: Path, args: Sequence[str], timeout: float
) -> subprocess.CompletedProcess[bytes] | None:
    """Run one read-only git command in `root`; None when git is missing or times out."""
    try:
        return subprocess.run(
            git_argv(root, args),
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
            env=_environment(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
