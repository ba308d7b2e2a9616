"""cli-tool: a small click application."""

__version__ = "0.2.0"
