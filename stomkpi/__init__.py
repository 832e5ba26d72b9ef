"""stomkpi: monthly staff scoring, unit effectiveness and НМО tracking for a dental polyclinic.

The explorer's entry points: `load_positions()` for the rules, `read_month()` for a monthly
workbook, `score_month()` for the scores.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stomkpi")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

from .catalog import load_positions  # noqa: E402

__all__ = ["__version__", "load_positions"]
