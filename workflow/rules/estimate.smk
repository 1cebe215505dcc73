rule build_neurosim:
    input:
        NEUROSIM_SOURCES,
    output:
        NEUROSIM_BINARY,
    threads: 2
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/neurosim/build.log",
    script:
        "../scripts/build_neurosim.py"


rule hardware_file:
    input:
        fit=device_fit_of,
    output:
        "{run}/hardware/hardware.txt",
    params:
        hardware=hardware_settings,
        device=read_by("hardware_file", "device"),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/neurosim/hardware_file.log",
    script:
        "../scripts/hardware_file.py"


use rule hardware_file as hardware_file_of_variant with:
    output:
        "{run}/hardware/{variant}/hardware.txt",
    log:
        "logs/{run}/neurosim/{variant}/hardware_file.log",


rule neurosim:
    input:
        trace="{run}/epoch_{epoch}/trace",
        hardware="{run}/hardware/hardware.txt",
        binary=NEUROSIM_BINARY,
    output:
        chip="{run}/epoch_{epoch}/neurosim.csv",
        layers="{run}/epoch_{epoch}/layers.csv",
        floorplan="{run}/epoch_{epoch}/floorplan.json",
    # The estimator reads and costs the layers in parallel.
    threads: 2
    resources:
        mem_mb=2000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/neurosim/epoch_{epoch}.log",
    benchmark:
        "logs/{run}/benchmark/neurosim/epoch_{epoch}.tsv"
    script:
        "../scripts/neurosim.py"


use rule neurosim as neurosim_of_variant with:
    input:
        trace="{run}/epoch_{epoch}/trace",
        hardware="{run}/hardware/{variant}/hardware.txt",
        binary=NEUROSIM_BINARY,
    output:
        chip="{run}/hardware/{variant}/epoch_{epoch}/neurosim.csv",
        layers="{run}/hardware/{variant}/epoch_{epoch}/layers.csv",
        floorplan="{run}/hardware/{variant}/epoch_{epoch}/floorplan.json",
    log:
        "logs/{run}/neurosim/{variant}/epoch_{epoch}.log",
    benchmark:
        "logs/{run}/benchmark/neurosim/{variant}/epoch_{epoch}.tsv"


rule hardware_summary:
    input:
        chip=estimate_files("neurosim.csv"),
        layers=estimate_files("layers.csv"),
    output:
        chip=report(
            "{run}/summary/hardware.csv",
            caption="../report/hardware_table.rst",
            category="Hardware",
        ),
        layers=report(
            "{run}/summary/layers.csv",
            caption="../report/layers_table.rst",
            category="Hardware",
        ),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/summary/hardware.log",
    script:
        "../scripts/hardware_summary.py"


use rule hardware_summary as hardware_summary_of_variant with:
    output:
        chip="{run}/hardware/{variant}/summary/hardware.csv",
        layers="{run}/hardware/{variant}/summary/layers.csv",
    log:
        "logs/{run}/summary/{variant}/hardware.log",
