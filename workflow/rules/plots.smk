rule plot_training:
    input:
        training=f"{RESULTS}/summary/training.csv",
        histograms=f"{RESULTS}/summary/weight_histograms.csv",
    output:
        accuracy=report(
            multiext(f"{RESULTS}/plots/accuracy_loss", ".png", ".svg"),
            caption="../report/accuracy_loss.rst",
            category="Training",
        ),
        weights=report(
            multiext(f"{RESULTS}/plots/weight_distributions", ".png", ".svg"),
            caption="../report/weight_distributions.rst",
            category="Training",
        ),
        activity=report(
            multiext(f"{RESULTS}/plots/input_activity", ".png", ".svg"),
            caption="../report/input_activity.rst",
            category="Training",
        ),
    params:
        plots=config["plots"],
        code=source_digest("plots.py", "summary.py"),
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/plots/training.log",
    script:
        "../scripts/plot_training.py"


rule plot_device:
    input:
        f"{RESULTS}/device/device.json",
    output:
        report(
            multiext(f"{RESULTS}/plots/device_curves", ".png", ".svg"),
            caption="../report/device_curves.rst",
            category="Device",
        ),
    params:
        plots=config["plots"],
        code=source_digest("plots.py", "summary.py"),
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/plots/device.log",
    script:
        "../scripts/plot_device.py"


rule plot_hardware:
    input:
        f"{RESULTS}/summary/hardware.csv",
    output:
        area=report(
            multiext(f"{RESULTS}/plots/chip_area", ".png", ".svg"),
            caption="../report/chip_area.rst",
            category="Hardware",
        ),
    params:
        plots=config["plots"],
        code=source_digest("plots.py", "summary.py"),
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/plots/hardware.log",
    script:
        "../scripts/plot_hardware.py"
