"""sibling: a tiny library used through a path dependency."""

import idna


def shout(text: str) -> str:
    return idna.encode("bücher.example").decode() + ":" + text.upper()
