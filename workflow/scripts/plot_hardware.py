from pathlib import Path

from cimtrain.models import dataset_geometries
from cimtrain.summary import plot_hardware
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: plot_hardware(
        Path(sm.input.chip), Path(sm.input.layers), Path(sm.output.area),
        Path(sm.output.phases), Path(sm.output.layers), sm.params.plots["dpi"], log,
        [g.name for g in dataset_geometries(sm.params.model, sm.params.dataset)],
    ),
)
