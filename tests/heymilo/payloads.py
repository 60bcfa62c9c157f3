"""The reference's example payloads (verbatim in reference_payloads.json), fresh per call."""

import copy
import json
from pathlib import Path
from typing import Any

_PAYLOADS = json.loads((Path(__file__).with_name("reference_payloads.json")).read_text())


def payload(name: str) -> Any:
    """A deep copy, so a test may mutate it freely."""
    return copy.deepcopy(_PAYLOADS[name])


def names() -> list[str]:
    return sorted(_PAYLOADS)
