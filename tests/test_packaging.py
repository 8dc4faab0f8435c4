"""A built wheel carries the background data and the label rule sets, and an install of it uses them.

Why: ``datasets/`` and ``label_rules/`` live at the top of the repository, next to the package,
not inside it. An editable install reads them there; a plain ``pip install .`` or a wheel only has
them because ``pyproject.toml`` maps them into ``footprint/_data/``. This test builds the wheel
from the working tree (as it is on disk, uncommitted edits included), installs it into a bare
folder and loads the default dataset, method and rule sets from there, in a process that cannot
see the repository, and checks that they hash exactly as the repository's copies do.

The build runs without build isolation, so nothing is downloaded; setuptools and wheel come from
the test environment (``pip install -e '.[test]'`` installs them). It runs in a copy of the working
tree, so no ``build/`` or ``*.egg-info`` is left in the repository.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from footprint.dataset import load_dataset, repository_root
from footprint.methods import load_method
from footprint.rules import available_rule_sets, load_rule_set

REPO = repository_root()
DATA_FOLDERS = ("datasets", "label_rules")


def _require_build_backend() -> None:
    missing = [name for name in ("setuptools", "wheel") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} missing from {sys.executable}'s environment: the packaging test builds the "
            "wheel without build isolation (no download), so the build backend must be installed; "
            "`pip install -e '.[test]'` installs it",
            pytrace=False,
        )


def _copy_working_tree(destination: Path) -> None:
    """The files git would see in the working tree (tracked, or new and not ignored), as on disk."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    for raw in listed.split(b"\0"):
        if not raw:
            continue
        relative = os.fsdecode(raw)
        source = REPO / relative
        if not source.is_file():  # deleted in the working tree but still in the index
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    _require_build_backend()
    root = tmp_path_factory.mktemp("packaging")
    source, wheelhouse = root / "source", root / "wheelhouse"
    _copy_working_tree(source)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(wheelhouse), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, f"building the wheel failed:\n{build.stdout}\n{build.stderr}"
    wheels = sorted(wheelhouse.glob("gba_footprint-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, got {wheels}"
    return {"root": root, "source": source, "wheel": wheels[0]}


def test_wheel_contains_every_dataset_and_rule_file(built):
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    for folder in DATA_FOLDERS:
        expected = {
            f"footprint/_data/{folder}/{path.relative_to(built['source'] / folder).as_posix()}"
            for path in (built["source"] / folder).rglob("*")
            if path.is_file()
        }
        shipped = {name for name in names if name.startswith(f"footprint/_data/{folder}/")}
        assert expected, f"no files under {folder}/ in the working tree"
        assert shipped == expected, f"{folder}/ in the wheel differs: missing {sorted(expected - shipped)}, extra {sorted(shipped - expected)}"
    assert "footprint/_data/datasets/gba/dataset.yaml" in names
    assert "footprint/_data/datasets/methods/methods.yaml" in names
    assert "footprint/_data/label_rules/gba-general.yaml" in names


def test_wheel_contains_every_module(built):
    """pyproject.toml lists the packages (``find`` cannot add the mapped data ones): none forgotten."""
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    missing = sorted(
        path.relative_to(built["source"]).as_posix()
        for top in ("footprint", "webapp")
        for path in (built["source"] / top).rglob("*.py")
        if path.relative_to(built["source"]).as_posix() not in names
    )
    assert not missing, (
        f"modules missing from the wheel: {missing}; add their package to [tool.setuptools] packages in pyproject.toml"
    )


PROBE = textwrap.dedent(
    """
    import json
    import footprint
    from footprint.dataset import datasets_root, load_dataset
    from footprint.methods import load_method
    from footprint.rules import available_rule_sets, label_rules_dir, load_rule_set

    dataset = load_dataset(None)
    rule_set = load_rule_set()
    method = load_method()
    print(json.dumps({
        "footprint": footprint.__file__,
        "datasets_root": str(datasets_root()),
        "label_rules_dir": str(label_rules_dir()),
        "dataset": dataset.describe(),
        "method": method.describe(),
        "rule_set": {"id": rule_set.id, "version": rule_set.version, "sha256": rule_set.sha256},
        "rule_sets": {name: r.sha256 for name, r in available_rule_sets().items()},
    }))
    """
)


def test_installed_wheel_loads_its_own_data_with_the_repository_hashes(built):
    root = built["root"]
    site, workdir = root / "site", root / "cwd"
    workdir.mkdir()
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(site), str(built["wheel"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, f"installing the wheel failed:\n{install.stdout}\n{install.stderr}"
    # site-packages may hold an unrelated package named `datasets` (Hugging Face): not our data
    (site / "datasets").mkdir()
    (site / "datasets" / "__init__.py").write_text("")

    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "GBA_DATASETS_DIR", "GBA_LABEL_RULES_DIR"}}
    env.update(
        PYTHONPATH=str(site),
        GBA_FOOTPRINT_CACHE=str(root / "cache"),
        BRIGHTWAY2_DIR=str(root / "brightway"),
    )
    probe = subprocess.run([sys.executable, "-c", PROBE], cwd=workdir, env=env, capture_output=True, text=True, check=False)
    assert probe.returncode == 0, f"the installed package could not load its data:\n{probe.stdout}\n{probe.stderr}"
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    print(json.dumps(seen, indent=2))

    installed = site.resolve() / "footprint"
    assert Path(seen["footprint"]).resolve().is_relative_to(installed), f"imported {seen['footprint']}, not the installed copy"
    assert Path(seen["datasets_root"]) == installed / "_data" / "datasets"
    assert Path(seen["label_rules_dir"]) == installed / "_data" / "label_rules"

    repo_dataset = load_dataset(REPO / "datasets" / "gba")
    assert seen["dataset"] == repo_dataset.describe()
    assert seen["method"]["sha256"] == load_method().sha256
    repo_rules = load_rule_set("gba-general", directory=REPO / "label_rules")
    assert seen["rule_set"] == {"id": repo_rules.id, "version": repo_rules.version, "sha256": repo_rules.sha256}
    assert seen["rule_sets"] == {name: r.sha256 for name, r in available_rule_sets(REPO / "label_rules").items()}
