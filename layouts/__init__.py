"""The published data-set layouts and label schemas, each defined once (see README.md)."""
