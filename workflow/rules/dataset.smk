rule dataset:
    output:
        multiext(
            f"{RESOURCES}/datasets/{{dataset}}/",
            "train_images.npy",
            "train_labels.npy",
            "test_images.npy",
            "test_labels.npy",
        ),
    params:
        dataset=config["dataset"],
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/dataset/{dataset}.log",
    script:
        "../scripts/dataset.py"
