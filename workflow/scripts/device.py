from cimtrain.stages import make_device
from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
fit = getattr(sm.input, "fit", None)  # device_fit.json of a measured device, else empty
run_logged(
    sm.log[0],
    lambda log: make_device(
        sm.params.device, sm.params.model, sm.output.summary, sm.output.variation, log,
        fit if isinstance(fit, str) else None, sm.params.dataset,
    ),
)
