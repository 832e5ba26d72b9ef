"""xelatex's head start on the reports' preamble, two ways, each with the same bytes out as typesetting whole.

Rule of this module: a speed-up of `latex.typeset`, never another way to a different PDF. `Early` starts xelatex on
a report's preamble while its notebook runs; `Format` dumps the preamble every report shares (up to `HEAD_END`)
once for a batch, and each PDF starts from it (`typeset`). Whatever cannot serve — another preamble, a format not
ready, an error — leaves the document to the plain whole typeset, whose message quotes the right line. Chosen by
the run's `Runtime`, never by the caller.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from stomkpi.run import latex as tex


def typeset(document: str, files: dict[str, bytes], *, env: dict[str, str] | None = None,
            preloaded: Format | None = None) -> bytes:
    """`latex.typeset`, from the format `preloaded` when it is ready and fits `document`; whole otherwise, and again
    whole when the run from the format fails (its message then quotes the line of the whole document)."""
    fmt, text = from_format(document, preloaded)
    if fmt is not None:
        try:
            return tex.typeset(text, files, env=env, fmt=fmt)
        except tex.LatexTimeout:
            raise
        except tex.LatexError:
            pass
    return tex.typeset(document, files, env=env)


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
                fmt, text = from_format(self.preamble, self.preloaded)
                (self.work / "report.tex").write_text(text + _INPUT_BODY, encoding="utf-8")
                os.mkfifo(self.work / "body.tex")
                with open(self.work / "xelatex.out", "wb") as out:  # not a pipe: nobody reads it until the body comes
                    self.proc = tex.start(self.work, env, out, fmt)
        except Exception:  # noqa: BLE001 — no early start; the PDF is typeset whole, as without it
            self.proc = None
        finally:
            self._started.set()
        self._done.wait()

    def typeset(self, latex: str, files: dict[str, bytes], *, time_limit: int = tex.TIME_LIMIT) -> bytes | None:
        self._started.wait()
        if self.proc is None or not latex.startswith(self.preamble):
            return None
        tex.write_files(self.work, files)
        pipe = self._open_pipe()
        if pipe is None:  # xelatex ended before it asked for the body: typeset whole, which says why
            return None
        # XeTeX reads a file's first bytes to look for a byte-order mark and cannot seek back on a pipe:
        # a comment line absorbs them
        with os.fdopen(pipe, "w", encoding="utf-8") as fh:
            fh.write("%" * 16 + "\n" + latex[len(self.preamble):])
        proc, self.proc = self.proc, None
        try:
            return tex.wait(proc, self.work, latex, time_limit)
        except tex.LatexTimeout:
            raise
        except tex.LatexError:  # typeset whole again: its message quotes the right line of the document
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
            tex.kill(self.proc)
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
        script = (f'timeout -s KILL {tex.TIME_LIMIT} xelatex -ini -jobname=new -interaction=batchmode -halt-on-error '
                  f'"&xelatex" dump.tex >/dev/null 2>&1 && mv new.fmt {self.file.name}')
        try:
            self._proc = subprocess.Popen(["sh", "-c", script], cwd=self.folder, env=tex.environment(self.folder),
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True,
                                          preexec_fn=tex.DIE_WITH_PARENT)
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
            tex.kill(self._proc)
            self._proc.wait()


def from_format(latex: str, preloaded: Format | None) -> tuple[Path | None, str]:
    """(the format's file, what xelatex reads from it) for `latex`, or (None, `latex`) to typeset it whole."""
    found = preloaded.document(latex) if preloaded is not None else None
    return found if found is not None else (None, latex)
