"""The speed-ups of a run, and nothing else: warm kernels, files written aside, one pandoc run for all Markdown,
lent exporters, a quick start. Each has a plain path it falls back to; nothing outside this folder names one."""
