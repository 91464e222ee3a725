"""The rule registry: every built-in rule id and the check that implements it.

Checked against the catalog (`rules/*.yaml`) by a test: every built-in entry that is not
declarative (`match:`) has exactly one check here, and every check here has an entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from vertice_lint.checks import (
    CheckContext,
    container,
    dependencies,
    dockerfile,
    env,
    imports,
    inventory,
    probes,
    schema,
    suppressions,
    tool,
)
from vertice_lint.diagnostics import Diagnostic
from vertice_lint.model import Workspace

Check = Callable[[Workspace, CheckContext], Iterable[Diagnostic]]

RULES: Mapping[str, Check] = {
    "VL001": tool.parse_error,
    "VL002": suppressions.unused_suppression,
    "VL003": tool.config_error,
    "VL101": inventory.orphan_workload,
    "VL102": inventory.undeployed_service,
    "VL103": inventory.scaled_to_zero,
    "VL104": inventory.mutable_image_tag,
    "VL105": inventory.duplicate_resource,
    "VL106": inventory.dangling_reference,
    "VL107": inventory.selector_mismatch,
    "VL201": imports.relative_import_in_script,
    "VL202": imports.module_not_in_image,
    "VL203": imports.unresolved_import_name,
    "VL204": imports.entrypoint_missing,
    "VL301": dependencies.missing_requirement,
    "VL302": dependencies.system_module,
    "VL303": dependencies.requirements_not_installed,
    "VL304": dependencies.unpinned_requirement,
    "VL305": dependencies.version_drift,
    "VL306": dependencies.unused_requirement,
    "VL307": dependencies.transitive_requirement,
    "VL401": env.missing_env,
    "VL402": env.plaintext_secret,
    "VL403": env.missing_config_key,
    "VL404": env.env_forward_reference,
    "VL501": container.unwritable_cache_dir,
    "VL502": container.missing_capability,
    "VL601": probes.probe_path_not_served,
    "VL602": probes.port_mismatch,
    "VL603": probes.missing_probe,
    "VL604": probes.probe_program_missing,
    "VL701": dockerfile.apt_hygiene,
    "VL702": dockerfile.copy_source_missing,
    "VL703": dockerfile.python_path_version,
    "VL704": dockerfile.pip_hygiene,
    "VL705": dockerfile.shell_form_entrypoint,
    "VL801": schema.schema_invalid,
}

# Rules that judge what the filter did (the suppressions): run after the others are filtered.
AFTER_FILTER = frozenset({"VL002"})

# The rules that still run when link() fails: they read the parsed files, not the links.
WITHOUT_LINK = frozenset({"VL001", "VL003", "VL801"})
