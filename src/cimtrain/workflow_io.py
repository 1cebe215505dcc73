"""Running a stage from a Snakemake script: its log, and clean failure on bad input."""

from __future__ import annotations

import sys
from collections.abc import Callable

from cimtrain.config import ConfigError
from cimtrain.data import DatasetError
from cimtrain.estimator import EstimatorError
from cimtrain.training_records import CheckpointError

# Errors that mean bad input: reported as one line naming the file or key, no traceback.
# (HardwareError, SweepError and TraceError are ValueErrors; OSError covers unreadable,
# unwritable and missing files, whose message names the path.)
INPUT_ERRORS = (ConfigError, DatasetError, CheckpointError, EstimatorError, ValueError, OSError)


def run_logged(log_path: str, stage: Callable[[Callable[[str], None]], None]) -> None:
    """Run stage(log) writing progress to log_path; exit 1 with the message on bad input."""
    with open(log_path, "w") as log_file:

        def log(message: str) -> None:
            print(message, file=log_file, flush=True)

        try:
            stage(log)
        except INPUT_ERRORS as error:
            log(f"error: {error}")
            print(f"error: {error}", file=sys.stderr)
            sys.exit(1)
