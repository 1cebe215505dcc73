# A device measured pulse by pulse: device.measured names a CSV table whose fit replaces the
# device figures the config leaves at their defaults (docs/measured_device.md).


rule fit_device:
    input:
        measured=measured_pulses,
    output:
        fit="{run}/device/device_fit.json",
        sequences="{run}/device/device_fit_sequences.csv",
    params:
        code=source_digest("device_fit.py"),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/device_fit.log",
    script:
        "../scripts/fit_device.py"


rule plot_device_fit:
    input:
        measured=measured_pulses,
        fit="{run}/device/device_fit.json",
        sequences="{run}/device/device_fit_sequences.csv",
    output:
        report(
            multiext("{run}/plots/device_fit", ".png", ".svg"),
            caption="../report/device_fit.rst",
            category="Device",
        ),
    params:
        plots=config["plots"],
        code=source_digest("plot_device_fit.py", "plots.py"),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/plots/device_fit.log",
    script:
        "../scripts/plot_device_fit.py"
