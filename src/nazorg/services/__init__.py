"""The service layer: the use cases that the CLI, the web app and the jobs call, each inside the
caller's transaction (a `Session`), with its audit records."""
