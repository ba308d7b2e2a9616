"""Console scripts of cli-tool."""

import click
from canto_testpkg import greet

try:  # the optional "colors" extra
    import colorama
except ImportError:  # pragma: no cover - depends on the extra
    colorama = None


def paint(text: str) -> str:
    if colorama is None:
        return text
    return colorama.Fore.GREEN + text + colorama.Style.RESET_ALL


@click.group()
@click.version_option(package_name="cli-tool")
def main() -> None:
    """A demo CLI for canto's test world."""


@main.command()
@click.argument("name", default="world")
def hello(name: str) -> None:
    """Say hello."""
    click.echo(paint(greet(name)))


@main.command()
def colors() -> None:
    """Tell whether the colors extra is installed."""
    click.echo("colors: " + ("on" if colorama is not None else "off"))


@click.command()
@click.argument("name")
def greet_cmd(name: str) -> None:
    """Greet NAME (the `greet` script)."""
    click.echo(greet(name))
