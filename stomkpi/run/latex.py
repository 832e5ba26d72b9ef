"""xelatex as a contained step: no file reading outside its folder, a time limit, killed with its parent.

nbconvert's PDFExporter starts xelatex with no time limit and leaves it running when the calling
process is killed, and its failure message is the whole TeX log. Here the LaTeX comes from the
same template (LatexExporter), is written with its images into a private folder, and xelatex runs
there with: `openin_any=p` / `openout_any=p` (kpathsea's paranoid mode: no absolute paths, no parent
folders, no dot files), no shell escape, `-halt-on-error`, a time limit after which its whole
process group is killed, and PR_SET_PDEATHSIG so that it dies with the run that started it.

Where xelatex is missing (`available`), a report is written without its PDF and says so (`NO_TEX`): TeX is optional,
every other file of a report is made without it.

This is the plain path: one document, typeset whole. A head start on the preamble (xelatex started early, or from a
format of it) is a speed-up, kept with the others in `stomkpi.run.speed`, which starts xelatex through `start`.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from stomkpi.errors import StomkpiError

TIME_LIMIT = 180  # seconds; the demo's 21-page monthly report takes about 2 s
_PR_SET_PDEATHSIG = 1


PROGRAM = "xelatex"
# how to get the PDF, on the one line a report made without it prints
GET_TEX = ("установите TeX: в Windows — MiKTeX (miktex.org), в Linux — TeX Live (в Debian и Ubuntu: "
           "bash scripts/system-deps.sh; или tug.org/texlive)")
NO_TEX = (f"PDF отчёта не сделан: для него нужен TeX (программа {PROGRAM}), а на этом компьютере его нет; остальные "
          f"файлы записаны. Чтобы был и PDF, {GET_TEX} и постройте отчёт снова")


def available() -> bool:
    """Whether xelatex is on PATH: without it a report is written without its PDF."""
    return shutil.which(PROGRAM) is not None


class LatexError(StomkpiError):
    """The PDF could not be typeset; the message says where."""


class LatexTimeout(LatexError):
    """xelatex ran past its time limit and was stopped."""


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the time limit still applies
        pass


# POSIX: xelatex dies with its run and is stopped with its whole process group; elsewhere (Windows with MiKTeX) the
# time limit stops xelatex itself
DIE_WITH_PARENT = _die_with_parent if os.name == "posix" else None


def kill(proc: subprocess.Popen) -> None:
    if hasattr(os, "killpg"):
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.kill()


def typeset(latex: str, files: dict[str, bytes], *, time_limit: int = TIME_LIMIT,
            env: dict[str, str] | None = None, fmt: Path | None = None) -> bytes:
    """The PDF of a LaTeX document and the files it includes (images), typeset once by xelatex (`env`: added to
    its environment, e.g. SOURCE_DATE_EPOCH; `fmt`: a format file xelatex starts from, `latex` then being what
    follows it)."""
    with tempfile.TemporaryDirectory(prefix="stomkpi-tex-") as folder:
        work = Path(folder)
        write_files(work, files)
        (work / "report.tex").write_text(latex, encoding="utf-8")
        return wait(start(work, env, fmt=fmt), work, latex, time_limit)


def write_files(work: Path, files: dict[str, bytes]) -> None:
    """The files the document includes (images), inside `work`: a name that points outside it is never written."""
    for name, content in files.items():
        target = (work / name).resolve()
        if work.resolve() in target.parents:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


def start(work: Path, extra_env: dict[str, str] | None = None, stdout=subprocess.PIPE,
           fmt: Path | None = None) -> subprocess.Popen:
    """xelatex on `work`/report.tex (starting from the format file `fmt`, when given), its output to `stdout`."""
    env = environment(work, extra_env)
    command = ["xelatex", *([f"-fmt={fmt.with_suffix('')}"] if fmt else []), "-no-shell-escape",
               "-interaction=nonstopmode", "-halt-on-error", "report.tex"]
    try:
        return subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=DIE_WITH_PARENT)
    except FileNotFoundError:
        raise LatexError(f"не найден {PROGRAM}: PDF без TeX не сделать; {GET_TEX}") from None


def environment(work: Path, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """xelatex's environment in `work`: kpathsea's paranoid mode, no shell escape, output only into `work`."""
    return {**os.environ, **(extra_env or {}), "openin_any": "p", "openout_any": "p", "shell_escape": "f",
            "TEXMFOUTPUT": str(work)}


def wait(proc: subprocess.Popen, work: Path, latex: str, time_limit: int) -> bytes:
    try:
        out, _ = proc.communicate(timeout=time_limit)
    except subprocess.TimeoutExpired:
        kill(proc)
        proc.communicate()
        raise LatexTimeout(f"PDF не собран за {time_limit} с: xelatex остановлен") from None
    finally:
        if proc.poll() is None:
            kill(proc)
    pdf = work / "report.pdf"
    if proc.returncode or not pdf.exists():
        log = (work / "report.log").read_text(encoding="utf-8", errors="replace") if (work / "report.log").exists() \
            else (out or b"").decode("utf-8", "replace")
        raise LatexError(f"PDF не собран: {explain(log, latex)}")
    return pdf.read_bytes()


def explain(log: str, latex: str) -> str:
    """The first TeX error in Russian words, with the line of the document it stopped at."""
    m = re.search(r"^! (.+)$", log, flags=re.M)
    error = m.group(1).strip() if m else "xelatex завершился с ошибкой"
    line = re.search(r"^l\.(\d+)", log[m.start():] if m else log, flags=re.M)
    if line:
        lines = latex.splitlines()
        n = int(line.group(1))
        text = lines[n - 1].strip() if 0 < n <= len(lines) else ""
        return f"{error} (строка {n} документа LaTeX: «{text[:120]}»)"
    if "Missing character" in log and not m:
        return "в тексте есть символы, которых нет в шрифте"
    return error
