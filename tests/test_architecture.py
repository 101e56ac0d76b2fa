"""The package's layering, as contracts (pyproject.toml, ``[tool.importlinter]``) and as
checks import-linter has no contract type for.

Data flows one way: parameters -> model -> api -> engine -> studies (over one kit) -> app
and command line. The model imports nothing downstream, the engine knows no study, the
studies see the model only through ``dmi_sim.api`` and never each other, no private name
crosses a package boundary, and no sibling packages or modules import each other in a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

from importlinter import configuration
from importlinter.application.use_cases import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dmi_sim"
#: What a study may import from the project: the kit, the model as a function, the engine
#: that runs it, and the parameters (names, ranges, scenario files).
STUDY_MAY_IMPORT = ("dmi_sim.studies.kit", "dmi_sim.api", "dmi_sim.engine", "dmi_sim.params")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every ``from dmi_sim... import ...`` in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dmi_sim"):
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("dmi_sim")]
    return found


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def test_the_import_contracts_are_kept() -> None:
    configuration.configure()  # what the lint-imports command does before it lints
    kept = lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
    assert kept, "an import breaks the layering; run `lint-imports` for the chain"


def test_no_private_name_is_imported_from_another_package() -> None:
    crossings = []
    for path in PACKAGE.rglob("*.py"):
        here = _module_of(path)
        package = _package_of(here, path)
        for module, names in _imports(path):
            owner = (
                module
                if (PACKAGE / Path(*module.split(".")[1:]) / "__init__.py").exists()
                else module.rpartition(".")[0]
            )
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and owner != package:
                crossings.append(f"{here}: from {module} import {', '.join(private)}")
    assert not crossings, "\n".join(crossings)


def test_studies_import_only_the_kit_the_api_the_engine_and_parameters() -> None:
    strays = []
    for path in (PACKAGE / "studies").rglob("*.py"):
        here = _module_of(path)
        study = ".".join(here.split(".")[:3])
        for module, _ in _imports(path):
            if not module.startswith((study, *STUDY_MAY_IMPORT)):
                strays.append(f"{here} imports {module}")
    assert not strays, "\n".join(strays)
