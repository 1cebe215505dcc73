"""What training writes and the summaries read, kept free of torch so that plotting, summaries and
the workflow's error handling load without it."""

from __future__ import annotations

UPDATE_RANGE = 0.5  # changes beyond +-0.5 over an epoch are counted in the end bins


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be used to continue training."""
