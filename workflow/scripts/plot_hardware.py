from pathlib import Path

from cimtrain.summary import plot_hardware
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: plot_hardware(
        Path(sm.input.chip), Path(sm.input.layers), Path(sm.output.area[0]),
        Path(sm.output.phases[0]), Path(sm.output.layers[0]), sm.params.plots["dpi"], log,
    ),
)
