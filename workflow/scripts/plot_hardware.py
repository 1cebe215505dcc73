from pathlib import Path

from cimtrain.models import IMAGE_SHAPE, layer_geometries, resolve_layers
from cimtrain.summary import plot_hardware
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
run_logged(
    sm.log[0],
    lambda log: plot_hardware(
        Path(sm.input.chip), Path(sm.input.layers), Path(sm.output.area),
        Path(sm.output.phases), Path(sm.output.layers), sm.params.plots["dpi"], log,
        [g.name for g in layer_geometries(resolve_layers(sm.params.model), IMAGE_SHAPE)],
    ),
)
