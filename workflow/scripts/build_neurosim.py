from pathlib import Path

from cimtrain.estimator import build
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
# The workflow's own NeuroSIM/ (the rule's inputs), not the copy installed with the package.
run_logged(sm.log[0], lambda log: build(Path(sm.output[0]).parent, source_dir=Path("NeuroSIM"),
                                        log=log))
