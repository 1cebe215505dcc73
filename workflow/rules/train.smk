rule init_model:
    output:
        f"{RESULTS}/epoch_000/checkpoint.pt",
    params:
        seed=config["seed"],
        model=config["model"],
        quant=config["quant"],
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/train/epoch_000.log",
    script:
        "../scripts/init_model.py"


rule train_epoch:
    input:
        previous=previous_checkpoint,
        dataset=dataset_files(),
        device=rules.device.output.summary,
        variation=rules.device.output.variation,
    output:
        checkpoint=f"{RESULTS}/epoch_{{epoch}}/checkpoint.pt",
        metrics=f"{RESULTS}/epoch_{{epoch}}/metrics.json",
    params:
        sections=training_sections(),
    wildcard_constraints:
        epoch=r"(?!000)\d{3}",
    threads: 4
    resources:
        gpu=1 if config["train"]["device"] == "cuda" else 0,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/train/epoch_{epoch}.log",
    script:
        "../scripts/train_epoch.py"


rule training_summary:
    input:
        metrics=expand(
            f"{RESULTS}/epoch_{{epoch:03d}}/metrics.json", epoch=range(1, config["epochs"] + 1)
        ),
        activity=activity_files(),
    output:
        training=report(
            f"{RESULTS}/summary/training.csv",
            caption="../report/training_table.rst",
            category="Training",
        ),
        histograms=f"{RESULTS}/summary/weight_histograms.csv",
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/summary/training.log",
    script:
        "../scripts/training_summary.py"
