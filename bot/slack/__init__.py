"""newsbot in Slack: a bolt app whose listeners call the same engine as the CLI."""
