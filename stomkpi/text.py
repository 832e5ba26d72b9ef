"""Matching keys for names typed by people: positions, criteria, departments, specialties."""

from __future__ import annotations

import re

_DASHES = re.compile(r"\s*[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212]\s*")
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.,;:!?]+$")


def match_key(text: object) -> str:
    """Fold a name so that case, ё/е, runs of spaces, dash kinds and spacing, and trailing
    punctuation do not matter: «Санитарно – эпидемиологического.» == «санитарно-эпидемиологического»."""
    s = str(text).strip().lower().replace("ё", "е")
    s = _DASHES.sub("-", s)
    s = _SPACES.sub(" ", s)
    return _TRAILING.sub("", s)
