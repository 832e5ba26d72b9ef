"""Presentation: the report models (monthly, annual, regional), Russian words, display tables, charts, the
printable workbooks and cards, the notebooks and their templates. Reads the core and the signed record; runs
nothing (the story of a run is `stomkpi.run`)."""
