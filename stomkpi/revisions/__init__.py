"""The signed record: a period's revisions and their approval, the approvals register, the inputs a report keeps,
a report folder's files read trusting nothing, and what changed between two revisions. Reads the core only."""
