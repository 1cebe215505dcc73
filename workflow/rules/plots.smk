rule plot_training:
    input:
        training="{run}/summary/training.csv",
        histograms="{run}/summary/weight_histograms.csv",
    output:
        accuracy=report(
            multiext("{run}/plots/accuracy_loss", ".png", ".svg"),
            caption="../report/accuracy_loss.rst",
            category="Training",
        ),
        weights=report(
            multiext("{run}/plots/weight_distributions", ".png", ".svg"),
            caption="../report/weight_distributions.rst",
            category="Training",
        ),
        activity=report(
            multiext("{run}/plots/input_activity", ".png", ".svg"),
            caption="../report/input_activity.rst",
            category="Training",
        ),
    params:
        plots=config["plots"],
        code=source_digest("plots.py", "summary.py"),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/plots/training.log",
    script:
        "../scripts/plot_training.py"


rule plot_device:
    input:
        "{run}/device/device.json",
    output:
        report(
            multiext("{run}/plots/device_curves", ".png", ".svg"),
            caption="../report/device_curves.rst",
            category="Device",
        ),
    params:
        plots=config["plots"],
        code=source_digest("plots.py"),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/plots/device.log",
    script:
        "../scripts/plot_device.py"


rule plot_hardware:
    input:
        chip="{run}/summary/hardware.csv",
        layers="{run}/summary/layers.csv",
    output:
        area=report(
            multiext("{run}/plots/chip_area", ".png", ".svg"),
            caption="../report/chip_area.rst",
            category="Hardware",
        ),
        phases=report(
            multiext("{run}/plots/energy_latency_phases", ".png", ".svg"),
            caption="../report/energy_latency_phases.rst",
            category="Hardware",
        ),
        layers=report(
            multiext("{run}/plots/layer_breakdown", ".png", ".svg"),
            caption="../report/layer_breakdown.rst",
            category="Hardware",
        ),
    params:
        plots=config["plots"],
        code=source_digest("plots.py", "summary.py"),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/plots/hardware.log",
    script:
        "../scripts/plot_hardware.py"
