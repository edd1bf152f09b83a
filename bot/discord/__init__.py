"""The Discord surface: interactions over HTTP, @mentions and DMs over the gateway."""
