rule device:
    output:
        summary=f"{RESULTS}/device/device.json",
        variation=f"{RESULTS}/device/d2d_variation.npz",
    params:
        device=config["device"],
        model=config["model"],
        quant=config["quant"],
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/device.log",
    script:
        "../scripts/device.py"
