"""xelatex as a contained step: no file reading outside its folder, a time limit, killed with its parent.

nbconvert's PDFExporter starts xelatex with no time limit and leaves it running when the calling
process is killed, and its failure message is the whole TeX log. Here the LaTeX comes from the
same template (LatexExporter), is written with its images into a private folder, and xelatex runs
there with: `openin_any=p` / `openout_any=p` (kpathsea's paranoid mode: no absolute paths, no parent
folders, no dot files), no shell escape, `-halt-on-error`, a time limit after which its whole
process group is killed, and PR_SET_PDEATHSIG so that it dies with the run that started it.

Where xelatex is missing (`available`), a report is written without its PDF and says so (`NO_TEX`): TeX is optional,
every other file of a report is made without it.

A batch gives its reports' xelatex a head start (`Format`): the preamble's packages, the same for every
report, loaded once and dumped into a format that each run starts from, with the same bytes out.
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
_DIE_WITH_PARENT = _die_with_parent if os.name == "posix" else None


def _kill(proc: subprocess.Popen) -> None:
    if hasattr(os, "killpg"):
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.kill()


def typeset(latex: str, files: dict[str, bytes], *, time_limit: int = TIME_LIMIT,
            env: dict[str, str] | None = None, preloaded: Format | None = None) -> bytes:
    """The PDF of a LaTeX document and the files it includes (images), typeset once by xelatex (`env`: added to
    its environment, e.g. SOURCE_DATE_EPOCH; `preloaded`: a batch's format to start from, when it fits)."""
    fmt, text = _from_format(latex, preloaded)
    if fmt is not None:
        try:
            return _typeset(text, files, time_limit, env, fmt)
        except LatexTimeout:
            raise
        except LatexError:  # typeset whole again: its message quotes the right line of the document
            pass
    return _typeset(latex, files, time_limit, env)


def _typeset(latex: str, files: dict[str, bytes], time_limit: int, env: dict[str, str] | None,
             fmt: Path | None = None) -> bytes:
    with tempfile.TemporaryDirectory(prefix="stomkpi-tex-") as folder:
        work = Path(folder)
        _write_files(work, files)
        (work / "report.tex").write_text(latex, encoding="utf-8")
        return _wait(_start(work, env, fmt=fmt), work, latex, time_limit)


def _write_files(work: Path, files: dict[str, bytes]) -> None:
    """The files the document includes (images), inside `work`: a name that points outside it is never written."""
    for name, content in files.items():
        target = (work / name).resolve()
        if work.resolve() in target.parents:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


def _start(work: Path, extra_env: dict[str, str] | None = None, stdout=subprocess.PIPE,
           fmt: Path | None = None) -> subprocess.Popen:
    """xelatex on `work`/report.tex (from the format `fmt`, a `Format`'s file, when given)."""
    env = _environment(work, extra_env)
    command = ["xelatex", *([f"-fmt={fmt.with_suffix('')}"] if fmt else []), "-no-shell-escape",
               "-interaction=nonstopmode", "-halt-on-error", "report.tex"]
    try:
        return subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_DIE_WITH_PARENT)
    except FileNotFoundError:
        raise LatexError(f"не найден {PROGRAM}: PDF без TeX не сделать; {GET_TEX}") from None


def _environment(work: Path, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """xelatex's environment in `work`: kpathsea's paranoid mode, no shell escape, output only into `work`."""
    return {**os.environ, **(extra_env or {}), "openin_any": "p", "openout_any": "p", "shell_escape": "f",
            "TEXMFOUTPUT": str(work)}


def _wait(proc: subprocess.Popen, work: Path, latex: str, time_limit: int) -> bytes:
    try:
        out, _ = proc.communicate(timeout=time_limit)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.communicate()
        raise LatexTimeout(f"PDF не собран за {time_limit} с: xelatex остановлен") from None
    finally:
        if proc.poll() is None:
            _kill(proc)
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

    def __init__(self, make_preamble: Callable[[], str], env: dict[str, str] | None = None,
                 preloaded: Format | None = None):
        self.preamble = ""
        self.preloaded = preloaded
        self.proc: subprocess.Popen | None = None
        self.work = Path(tempfile.mkdtemp(prefix="stomkpi-tex-"))
        self._started, self._done = threading.Event(), threading.Event()
        threading.Thread(target=self._own, args=(make_preamble, env or {}), daemon=True).start()

    def _own(self, make_preamble: Callable[[], str], env: dict[str, str]) -> None:
        try:
            self.preamble = make_preamble()
            if self.preamble:
                fmt, text = _from_format(self.preamble, self.preloaded)
                (self.work / "report.tex").write_text(text + _INPUT_BODY, encoding="utf-8")
                os.mkfifo(self.work / "body.tex")
                with open(self.work / "xelatex.out", "wb") as out:  # not a pipe: nobody reads it until the body comes
                    self.proc = _start(self.work, env, out, fmt)
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
            _kill(self.proc)
            self.proc.communicate()
        self.proc = None
        self._done.set()
        shutil.rmtree(self.work, ignore_errors=True)


# where the template's preamble stops being the same for every report (the fonts, the title and the date follow)
HEAD_END = "% stomkpi: the common preamble ends here\n"
# The class and the packages leave a few items on TeX's main list (a \write of the class's \clearpage, colour and PDF
# version specials), which a format does not keep: the dump moves them into box 0 with an output routine of its own,
# and every run from the format puts them back first, with the depth they left.
_DUMP = (r"\xdef\stomkpiprevdepth{\the\prevdepth}\begingroup"
         r"\output={\global\setbox0=\vbox{\unvbox255 \setbox2=\lastbox\unskip}}\hbox{}\penalty-10001 \endgroup"
         "\n\\dump\n")
_RESUME = r"\unvbox0 \prevdepth=\stomkpiprevdepth\relax" "\n"


class Format:
    """The reports' common preamble (every package of the template, up to `HEAD_END`) loaded once by xelatex and
    dumped into a format in `folder`, from which each report's xelatex starts instead of loading the packages again:
    a third of a CPU-second less for every PDF of a batch. Making it costs about one, so a batch makes it for all its
    reports (`build`, by whichever of its workers claims it first) and a single report does without.

    A document is typeset from the format only when it begins with the very head the format was made of, and the
    PDF is byte-for-byte the one xelatex makes without it (the template measures with TFM fonts in the head, which a
    format can hold; what the head leaves on TeX's lists is put back, `_RESUME`); where the format is not ready yet,
    or a run from it fails, the document is typeset whole, as without it.
    """

    NAME = "stomkpi"

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)
        self.file = self.folder / f"{self.NAME}.fmt"
        self._head: str | None = None
        self._proc: subprocess.Popen | None = None

    def claim(self) -> bool:
        """True for the one caller (of all processes sharing `folder`) that is to build the format."""
        try:
            (self.folder / "claimed").mkdir()
        except OSError:
            return False
        return True

    def build(self, latex: str) -> None:
        """Start dumping the head of `latex` (any document by the stomkpi template) into the format; it is usable once
        xelatex has written it (`document` says so). Nothing when the document has no such head."""
        end = latex.find(HEAD_END)
        if end < 0:
            return
        (self.folder / "head.tex").write_text(latex[:end + len(HEAD_END)], encoding="utf-8")
        (self.folder / "dump.tex").write_text(latex[:end + len(HEAD_END)] + _DUMP, encoding="utf-8")
        # within the time limit of any xelatex here (where `timeout` is missing, no format: the PDFs are typeset
        # whole), and renamed only when complete: a reader never sees half a format
        script = (f'timeout -s KILL {TIME_LIMIT} xelatex -ini -jobname=new -interaction=batchmode -halt-on-error '
                  f'"&xelatex" dump.tex >/dev/null 2>&1 && mv new.fmt {self.file.name}')
        try:
            self._proc = subprocess.Popen(["sh", "-c", script], cwd=self.folder, env=_environment(self.folder),
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True,
                                          preexec_fn=_DIE_WITH_PARENT)
        except OSError:  # no shell: the reports are typeset whole
            pass

    def document(self, latex: str) -> tuple[Path, str] | None:
        """(the format's file, what xelatex is to read from it) for `latex`; None when the format is not ready or
        `latex` does not begin with its head."""
        if self._head is None:
            if not self.file.exists():
                return None
            self._head = (self.folder / "head.tex").read_text(encoding="utf-8")
        if not latex.startswith(self._head):
            return None
        return self.file, _RESUME + latex[len(self._head):]

    def close(self) -> None:
        """Stop a dump still running (it ends with its builder's process anyway)."""
        if self._proc is not None and self._proc.poll() is None:
            _kill(self._proc)
            self._proc.wait()


def _from_format(latex: str, preloaded: Format | None) -> tuple[Path | None, str]:
    """(the format's file, what xelatex reads from it) for `latex`, or (None, `latex`) to typeset it whole."""
    found = preloaded.document(latex) if preloaded is not None else None
    return found if found is not None else (None, latex)


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
