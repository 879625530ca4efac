
import pytest
from typer.testing import CliRunner

from cli.app import app


@pytest.fixture
def cli():
    """Run the diffx CLI with a pinned width and no colour; returns the result."""
    runner = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"})

    def invoke(*args, input=None):
        return runner.invoke(app, list(args), input=input)
    return invoke


@pytest.fixture(autouse=True)
def _pinned_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
