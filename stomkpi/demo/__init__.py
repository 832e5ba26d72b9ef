"""The demo clinic and the demo region: workbooks, norms and НМО books of made-up staff, the same for the same seed."""
