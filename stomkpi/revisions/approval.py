"""A signed month stays signed: a period's revisions, the record of an approval, and the checks that keep it signed.

The layout of a month in the clinic's `outputs/`:

    2025-12/        revision 1 — the month's first report (where it always was)
    2025-12.r2/     revision 2 — written only once revision 1 is approved and `--revision "причина"` is given
    2025-12.r3/     …

Revisions are siblings, not subfolders of the approved one: an approved folder never gains a file
(its bytes can be hashed whole and it can be made read-only), and every revision sits at the same
depth, so the relative paths a report records (its parameters file, its inputs) hold in each.

Each revision folder holds the report's files, `manifest.json` and `inputs/` — a copy of every input
file as the run read it (their checksums are the manifest's), so that what changed between two
revisions can be shown cell by cell even after the analyst corrected the workbook in place. An
approved folder also holds `approval.json`: who approved it and when, the checksum of its manifest,
the checksums of its files as computed (the manifest's) and as approved (after the stamp), and
which files the stamp changed. Approval re-renders the same execution — the executed notebook to
HTML and PDF with «Утверждено …» on the title page, the workbooks with the same line — and never
recomputes anything; then the folder is made read-only, and stomkpi refuses to write into it.

The story of a run (`plan_run`): a period with no approved revision is replaced as before; a
period with one refuses unless a reason is given, and then the run writes the next revision (or
replaces the newest one if that one is a draft, not yet approved) — never the approved folder.

An approval a folder cannot forget: every approval is also a line of the clinic's register of
approvals, `<outputs>/approvals.jsonl` beside the period folders — append-only, each line carrying
the SHA-256 of the line before it, the approval's facts, the checksums of the manifest, of
approval.json and of the folder's list of files, and the edition's code, whose first 12 hex digits
the title page and every stamped workbook print («Код редакции»), so that paper and files can be
compared (`register`). A folder the register lists is approved whatever it holds: a run, `approve`,
`diff` and a revision refuse it — one Russian line naming what is wrong — when it is gone, has no
approval.json, or holds an approval.json or a file other than the approved ones (`check_register`,
`check_folder`). Nothing reads a report folder unchecked: `diff` and a revision compare two folders
only once each matches its approval (approved) or its manifest (not approved), and read only files
inside them (`inside`: no absolute path, «..» or symbolic link). Nothing writes into an approved
folder or anything under it (`ensure_writable`), be it a run, `diff --xlsx` or the notebook run by
papermill directly. A damaged approval.json or manifest.json is one Russian line naming the file.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from stomkpi.errors import ParamsError, StomkpiError
from stomkpi.provenance import sha256_file
from stomkpi.revisions import register
from stomkpi.revisions.checked import FOLDER, INPUTS, FolderFileError, approval_problem, json_file, links, manifest_problem
from stomkpi.safe import clean
from stomkpi.text import month_words

APPROVAL = "approval.json"
MANIFEST = "manifest.json"
_FOLDER = FOLDER
SHOWN = 5  # problems named in one line, the rest counted


class ApprovedError(StomkpiError):
    """A run or an approval would change an approved report."""


@dataclass(frozen=True)
class Revision:
    """One revision of a month's report: its number (1 is the month's folder itself) and its folder."""

    period: str
    number: int
    folder: Path

    @property
    def approved(self) -> bool:
        """Approved: it holds an approval.json (whatever its state), or the clinic's register lists it."""
        return os.path.lexists(self.folder / APPROVAL) or bool(self.registered())

    def registered(self) -> list[register.Entry]:
        """The lines of the clinic's register (in the folder's parent) that approve this folder."""
        folder = self.folder.absolute()
        return register.entries_of(folder.parent, folder.name)

    def approval(self) -> dict | None:
        """The folder's approval.json, checked (None when there is none); one Russian line naming it when damaged."""
        path = self.folder / APPROVAL
        if not os.path.lexists(path):
            return None
        record = json_file(path, "запись об утверждении")
        problem = approval_problem(record)
        if problem:
            raise FolderFileError(f"файл {path} повреждён: {problem} — восстановите его из резервной копии")
        return record

    def manifest(self) -> dict:
        """The folder's manifest.json, checked: its outputs and inputs of the right kind, every kept copy inside
        `inputs/`."""
        path = self.folder / MANIFEST
        if not path.is_file():
            raise StomkpiError(f"в папке {self.folder} нет {MANIFEST}: это не отчёт stomkpi или он не достроен")
        manifest = json_file(path, "манифест отчёта")
        problem = manifest_problem(manifest)
        if problem:
            raise FolderFileError(f"файл {path} повреждён: {problem}")
        return manifest

    def label(self) -> str:
        """«редакция 2 (утверждена 24.11.2025 10:05, Иванов И. И., главный врач)» or «редакция 1 (не утверждена)»."""
        record = self.approval()
        return f"редакция {self.number} ({approval_words(record) if record else 'не утверждена'})"


def listed(problems: list[str]) -> str:
    shown = "; ".join(problems[:SHOWN])
    return shown + (f" и ещё {len(problems) - SHOWN}" if len(problems) > SHOWN else "")


def folder_name(period: str, number: int) -> str:
    """The folder of revision `number`: «2025-12» for the first, «2025-12.r2» for the second."""
    return period if number == 1 else f"{period}.r{number}"


def revisions(outputs: Path, period: str) -> list[Revision]:
    """The period's revisions that exist, oldest first."""
    found = []
    if Path(outputs).is_dir():
        for path in Path(outputs).iterdir():
            m = _FOLDER.match(path.name)
            if path.is_dir() and m and m["period"] == period and m["number"] != "1":
                found.append(Revision(period, int(m["number"] or 1), path))
    return sorted(found, key=lambda r: r.number)


def revision(outputs: Path, period: str, number: int | None = None) -> Revision:
    """Revision `number` of the period (the newest when None); a Russian error when there is none."""
    found = revisions(outputs, period)
    if not found:
        raise ParamsError(f"отчёта за {month_words(period)} нет в {outputs}: сначала stomkpi monthly")
    if number is None:
        return found[-1]
    for r in found:
        if r.number == number:
            return r
    have = ", ".join(str(r.number) for r in found)
    raise ParamsError(f"редакции {number} отчёта за {month_words(period)} нет (есть: {have})")


def approval_words(record: dict) -> str:
    """«утверждена 24.11.2025 10:05, Иванов И. И., главный врач»."""
    when = dt.datetime.fromisoformat(record["approved_at"])
    who = record.get("approved_by") or f"учётная запись {record.get('account', '?')}"
    return f"утверждена {when:%d.%m.%Y %H:%M}, {who}"


# --- a run for a period -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPlan:
    """Where a run writes, and the revision block of its provenance (None for the month's first report)."""

    out_dir: Path
    revision: dict | None


def plan_run(outputs: Path, period: str, reason: str | None) -> RunPlan:
    """Decide where a run for the period writes; refuse (one Russian line) when it would replace an approved report."""
    check_register(outputs, period)  # a folder the register lists is approved, whatever it holds now
    found = revisions(outputs, period)
    approved = [r for r in found if r.approved and r.approval() is not None]  # each approval.json read and checked
    month = month_words(period)
    if not approved:
        if reason is not None:
            raise ParamsError(f"отчёт за {month} ещё не утверждён: новый расчёт заменит прежний, --revision не нужен")
        return RunPlan(Path(outputs) / period, None)
    base = approved[-1]
    if reason is None:
        raise ApprovedError(f"отчёт за {month} утверждён (редакция {base.number} {approval_words(base.approval())}): "
                            "пересчитать можно только новой редакцией — добавьте --revision \"причина\"")
    reason = " ".join(clean(reason).split())
    if not reason:
        raise ParamsError("причина редакции пуста: напишите её в --revision \"причина\"")
    check_folder(base)  # the revision is compared with it
    newest = found[-1]
    number = newest.number + 1 if newest.approved else newest.number  # a draft revision is replaced
    return RunPlan(Path(outputs) / folder_name(period, number), {
        "number": number,
        "reason": reason,
        "supersedes": base.folder.name,
        "supersedes_number": base.number,
        "supersedes_manifest_sha256": sha256_file(base.folder / MANIFEST),
    })


def check_register(outputs: Path, period: str) -> None:
    """Every folder of the period that the clinic's register lists is there, with the approval.json and the files
    approved; else one Russian line naming the register's line and what is wrong."""
    month = month_words(period)
    for entry in register.read(outputs):
        if entry.record["period"] != period:
            continue
        rev = Revision(period, entry.record["revision"], Path(outputs) / entry.record["folder"])
        problems = [f"папки {rev.folder} нет"] if not rev.folder.is_dir() else approved_problems(rev)
        if problems:
            raise ApprovedError(f"отчёт за {month} утверждён (журнал утверждений {register.path_of(outputs)}, строка "
                                f"{entry.line}), но папка {rev.folder} не та, что утверждена: {listed(problems)} — "
                                "stomkpi не заменяет её и не сравнивает с ней; восстановите её из резервной копии")


def check_folder(rev: Revision) -> None:
    """Refuse (one Russian line) a revision whose folder is not the one approved (when approved) or computed (when not)."""
    approved = rev.approved
    problems = approved_problems(rev) if approved else computed_problems(rev)
    if problems:
        raise ApprovedError(f"папка {rev.folder} не та, что {'утверждена' if approved else 'записал расчёт'}: "
                            f"{listed(problems)} — stomkpi не сравнивает и не читает её")


def ensure_writable(target: Path) -> None:
    """Refuse to write into an approved report's folder or anything under it (a folder with approval.json, or one
    the clinic's register lists): the guard of every writer into outputs."""
    target = Path(target).absolute()
    real = Path(os.path.realpath(target))
    for folder in dict.fromkeys([target, *target.parents, real, *real.parents]):
        if os.path.lexists(folder / APPROVAL) or (folder.parent != folder and register.entries_of(folder.parent, folder.name)):
            raise ApprovedError(f"папка {folder} — утверждённый отчёт: stomkpi в неё не пишет")


DRAFT = " (проект)"  # what a revision's title says until it is approved


def revision_title(title: str, block: dict | None) -> str:
    """The title of a revision's document: «… Редакция 2 (проект)» (approval stamps it without «(проект)»)."""
    return title if not block else f"{title}. Редакция {block['number']}{DRAFT}"


# --- the inputs a run read, kept beside its report ------------------------------------------------------------


def kept_name(label: str, path: Path, taken: set[str]) -> str:
    """Where the copy of an input goes in the report's folder: inputs/<its name>, the label first on a clash."""
    name = path.name if path.name not in taken else f"{label}-{path.name}"
    taken.add(name)
    return f"{INPUTS}/{name}"


def with_kept_inputs(provenance: dict) -> dict:
    """The provenance with, for every input, the name of its copy in the report's folder."""
    taken: set[str] = set()
    inputs = {label: {**rec, "kept": kept_name(label, Path(rec["path"]), taken)}
              for label, rec in sorted(provenance["inputs"].items())}
    return {**provenance, "inputs": inputs}


def keep_inputs(folder: Path, files: dict[str, Path], provenance: dict) -> None:
    """Copy each input into the report's (temporary) folder; each copy must have the recorded checksum."""
    for label, rec in provenance["inputs"].items():
        if "kept" not in rec:
            continue
        target = folder / rec["kept"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(files[label], target)
        if sha256_file(target) != rec["sha256"]:
            raise StomkpiError(f"входной файл {files[label]} изменился во время построения отчёта: запустите ещё раз")


_PARAM_OF_INPUT = {"workbook": "workbook", "norms": "norms", "nmo": "nmo_workbook"}


def params_with_inputs(params_file: Path, substitutes: dict[str, Path], folder: Path) -> Path:
    """A copy of a clinic's parameters (every path absolute) whose inputs `substitutes` (label -> file) replace:
    how `verify` re-runs a report from the inputs it kept when the originals have changed since."""
    import yaml

    from stomkpi.config import load_params

    params = load_params(params_file).model_dump(mode="json", exclude_none=True)
    for label, path in substitutes.items():
        path = Path(path).absolute()
        escaped = str(path.parent).replace("{", "{{").replace("}", "}}")
        name = path.name.replace("{", "{{").replace("}", "}}")
        if label == "workbook":  # the month's book is a pattern: its month becomes {month} again
            name = re.sub(r"\d{4}-\d{2}", "{month}", name, count=1)
        params[_PARAM_OF_INPUT[label]] = f"{escaped}/{name}"
    target = Path(folder) / "params.yaml"
    target.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=True), encoding="utf-8")
    return target


def check_inputs_unchanged(files: dict[str, Path], provenance: dict) -> None:
    """After the notebook ran: the inputs it read still have the recorded checksums (nobody saved over them meanwhile)."""
    for label, rec in provenance["inputs"].items():
        if label in files and sha256_file(files[label]) != rec["sha256"]:
            raise StomkpiError(f"входной файл {files[label]} изменился во время построения отчёта: отчёт не записан, "
                               "запустите ещё раз")


# --- approval ----------------------------------------------------------------------------------------------------


def file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under the folder (paths relative to it, with /), except approval.json itself."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() != APPROVAL}


def computed_problems(rev: Revision) -> list[str]:
    """How the folder differs from what its run wrote: every output and kept input with its manifest checksum, nothing else."""
    manifest = rev.manifest()
    expected = dict(manifest.get("outputs", {}))
    expected[MANIFEST] = None
    for rec in manifest.get("inputs", {}).values():
        if "kept" in rec:
            expected[rec["kept"]] = rec["sha256"]
    found = links(rev.folder)
    if found:
        return found
    actual = file_hashes(rev.folder)
    problems = [f"нет файла {name}" for name in sorted(set(expected) - set(actual))]
    problems += [f"файл {name} изменён после расчёта" for name, sha in sorted(expected.items())
                 if sha is not None and name in actual and actual[name] != sha]
    problems += [f"лишний файл {name}" for name in sorted(set(actual) - set(expected))]
    return problems


def approved_problems(rev: Revision) -> list[str]:
    """How an approved folder differs from what its approval recorded, and from what the clinic's register recorded
    of that approval (empty: every byte as approved)."""
    record = rev.approval()  # first: a damaged approval.json is named as such
    entries = rev.registered()
    if record is None:
        if entries:
            return [f"нет файла {APPROVAL}, а журнал утверждений (строка {entries[0].line}) записывает папку утверждённой"]
        return [f"редакция {rev.number} не утверждена"]
    problems = [f"{APPROVAL} не тот, что записан при утверждении (журнал утверждений, строка {e.line})" for e in entries
                if sha256_file(rev.folder / APPROVAL) != e.record["approval_sha256"]]
    if "edition" in record and record["edition"] != register.edition_of(record):
        problems.append(f"{APPROVAL}: код редакции не сходится с записью (она изменена)")
    problems += links(rev.folder)
    if problems:
        return problems
    actual, expected = file_hashes(rev.folder), record["files"]
    problems = [f"нет файла {name}" for name in sorted(set(expected) - set(actual))]
    problems += [f"файл {name} изменён после утверждения" for name in sorted(expected)
                 if name in actual and actual[name] != expected[name]]
    problems += [f"лишний файл {name}" for name in sorted(set(actual) - set(expected))]
    if sha256_file(rev.folder / MANIFEST) != record["manifest_sha256"]:
        problems.append(f"{MANIFEST} не тот, что утверждён")
    return problems


def approval_record(rev: Revision, by: str | None, now: dt.datetime | None) -> dict:
    """Who approves which run and when, with the edition's code — all known before the documents are stamped."""
    manifest = rev.manifest()
    when = (now or dt.datetime.now().astimezone()).replace(microsecond=0)
    record = {
        "period": rev.period,
        "revision": rev.number,
        "folder": rev.folder.name,
        "approved_by": " ".join(clean(by).split()) if by else None,
        "approved_at": when.isoformat(),
        "account": _account(),
        "manifest_sha256": sha256_file(rev.folder / MANIFEST),
        "computed": manifest["outputs"],
        "supersedes": manifest.get("revision", {}).get("supersedes"),
    }
    if "payroll" in manifest:  # the payroll file's SHA-256 and control totals, signed with the rest
        record["payroll"] = manifest["payroll"]
    if record["supersedes"]:  # the edition replaced, by number and the date of its approval
        base = Revision(rev.period, manifest["revision"]["supersedes_number"], rev.folder.parent / record["supersedes"])
        record["supersedes_number"] = base.number
        record["supersedes_approved_at"] = (base.approval() or {}).get("approved_at", record["approved_at"])
    record["edition"] = register.edition_of(record)
    return record


def _account() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        return str(os.getuid()) if hasattr(os, "getuid") else "?"


def stamp_lines(record: dict) -> list[str]:
    """The lines the approved documents carry."""
    when = dt.datetime.fromisoformat(record["approved_at"])
    who = record.get("approved_by") or "(кем — не указано)"
    head = f"Утверждено: {who}, {when:%d.%m.%Y %H:%M}. Редакция {record['revision']}"
    if record.get("supersedes_number") is not None:  # an edition is named by its number and date, never a folder
        before = dt.datetime.fromisoformat(record["supersedes_approved_at"])
        head += f" (взамен редакции {record['supersedes_number']}, утверждённой {before:%d.%m.%Y})"
    elif record.get("supersedes"):  # an approval recorded before editions were named: its stamp stays as it was
        head += f" (взамен редакции из папки {record['supersedes']})"
    head += "."
    if record.get("edition"):  # approvals made before the register had no code: their stamp stays as it was
        head += f" Код редакции: {record['edition'][:12]}."
    return [head, f"Контрольная сумма манифеста расчёта (SHA-256): {record['manifest_sha256']}"]


def make_read_only(folder: Path) -> None:
    """Files r--r--r--, folders r-xr-xr-x: the approved report cannot be changed by accident."""
    for path in sorted(Path(folder).rglob("*"), reverse=True):
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH | (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
                                                                 if path.is_dir() else 0))
    Path(folder).chmod(0o555)
