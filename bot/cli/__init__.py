"""The command line: `newsbot ask|chat|search|ingest|sources|forget|reindex|serve|…`."""

from newsbot.bot.cli.commands import cli, main

__all__ = ["cli", "main"]
