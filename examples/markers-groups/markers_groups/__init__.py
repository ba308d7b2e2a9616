"""markers-groups: reports which optional pieces are installed."""

import importlib.util
import sys

from sibling import shout


def report() -> dict:
    def has(mod: str) -> bool:
        return importlib.util.find_spec(mod) is not None

    return {
        "python": "%d.%d" % sys.version_info[:2],
        "colorama": has("colorama"),
        "tomli": has("tomli"),
        "msgpack": has("msgpack"),
        "chardet": has("chardet"),
        "pytest": has("pytest"),
        "sibling": shout("ok"),
    }

