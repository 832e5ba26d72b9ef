"""The lock files and pyproject.toml agree, and a report names the lock and the versions it was made with.

Every dependency pyproject declares (runtime in requirements.lock; runtime, dask and dev in requirements-dev.lock)
is pinned there at a version its range admits, with hashes; the two locks pin the same versions; the libraries a
report records are locked and installed at their locked versions. `stomkpi verify` names each library whose
installed version is not the one the report records, before the comparison, which alone decides."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from stomkpi import provenance
from stomkpi.run.verify import verify

from ..conftest import PERIOD
from ..test_cli import ROOT
from .test_verify_attack import writable_copy

RUNTIME, DEV = ROOT / "requirements.lock", ROOT / "requirements-dev.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def pins(text: str) -> dict[str, str]:
    """A lock file's exact versions by canonical name."""
    return {canonicalize_name(name): version for name, version in _PIN.findall(text)}


def declared(project: dict, extras: tuple[str, ...] = ()) -> list[Requirement]:
    """pyproject's requirements: the runtime's, then each extra's, an extra of stomkpi itself opened up."""
    out = [Requirement(text) for text in project["dependencies"]]
    todo, seen = list(extras), set()
    while todo:
        extra = todo.pop()
        seen.add(extra)
        for req in map(Requirement, project["optional-dependencies"][extra]):
            if canonicalize_name(req.name) == "stomkpi":
                todo += [e for e in req.extras if e not in seen]
            else:
                out.append(req)
    return out


def lock_problems(project: dict, lock_text: str, extras: tuple[str, ...] = ()) -> list[str]:
    """Each declared requirement the lock leaves out, or pins at a version outside its range."""
    locked = pins(lock_text)
    problems = []
    for req in declared(project, extras):
        version = locked.get(canonicalize_name(req.name))
        if version is None:
            problems.append(f"{req.name}: not in the lock")
        elif not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req.name}: locked {version} is outside {req.specifier}")
    return problems


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_every_runtime_dependency_is_locked_within_its_range(pyproject):
    assert lock_problems(pyproject, RUNTIME.read_text(encoding="utf-8")) == []


def test_every_dev_and_dask_dependency_is_locked_within_its_range(pyproject):
    assert lock_problems(pyproject, DEV.read_text(encoding="utf-8"), ("dev",)) == []
    assert {"dask", "distributed", "pytest", "ruff"} <= set(pins(DEV.read_text(encoding="utf-8")))


def test_a_dependency_added_without_the_lock_is_caught(pyproject):
    lock = RUNTIME.read_text(encoding="utf-8")
    added = {**pyproject, "dependencies": [*pyproject["dependencies"], "rich-table-maker>=1"]}
    assert lock_problems(added, lock) == ["rich-table-maker: not in the lock"]
    narrowed = {**pyproject, "dependencies": [d if not d.startswith("pandas") else "pandas>=2.2,<3" for d in pyproject["dependencies"]]}
    assert lock_problems(narrowed, lock) == [f"pandas: locked {pins(lock)['pandas']} is outside <3,>=2.2"]


def test_the_locks_pin_the_same_versions_with_hashes():
    runtime, dev = pins(RUNTIME.read_text(encoding="utf-8")), pins(DEV.read_text(encoding="utf-8"))
    assert runtime and {name: dev.get(name) for name in runtime} == runtime
    for lock in (RUNTIME, DEV):
        entries = re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8").split("\n", 2)[2])
        assert len(entries) == len(pins(lock.read_text(encoding="utf-8")))
        assert [e.split(" ")[0] for e in entries if "--hash=sha256:" not in e] == [], lock.name
    assert "make lock" in RUNTIME.read_text(encoding="utf-8").splitlines()[1]


def test_the_recorded_libraries_are_locked_and_installed_at_their_locked_versions():
    runtime = pins(RUNTIME.read_text(encoding="utf-8"))
    assert {name: runtime.get(name) for name in provenance.LIBRARIES} == {
        name: provenance.installed(name) for name in provenance.LIBRARIES}


# --- the report names the lock and its versions; verify names a changed one -----------------------------------


def test_the_manifest_names_the_lock_and_the_installed_versions(monthly):
    manifest = json.loads((monthly / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["lock"] == {"file": "requirements.lock", "sha256": hashlib.sha256(RUNTIME.read_bytes()).hexdigest()}
    runtime = pins(RUNTIME.read_text(encoding="utf-8"))
    assert {name: manifest["versions"][name] for name in provenance.LIBRARIES} == {
        name: runtime[name] for name in provenance.LIBRARIES}


def test_verify_names_a_recorded_version_that_is_not_the_installed_one(monthly):
    folder = writable_copy(monthly, "other-pandas")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    installed = manifest["versions"]["pandas"]
    manifest["versions"]["pandas"] = "2.2.0"
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    result = verify(folder / f"{PERIOD}.ipynb")
    warning = ("внимание: установлены не те версии, с которыми сделан отчёт (решает побайтное сравнение ниже) — "
               f"pandas: 2.2.0 → {installed}")
    assert warning in result.messages
    changed = "manifest.json и сведения о запуске в блокноте различаются"  # the record was edited after the run
    assert result.messages.index(warning) < result.messages.index(changed)


def test_an_installed_version_that_differs_is_said_and_does_not_by_itself_fail(monthly, monkeypatch):
    folder = writable_copy(monthly, "newer-libraries")
    real = provenance.installed
    monkeypatch.setattr(provenance, "installed", lambda name: {"numpy": "9.0", "fpdf2": "2.9.1"}.get(name) or real(name))
    recorded = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["versions"]
    result = verify(folder / f"{PERIOD}.ipynb")
    assert result.ok, result.messages
    assert result.messages[1] == ("внимание: установлены не те версии, с которыми сделан отчёт (решает побайтное "
                                  f"сравнение ниже) — fpdf2: {recorded['fpdf2']} → 2.9.1; numpy: {recorded['numpy']} → 9.0")
    assert result.messages[-1].startswith("совпадают все файлы по манифесту")
