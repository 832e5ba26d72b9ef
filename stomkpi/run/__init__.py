"""The story of a report: the commands, executing and rendering the notebook, the folder that is never lost, approval,
verify, batches. The only layer that runs notebooks; its speed-ups live in `stomkpi.run.speed`."""
