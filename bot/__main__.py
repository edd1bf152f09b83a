"""`python -m bot` runs the newsbot command line."""

from newsbot.bot.cli import main

main()
