from collections.abc import Callable

from cimtrain.workflow_io import run_logged

sm = snakemake  # noqa: F821
fit = getattr(sm.input, "fit", None)  # device_fit.json of a measured device, else empty


def write(log: Callable[[str], None]) -> None:
    from cimtrain.hardware import write_hardware_file

    settings = dict(sm.params.hardware)
    if isinstance(fit, str):
        from cimtrain.stages import fitted_hardware

        settings.update(fitted_hardware(sm.params.device, fit, log))
    log(f"wrote {write_hardware_file(settings, sm.output[0])}")


run_logged(sm.log[0], write)
