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
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import StomkpiError

TIME_LIMIT = 180  # seconds; the demo's 21-page monthly report takes about 2 s
_PR_SET_PDEATHSIG = 1


class LatexError(StomkpiError):
    """The PDF could not be typeset; the message says where."""


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the time limit still applies
        pass


def typeset(latex: str, files: dict[str, bytes], *, time_limit: int = TIME_LIMIT) -> bytes:
    """The PDF of a LaTeX document and the files it includes (images), typeset once by xelatex."""
    with tempfile.TemporaryDirectory(prefix="stomkpi-tex-") as folder:
        work = Path(folder)
        for name, content in files.items():
            target = (work / name).resolve()
            if work.resolve() not in target.parents:
                continue  # an output name that points outside the folder is never written
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (work / "report.tex").write_text(latex, encoding="utf-8")
        env = {**os.environ, "openin_any": "p", "openout_any": "p", "shell_escape": "f", "TEXMFOUTPUT": str(work)}
        command = ["xelatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "report.tex"]
        try:
            proc = subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)
        except FileNotFoundError:
            raise LatexError("не найден xelatex: установите пакеты (bash scripts/system-deps.sh)") from None
        try:
            out, _ = proc.communicate(timeout=time_limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise LatexError(f"PDF не собран за {time_limit} с: xelatex остановлен") from None
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        pdf = work / "report.pdf"
        if proc.returncode or not pdf.exists():
            log = (work / "report.log").read_text(encoding="utf-8", errors="replace") if (work / "report.log").exists() \
                else out.decode("utf-8", "replace")
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
