rule plot_training:
    input:
        training="{run}/summary/training.csv",
        histograms="{run}/summary/weight_histograms.csv",
    output:
        accuracy=report(
            "{run}/plots/accuracy_loss.png",
            caption="../report/accuracy_loss.rst",
            category="Training",
        ),
        accuracy_svg="{run}/plots/accuracy_loss.svg",
        weights=report(
            "{run}/plots/weight_distributions.png",
            caption="../report/weight_distributions.rst",
            category="Training",
        ),
        weights_svg="{run}/plots/weight_distributions.svg",
        activity=report(
            "{run}/plots/input_activity.png",
            caption="../report/input_activity.rst",
            category="Training",
        ),
        activity_svg="{run}/plots/input_activity.svg",
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
        png=report(
            "{run}/plots/device_curves.png",
            caption="../report/device_curves.rst",
            category="Device",
        ),
        svg="{run}/plots/device_curves.svg",
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
            "{run}/plots/chip_area.png",
            caption="../report/chip_area.rst",
            category="Hardware",
        ),
        area_svg="{run}/plots/chip_area.svg",
        phases=report(
            "{run}/plots/energy_latency_phases.png",
            caption="../report/energy_latency_phases.rst",
            category="Hardware",
        ),
        phases_svg="{run}/plots/energy_latency_phases.svg",
        layers=report(
            "{run}/plots/layer_breakdown.png",
            caption="../report/layer_breakdown.rst",
            category="Hardware",
        ),
        layers_svg="{run}/plots/layer_breakdown.svg",
    params:
        plots=config["plots"],
        model=read_by("plot_hardware", "model"),
        dataset=read_by("plot_hardware", "dataset"),
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
