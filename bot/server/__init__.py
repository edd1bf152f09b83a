"""Server plumbing for `newsbot serve`: the HTTP server, start-up and logging."""
