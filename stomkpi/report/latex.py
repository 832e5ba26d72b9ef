"""xelatex as a contained step: no file reading outside its folder, a time limit, killed with its parent.

nbconvert's PDFExporter starts xelatex with no time limit and leaves it running when the calling
process is killed, and its failure message is the whole TeX log. Here the LaTeX comes from the
same template (LatexExporter), is written with its images into a private folder, and xelatex runs
there with: `openin_any=p` / `openout_any=p` (kpathsea's paranoid mode: no absolute paths, no parent
folders, no dot files), no shell escape, `-halt-on-error`, a time limit after which its whole
process group is killed, and PR_SET_PDEATHSIG so that it dies with the run that started it.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import StomkpiError

TIME_LIMIT = 180  # seconds; the demo's 21-page monthly report takes about 2 s
_PR_SET_PDEATHSIG = 1


class LatexError(StomkpiError):
    """The PDF could not be typeset; the message says where."""


class LatexTimeout(LatexError):
    """xelatex ran past its time limit and was stopped."""


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the time limit still applies
        pass


def typeset(latex: str, files: dict[str, bytes], *, time_limit: int = TIME_LIMIT,
            env: dict[str, str] | None = None) -> bytes:
    """The PDF of a LaTeX document and the files it includes (images), typeset once by xelatex (`env`: added to
    its environment, e.g. SOURCE_DATE_EPOCH)."""
    with tempfile.TemporaryDirectory(prefix="stomkpi-tex-") as folder:
        work = Path(folder)
        _write_files(work, files)
        (work / "report.tex").write_text(latex, encoding="utf-8")
        return _wait(_start(work, env), work, latex, time_limit)


def _write_files(work: Path, files: dict[str, bytes]) -> None:
    """The files the document includes (images), inside `work`: a name that points outside it is never written."""
    for name, content in files.items():
        target = (work / name).resolve()
        if work.resolve() in target.parents:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


def _start(work: Path, extra_env: dict[str, str] | None = None, stdout=subprocess.PIPE) -> subprocess.Popen:
    env = {**os.environ, **(extra_env or {}), "openin_any": "p", "openout_any": "p", "shell_escape": "f",
           "TEXMFOUTPUT": str(work)}
    command = ["xelatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "report.tex"]
    try:
        return subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)
    except FileNotFoundError:
        raise LatexError("не найден xelatex: установите пакеты (bash scripts/system-deps.sh)") from None


def _wait(proc: subprocess.Popen, work: Path, latex: str, time_limit: int) -> bytes:
    try:
        out, _ = proc.communicate(timeout=time_limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise LatexTimeout(f"PDF не собран за {time_limit} с: xelatex остановлен") from None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    pdf = work / "report.pdf"
    if proc.returncode or not pdf.exists():
        log = (work / "report.log").read_text(encoding="utf-8", errors="replace") if (work / "report.log").exists() \
            else (out or b"").decode("utf-8", "replace")
        raise LatexError(f"PDF не собран: {explain(log, latex)}")
    return pdf.read_bytes()


# TeX's own \input (LaTeX's opens a file twice, and a pipe can be read once), with `@` back to normal before the body
_INPUT_BODY = "\\makeatletter\\let\\stomkpiinput\\@@input\\makeatother\n\\stomkpiinput body.tex\n"


class Early:
    """xelatex started before the document's body exists: it reads the preamble (packages, fonts) while
    the notebook runs, then waits for the body on a named pipe (`body.tex`). Same flags, same limits,
    same bytes as `typeset` (the jobname is the same; TeX records nothing of how its input was split).

    `make_preamble()` runs in a thread of its own, which then starts xelatex and lives as long as it
    (PR_SET_PDEATHSIG follows the thread that started the process), so nothing of it delays the
    notebook. `typeset(latex, files)` gives the PDF if `latex` begins with that preamble, else None
    (the caller typesets it whole); `close()` ends an xelatex that no body came to.
    """

    def __init__(self, make_preamble: Callable[[], str], env: dict[str, str] | None = None):
        self.preamble = ""
        self.proc: subprocess.Popen | None = None
        self.work = Path(tempfile.mkdtemp(prefix="stomkpi-tex-"))
        self._started, self._done = threading.Event(), threading.Event()
        threading.Thread(target=self._own, args=(make_preamble, env or {}), daemon=True).start()

    def _own(self, make_preamble: Callable[[], str], env: dict[str, str]) -> None:
        try:
            self.preamble = make_preamble()
            if self.preamble:
                (self.work / "report.tex").write_text(self.preamble + _INPUT_BODY, encoding="utf-8")
                os.mkfifo(self.work / "body.tex")
                with open(self.work / "xelatex.out", "wb") as out:  # not a pipe: nobody reads it until the body comes
                    self.proc = _start(self.work, env, out)
        except Exception:  # noqa: BLE001 — no early start; the PDF is typeset whole, as without it
            self.proc = None
        finally:
            self._started.set()
        self._done.wait()

    def typeset(self, latex: str, files: dict[str, bytes], *, time_limit: int = TIME_LIMIT) -> bytes | None:
        self._started.wait()
        if self.proc is None or not latex.startswith(self.preamble):
            return None
        _write_files(self.work, files)
        pipe = self._open_pipe()
        if pipe is None:  # xelatex ended before it asked for the body: typeset whole, which says why
            return None
        # XeTeX reads a file's first bytes to look for a byte-order mark and cannot seek back on a pipe:
        # a comment line absorbs them
        with os.fdopen(pipe, "w", encoding="utf-8") as fh:
            fh.write("%" * 16 + "\n" + latex[len(self.preamble):])
        proc, self.proc = self.proc, None
        try:
            return _wait(proc, self.work, latex, time_limit)
        except LatexTimeout:
            raise
        except LatexError:  # typeset whole again: its message quotes the right line of the document
            return None

    def _open_pipe(self) -> int | None:
        while True:
            try:
                fd = os.open(self.work / "body.tex", os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # no reader yet (ENXIO): xelatex is still in the preamble
                if self.proc.poll() is not None:
                    return None
                time.sleep(0.005)
                continue
            os.set_blocking(fd, True)
            return fd

    def close(self) -> None:
        self._started.wait()
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.communicate()
        self.proc = None
        self._done.set()
        shutil.rmtree(self.work, ignore_errors=True)


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
