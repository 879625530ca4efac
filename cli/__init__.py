"""The diffx command-line application (typer) and all terminal rendering (rich)."""
