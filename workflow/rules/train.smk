rule init_model:
    output:
        "{run}/epoch_000/checkpoint.pt",
    params:
        seed=read_by("init_model", "seed"),
        model=read_by("init_model", "model"),
        quant=read_by("init_model", "quant"),
        dataset=read_by("init_model", "dataset"),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/train/epoch_000.log",
    script:
        "../scripts/init_model.py"


rule train_epoch:
    input:
        previous=previous_checkpoint,
        dataset=dataset_files,
        device="{run}/device/device.json",
        variation="{run}/device/d2d_variation.npz",
    output:
        checkpoint="{run}/epoch_{epoch}/checkpoint.pt",
        metrics="{run}/epoch_{epoch}/metrics.json",
    params:
        sections=reads("train_epoch"),
    wildcard_constraints:
        epoch=r"(?!000)\d{3}",
    threads: 4
    resources:
        gpu=lambda wildcards: int(RUNS[wildcards.run]["train"]["device"] == "cuda"),
        mem_mb=4000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/train/epoch_{epoch}.log",
    benchmark:
        "logs/{run}/benchmark/train/epoch_{epoch}.tsv"
    script:
        "../scripts/train_epoch.py"


rule training_summary:
    input:
        metrics=metrics_files,
        activity=activity_files,
    output:
        training=report(
            "{run}/summary/training.csv",
            caption="../report/training_table.rst",
            category="Training",
        ),
        histograms="{run}/summary/weight_histograms.csv",
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/summary/training.log",
    script:
        "../scripts/training_summary.py"
