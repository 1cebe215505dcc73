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
        dataset=dataset_section,
    threads: 1
    resources:
        mem_mb=2000,
    conda:
        "../envs/cimtrain.yaml"
    log:
        "logs/dataset/{dataset}.log",
    script:
        "../scripts/dataset.py"
