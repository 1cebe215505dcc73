rule trace:
    input:
        checkpoint="{run}/epoch_{epoch}/checkpoint.pt",
        dataset=dataset_files,
    output:
        # Temporary unless trace.keep: a trace is removed once its estimates exist.
        trace=(
            directory("{run}/epoch_{epoch}/trace")
            if config["trace"]["keep"]
            else temp(directory("{run}/epoch_{epoch}/trace"))
        ),
        # Kept: the input activity of each layer, for the summaries.
        activity="{run}/epoch_{epoch}/input_activity.json",
    params:
        # trace.every and trace.keep choose and keep traces; they do not change one.
        model=read_by("trace", "model"),
        quant=read_by("trace", "quant"),
        dataset=read_by("trace", "dataset"),
        samples=lambda wildcards: stage_params("trace", RUNS[wildcards.run])["trace"]["samples"],
        batch_size=lambda wildcards: stage_params("trace", RUNS[wildcards.run])["train"][
            "batch_size"
        ],
    threads: 1
    resources:
        mem_mb=4000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/trace/epoch_{epoch}.log",
    benchmark:
        "logs/{run}/benchmark/trace/epoch_{epoch}.tsv"
    script:
        "../scripts/trace.py"
