"""Every speed decision of a process that runs reports, and every cache it keeps for the next report: one `Runtime`.

Rule of this module: a process that runs reports holds one `Runtime` and passes it down; nothing about how fast a
report is made lives anywhere else. What it decides:

- which kernel a report runs in: forked from a warm process (a batch: its own, `start_warm`, or its pool's,
  `share_warm`) or a fresh one that imports the reports' libraries before it is ready (`kernel_options`);
- whether the month's files are written aside, in a process forked from the kernel, while the notebook goes on
  (`files_aside`: a single report), or in line (a batch, whose cores are busy with other reports): the kernel learns
  it from its environment (`kernel_variables`, read by `speed.kernel`);
- how a PDF is typeset (`pdf_typesetter`, `typeset`): xelatex started early on the preamble while the notebook
  runs (`early_pdf`), and from a batch's dumped format (`typesetter`, `use_format`, `own_format`) or whole;
- the exporters lent from one report to the next (`html_exporter`, `latex_exporter`), and the kernel environment
  shared by the reports that run side by side in its threads (`kernel_environment`).

The plain `Runtime()` is a single report's; `Runtime.batch_worker()` a batch worker's.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from stomkpi.run.speed import kernel, markdown, nbconvert_html, preamble, warm


@dataclass
class Runtime:
    """The speed decisions and caches of one process that runs reports (see the module's docstring)."""

    files_aside: bool = True  # the month's files written in a process forked from the kernel
    early_pdf: bool = True  # xelatex started on the preamble while the notebook runs
    _warm: warm.Warm | None = None  # this process's own warm process
    _shared: str | None = None  # the address of the warm process this worker's pool shares
    _waited: bool = False  # the shared warm process has been waited for (its imports done) once
    _format: preamble.Format | None = None  # the PDFs' dumped preamble; None: typeset whole
    _format_chosen: bool = False
    _exporters: dict[str, queue.SimpleQueue] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # held while the format is chosen, which renders a blank notebook with a lent exporter (`_lock`)
    _format_lock: threading.Lock = field(default_factory=threading.Lock)
    _env_users: int = 0
    _env_saved: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def batch_worker(cls) -> Runtime:
        """A batch worker's: the month's files in line (its cores are busy with other reports: a fork would only add
        its own cost); its kernels warm and its PDFs from a format once the worker says where (`share_warm`,
        `start_warm`, `use_format`, `own_format`)."""
        return cls(files_aside=False)

    # --- kernels ------------------------------------------------------------------------------------------------

    def share_warm(self, address: str | None) -> None:
        """In a worker of a local pool: fork this worker's kernels from the pool's one warm process at `address`."""
        self._shared = address

    def start_warm(self, env: dict[str, str]) -> None:
        """Start this process's own warm process (once), ended with the process — unless it shares its pool's."""
        if not warm.possible() or self._shared:
            return
        with self._lock:
            if self._warm is None:
                self._warm = warm.Warm(env)
                self._warm.end_with_process()

    def kernel_options(self, folder: Path | None = None) -> dict:
        """papermill's kernel options for the next report, whose kernel works in `folder`: a warm kernel when this
        process has a warm process, else a fresh report kernel."""
        address = self._warm_address()
        if address is None:
            return {"kernel_manager_class": warm.report_manager_class(folder)}
        # a warm kernel is stopped at once after its last cell: its work is written, and a forked kernel has nothing
        # of its own to save
        return {"kernel_manager_class": warm.manager_class(address), "shutdown_kernel": "immediate"}

    def _warm_address(self) -> str | None:
        if self._shared and not self._waited:  # the pool's warm process imports while its workers start
            warm.listening(self._shared)
            self._waited = True
        if self._shared and os.path.exists(self._shared):
            return self._shared
        if self._warm is not None and self._warm.ready():
            return self._warm.address
        return None

    def kernel_usage(self) -> tuple[float, float]:
        """CPU seconds and largest peak MiB of this process's warm kernels (see `warm.usage`)."""
        return warm.usage(self._shared, self._warm)

    def kernel_variables(self) -> dict[str, str]:
        """What a report's kernel learns of this runtime from its environment (`kernel`)."""
        return {kernel.FILES_ASIDE: "1" if self.files_aside else "0"}

    @contextmanager
    def kernel_environment(self, values: dict[str, str]) -> Iterator[None]:
        """This process's environment with `values` while a report's kernel starts from it; counted, so that
        reports run side by side in threads (a Dask worker with several threads) all see it until the last ends."""
        with self._lock:
            if self._env_users == 0:
                self._env_saved = {k: os.environ.get(k) for k in values}
                os.environ.update(values)
            self._env_users += 1
        try:
            yield
        finally:
            with self._lock:
                self._env_users -= 1
                if self._env_users == 0:
                    for k, v in self._env_saved.items():
                        if v is None:
                            os.environ.pop(k, None)
                        else:
                            os.environ[k] = v

    # --- typesetting --------------------------------------------------------------------------------------------

    @property
    def typesetter(self) -> preamble.Format | None:
        """The format this process's PDFs start from, or None: typeset whole."""
        return self._format

    def use_format(self, folder: str | None, first_latex: Callable[[], str]) -> None:
        """Typeset this process's PDFs from the batch's format in `folder`, which the first of the batch's workers to
        get here builds from `first_latex()` while the reports start; None: typeset every PDF whole."""
        self._format_chosen = True
        if folder is None:
            return
        fmt = preamble.Format(folder)
        if fmt.claim():
            fmt.build(first_latex())
        self._format = fmt

    def own_format(self, first_latex: Callable[[], str]) -> None:
        """In a process that runs a batch's reports with no word from a pool (a Dask worker): a format of its own,
        built while its first report runs, removed when the process ends."""
        with self._format_lock:
            if self._format_chosen:
                return
            import atexit
            import tempfile

            folder = tempfile.mkdtemp(prefix="stomkpi-format-")
            atexit.register(shutil.rmtree, folder, True)
            self.use_format(folder, first_latex)

    @contextmanager
    def pdf_typesetter(self, make_preamble: Callable[[], str] | None,
                       env: dict[str, str]) -> Iterator[Callable[[str, dict[str, bytes]], bytes]]:
        """A report's PDF typesetter, `typeset(document, files) -> PDF`, for as long as the report runs: when this
        runtime says so, xelatex starts on `make_preamble()` now, while the notebook runs (None: the report makes no
        PDF); `env`: xelatex's environment (the report's date)."""
        early = preamble.Early(make_preamble, env, self._format) if make_preamble and self.early_pdf else None
        try:
            yield lambda document, files: self.typeset(document, files, env, early)
        finally:
            if early is not None:
                early.close()

    def typeset(self, document: str, files: dict[str, bytes], env: dict[str, str],
                early: preamble.Early | None = None) -> bytes:
        """The PDF of `document`: by `early` when it can, else from this process's format when it fits, else whole."""
        pdf = early.typeset(document, files) if early is not None else None
        return pdf if pdf is not None else preamble.typeset(document, files, env=env, preloaded=self._format)

    # --- exporters ----------------------------------------------------------------------------------------------

    @contextmanager
    def lent(self, kind: str, make: Callable[[], object]) -> Iterator:
        """An exporter of `kind`, made by `make()` when none is free, lent to one render at a time and kept for the
        next: its templates are compiled once per process. Renders in several threads at once each get their own."""
        with self._lock:
            pool = self._exporters.setdefault(kind, queue.SimpleQueue())
        try:
            exporter = pool.get_nowait()
        except queue.Empty:
            exporter = make()
        try:
            yield exporter
        finally:
            pool.put(exporter)

    def html_exporter(self, **options) -> AbstractContextManager:
        """An HTML exporter with `options` (nbconvert's, `nbconvert_html`), lent for one render (`lent`)."""
        return self.lent("html", lambda: nbconvert_html.exporter_class()(**options))

    def latex_exporter(self, **options) -> AbstractContextManager:
        """A LaTeX exporter with `options`, its Markdown converted by one pandoc run (`markdown.Batched`), lent for
        one render (`lent`)."""
        from nbconvert import LatexExporter

        return self.lent("latex", lambda: markdown.Batched(LatexExporter, **options))

    def has_exporter(self, kind: str) -> bool:
        """Whether an exporter of `kind` is ready to be lent (made by an earlier render or `prepare`)."""
        pool = self._exporters.get(kind)
        return pool is not None and not pool.empty()

    def files_written(self, folder: Path) -> None:
        """After a notebook ran in `folder`: its files written aside are all there (or their error is raised)."""
        kernel.collect(folder)
