"""The speed-ups of a run, and nothing else, steered by one `Runtime` per process: warm kernels, files written aside,
xelatex's head start on the preamble, one pandoc run for all Markdown, lent exporters, a local pool's prepared
workers, a quick start. Each has a plain path it falls back to; nothing outside this folder names one."""
