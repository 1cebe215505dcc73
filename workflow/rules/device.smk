rule device:
    input:
        fit=device_fit_of,
    output:
        summary="{run}/device/device.json",
        variation="{run}/device/d2d_variation.npz",
    params:
        device=read_by("device", "device"),
        model=read_by("device", "model"),
        dataset=read_by("device", "dataset"),
    threads: 1
    resources:
        mem_mb=1000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/{run}/device.log",
    script:
        "../scripts/device.py"
