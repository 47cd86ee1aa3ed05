"""Reads: queries the views, tasks and commands share, including the access checks."""
