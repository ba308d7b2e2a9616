from click.testing import CliRunner

from cli_tool.main import greet_cmd, main


def test_hello():
    result = CliRunner().invoke(main, ["hello", "canto"])
    assert result.exit_code == 0
    assert "hello, canto" in result.output


def test_greet():
    result = CliRunner().invoke(greet_cmd, ["x"])
    assert result.output == "hello, x\n"
