rule sweep_summary:
    input:
        training=sweep_training_files,
        hardware=sweep_hardware_files,
    output:
        training=report(
            "results/sweeps/{sweep}/summary/training.csv",
            caption="../report/sweep_training.rst",
            category="Sweep",
        ),
        hardware=report(
            "results/sweeps/{sweep}/summary/hardware.csv",
            caption="../report/sweep_hardware.rst",
            category="Sweep",
        ),
    params:
        points=lambda wildcards: SWEEP.point_table(),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/sweeps/{sweep}/summary.log",
    script:
        "../scripts/sweep_summary.py"


rule sweep_plots:
    input:
        training="results/sweeps/{sweep}/summary/training.csv",
        hardware="results/sweeps/{sweep}/summary/hardware.csv",
    output:
        accuracy=report(
            "results/sweeps/{sweep}/plots/accuracy.png",
            caption="../report/sweep_accuracy.rst",
            category="Sweep",
        ),
        accuracy_svg="results/sweeps/{sweep}/plots/accuracy.svg",
        hardware=report(
            "results/sweeps/{sweep}/plots/hardware.png",
            caption="../report/sweep_hardware_plot.rst",
            category="Sweep",
        ),
        hardware_svg="results/sweeps/{sweep}/plots/hardware.svg",
        tradeoff=report(
            "results/sweeps/{sweep}/plots/accuracy_energy.png",
            caption="../report/sweep_tradeoff.rst",
            category="Sweep",
        ),
        tradeoff_svg="results/sweeps/{sweep}/plots/accuracy_energy.svg",
    params:
        plots=config["plots"],
        points=lambda wildcards: SWEEP.point_table(),
        code=source_digest("plots.py", "sweep_summary.py"),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/sweeps/{sweep}/plots.log",
    script:
        "../scripts/sweep_plots.py"


rule sweep_accuracy_curves:
    input:
        metrics=sweep_metrics_files,
    output:
        table=report(
            "results/sweeps/{sweep}/summary/accuracy_curves.csv",
            caption="../report/sweep_accuracy_curves_table.rst",
            category="Sweep",
        ),
        figure=report(
            "results/sweeps/{sweep}/plots/accuracy_curves.png",
            caption="../report/sweep_accuracy_curves.rst",
            category="Sweep",
        ),
        figure_svg="results/sweeps/{sweep}/plots/accuracy_curves.svg",
    params:
        points=lambda wildcards: SWEEP.point_table()["training"],
        dpi=config["plots"]["dpi"],
        code=source_digest("accuracy_curves.py", "plots.py"),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/sweeps/{sweep}/accuracy_curves.log",
    script:
        "../scripts/accuracy_curves.py"
