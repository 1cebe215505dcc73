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
    output:
        f"{RESULTS}/hardware/hardware.txt",
    params:
        hardware=hardware_settings(),
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/neurosim/hardware_file.log",
    script:
        "../scripts/hardware_file.py"


rule neurosim:
    input:
        trace=f"{RESULTS}/epoch_{{epoch}}/trace",
        hardware=rules.hardware_file.output[0],
        binary=NEUROSIM_BINARY,
    output:
        chip=f"{RESULTS}/epoch_{{epoch}}/neurosim.csv",
        layers=f"{RESULTS}/epoch_{{epoch}}/layers.csv",
        floorplan=f"{RESULTS}/epoch_{{epoch}}/floorplan.json",
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/neurosim/epoch_{epoch}.log",
    script:
        "../scripts/neurosim.py"


rule hardware_summary:
    input:
        chip=expand(f"{RESULTS}/epoch_{{epoch:03d}}/neurosim.csv", epoch=traced()),
        layers=expand(f"{RESULTS}/epoch_{{epoch:03d}}/layers.csv", epoch=traced()),
    output:
        chip=report(
            f"{RESULTS}/summary/hardware.csv",
            caption="../report/hardware_table.rst",
            category="Hardware",
        ),
        layers=report(
            f"{RESULTS}/summary/layers.csv",
            caption="../report/layers_table.rst",
            category="Hardware",
        ),
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/summary/hardware.log",
    script:
        "../scripts/hardware_summary.py"
