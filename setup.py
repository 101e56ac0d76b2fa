"""Build hook: a built package carries the shipped scenarios and experiments inside it.

They stay at the top of the repository, where people read and edit them. A wheel gets
copies as ``dmi_sim/scenarios`` and ``dmi_sim/experiments``, where ``dmi_sim.params.data_dir``
finds them once installed; an editable install reads the repository's own folders.
Everything else about the build is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA = ("scenarios", "experiments")


class BuildWithData(build_py):
    """``build_py`` that also copies the data folders into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for name in DATA:
            target = Path(self.build_lib) / "dmi_sim" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithData})
