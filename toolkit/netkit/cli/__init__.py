"""The only layer that knows Typer and rich, prints, and sets exit codes."""
