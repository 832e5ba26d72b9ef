"""The report layer: report models, Russian words, display tables, charts, the protocols workbook, the
notebooks and their runner. Built on the library; nothing in the library imports it."""
