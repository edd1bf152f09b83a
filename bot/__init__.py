"""newsbot's surfaces: the command line (and Slack). Thin layers over `index.Engine`."""
