"""`python -m newsbot.bot` runs the newsbot command line."""

from newsbot.bot.cli import main

main()
