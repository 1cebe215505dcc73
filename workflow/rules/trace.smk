rule trace:
    input:
        checkpoint=f"{RESULTS}/epoch_{{epoch}}/checkpoint.pt",
        dataset=dataset_files(),
    output:
        # Temporary unless trace.keep: a trace is removed once its estimate exists.
        trace=(
            directory(f"{RESULTS}/epoch_{{epoch}}/trace")
            if config["trace"]["keep"]
            else temp(directory(f"{RESULTS}/epoch_{{epoch}}/trace"))
        ),
        # Kept: the input activity of each layer, for the summaries.
        activity=f"{RESULTS}/epoch_{{epoch}}/input_activity.json",
    params:
        model=config["model"],
        quant=config["quant"],
        # trace.every and trace.keep choose and keep traces; they do not change one.
        samples=config["trace"]["samples"],
        batch_size=config["train"]["batch_size"],
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/trace/epoch_{epoch}.log",
    script:
        "../scripts/trace.py"
