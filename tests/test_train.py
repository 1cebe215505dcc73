import numpy as np
import pytest
import torch
from conftest import tiny_config

from cimtrain import stages, train
from cimtrain.data import Dataset

CPU = torch.device("cpu")


def synthetic_dataset(count: int = 96, seed: int = 0, white: bool = False) -> Dataset:
    rng = np.random.Generator(np.random.PCG64(seed))
    images = rng.integers(0, 256, size=(count, 3, 32, 32), dtype=np.uint8)
    if white:
        images[:] = 255
    labels = rng.integers(0, 10, size=count).astype(np.int64)
    return Dataset(images, labels, images[:32].copy(), labels[:32].copy())


def run(config: dict, checkpoint: dict, dataset: Dataset, tmp_path, epochs: int,
        via_files: bool) -> dict:
    """Train `epochs` epochs in this process, optionally through checkpoint files."""
    stages.make_device(config["device"], config["model"],
                       tmp_path / "device.json", tmp_path / "d2d.npz", log=lambda _: None)
    info, deviations = stages.load_device(tmp_path / "device.json", tmp_path / "d2d.npz")
    data = train.DeviceData.from_dataset(dataset, CPU)
    curves = train.load_curves(info, deviations, checkpoint["layer_names"], CPU)
    for epoch in range(1, epochs + 1):
        result = train.train_epoch(checkpoint, config, data, curves, info, CPU, lambda _: None)
        checkpoint = result.checkpoint
        if via_files:
            path = tmp_path / f"epoch_{epoch:03d}.pt"
            train.save_checkpoint(checkpoint, path)
            checkpoint = train.load_checkpoint(path)
    return checkpoint


def test_epochs_as_jobs_equal_one_process(tmp_path):
    config = tiny_config(train={"reset_velocity_each_epoch": False})
    start = train.initial_checkpoint(config["model"], config["quant"], config["seed"])
    dataset = synthetic_dataset()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = run(config, start, dataset, tmp_path / "a", 3, via_files=False)
    jobs = run(config, start, dataset, tmp_path / "b", 3, via_files=True)
    for key in ("weights", "weights_before_last_update", "velocities"):
        for x, y in zip(one[key], jobs[key], strict=True):
            assert torch.equal(x, y)
    assert any(not torch.equal(a, b) for a, b in zip(start["weights"], one["weights"],
                                                    strict=True))
    train.save_checkpoint(one, tmp_path / "one.pt")
    train.save_checkpoint(jobs, tmp_path / "jobs.pt")
    assert (tmp_path / "one.pt").read_bytes() == (tmp_path / "jobs.pt").read_bytes()


def test_weights_stay_on_device_range_and_old_weights_precede_last_update(tmp_path):
    config = tiny_config(device={"sigma_c2c": 0.0})
    start = train.initial_checkpoint(config["model"], config["quant"], config["seed"])
    end = run(config, start, synthetic_dataset(), tmp_path, 1, via_files=False)
    for weight, old in zip(end["weights"], end["weights_before_last_update"], strict=True):
        assert weight.abs().max() <= 15 / 16
        # Without c2c noise weights move in whole grid steps; the last update moved some.
        steps = (weight - old) * 16
        free = weight.abs() < 15 / 16  # the clamp at the range ends may cut a step short
        assert torch.allclose(steps[free], torch.round(steps[free]), atol=1e-5)
        assert not torch.equal(weight, old)
        assert steps.abs().max() <= 2.0 + 1e-5


def test_zero_gradients_never_stop_training(tmp_path):
    """A dead network (every ReLU off) has all-zero gradients: the reference dies ('QG blow')."""
    config = tiny_config(train={"augment": False}, device={"sigma_c2c": 0.01})
    start = train.initial_checkpoint(config["model"], config["quant"], config["seed"])
    start["weights"][0] = torch.full_like(start["weights"][0], -0.5)  # white images -> all < 0
    end = run(config, start, synthetic_dataset(white=True), tmp_path, 1, via_files=False)
    for before, after in zip(start["weights"], end["weights"], strict=True):
        assert torch.equal(before, after)  # no pulse, hence no c2c noise either


def test_grad_scale_schedule():
    config = tiny_config(train={"grad_scale_decay_epochs": [200, 250]})["train"]
    assert train.grad_scale_at(1, config) == 1.0
    assert train.grad_scale_at(200, config) == 1.0
    assert train.grad_scale_at(201, config) == 1 / 8
    assert train.grad_scale_at(251, config) == 1 / 64


def reference_grad_scales(epochs: int, decay_epochs: list[int]) -> list[float]:
    """The reference's loop over epoch indices 0, 1, ...: at the start of index i, divide by 8
    when i is in the list. Entry i is the scale of the 1-based epoch i + 1."""
    scale, scales = 1.0, []
    for index in range(epochs):
        if index in decay_epochs:
            scale /= 8
        scales.append(scale)
    return scales


def first_epochs_of_each_scale(scales: list[float]) -> list[int]:
    """1-based epochs where the scale differs from the epoch before."""
    return [e for e in range(2, len(scales) + 1) if scales[e - 1] != scales[e - 2]]


@pytest.mark.parametrize("quirks", ["none", ["epoch_numbering"], "all"])
def test_grad_scale_changes_where_the_reference_changes_it(quirks):
    """Decay epochs 200 and 250: the reference divides at the start of its indices 200 and 250,
    our epochs 201 and 251, in every mode (the quirk moves nothing here)."""
    config = tiny_config(train={"grad_scale_decay_epochs": [200, 250],
                                "reference_quirks": quirks})["train"]
    ours = [train.grad_scale_at(e, config) for e in range(1, 301)]
    assert first_epochs_of_each_scale(ours) == [201, 251]
    assert ours == reference_grad_scales(300, [200, 250])
    assert (ours[199], ours[200], ours[250]) == (1.0, 1 / 8, 1 / 64)


def test_epoch_numbering_divides_once_for_a_decay_epoch_listed_twice():
    """The reference asks whether the index is in the list: [3, 3] divides once, by 8, from our
    epoch 4; counted per entry (the default) it divides twice, by 64."""
    listed_twice = {"grad_scale_decay_epochs": [3, 3, 5]}
    default = tiny_config(train=listed_twice)["train"]
    quirk = tiny_config(train=listed_twice | {"reference_quirks": ["epoch_numbering"]})["train"]
    assert [train.grad_scale_at(e, default) for e in (3, 4, 6)] == [1.0, 1 / 64, 1 / 512]
    assert [train.grad_scale_at(e, quirk) for e in (3, 4, 6)] == [1.0, 1 / 8, 1 / 64]
    assert [train.grad_scale_at(e, quirk) for e in range(1, 9)] == \
        reference_grad_scales(8, [3, 3, 5])


def test_augment_is_a_seeded_crop_or_flip():
    images = torch.arange(2 * 3 * 32 * 32, dtype=torch.float32).reshape(2, 3, 32, 32)
    first = train.augment(images, torch.Generator().manual_seed(4))
    again = train.augment(images, torch.Generator().manual_seed(4))
    assert torch.equal(first, again) and first.shape == images.shape
    for out, original in zip(first, images, strict=True):
        padded = torch.nn.functional.pad(original, (4, 4, 4, 4))
        matches = [
            (top, left, flip)
            for top in range(9) for left in range(9) for flip in (False, True)
            if torch.equal(
                out, (padded[:, top:top + 32, left:left + 32].flip(-1) if flip
                      else padded[:, top:top + 32, left:left + 32]))
        ]
        assert matches


def test_initial_weights_inside_device_range():
    config = tiny_config()
    start = train.initial_checkpoint(config["model"], config["quant"], config["seed"])
    for weight, unclipped in zip(start["weights"], start["unclipped_weights"], strict=True):
        assert weight.abs().max() <= 15 / 16
        assert weight.abs().max() == 15 / 16  # the WAGE limit 1.5 was clipped
        assert torch.equal(weight, unclipped.clamp(-15 / 16, 15 / 16))
        assert unclipped.abs().max() > 1.4


def test_reference_quirks_are_validated():
    assert train.resolve_quirks("none") == frozenset()
    assert train.resolve_quirks("all") == frozenset(train.REFERENCE_QUIRKS)
    assert train.resolve_quirks(["draw_order"]) == {"draw_order"}
    with pytest.raises(ValueError, match="unknown quirk 'momentum'.*velocity_in_place"):
        train.resolve_quirks(["momentum"])
    with pytest.raises(ValueError, match="not none, all or a list"):
        train.resolve_quirks("some")


def test_unclipped_init_quirk_starts_epoch_one_beyond_the_range(tmp_path):
    config = tiny_config(train={"reference_quirks": ["unclipped_init"]})
    start = train.initial_checkpoint(config["model"], config["quant"], config["seed"])
    clipped = run(tiny_config(), start, synthetic_dataset(), tmp_path, 1, via_files=False)
    unclipped = run(config, start, synthetic_dataset(), tmp_path, 1, via_files=False)
    assert not torch.equal(clipped["weights"][0], unclipped["weights"][0])
    for weight in unclipped["weights"]:
        assert weight.abs().max() <= 15 / 16  # the first update's clamp brings them in


def test_velocity_in_place_leaves_the_velocity_normalized(tmp_path):
    config = tiny_config(train={"reference_quirks": ["velocity_in_place"],
                                "reset_velocity_each_epoch": False})
    start = train.initial_checkpoint(config["model"], config["quant"], config["seed"])
    end = run(config, start, synthetic_dataset(), tmp_path, 1, via_files=False)
    for velocity in end["velocities"]:
        # Divided by the power of two nearest its maximum: the maximum is in [2^-0.5, 2^0.5].
        assert 2**-0.5 <= float(velocity.abs().max()) <= 2**0.5


def test_damaged_checkpoint_is_named(tmp_path):
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(train.CheckpointError, match="checkpoint.pt"):
        train.load_checkpoint(path)
    with pytest.raises(train.CheckpointError, match="no such checkpoint"):
        train.load_checkpoint(tmp_path / "missing.pt")


def test_checkpoint_and_model_config_must_agree():
    config = tiny_config()
    start = train.initial_checkpoint(config["model"], config["quant"], config["seed"])
    wider = tiny_config(model={"layers": [{"type": "conv", "out": 6, "kernel": 3},
                                          {"type": "pool", "size": 2},
                                          {"type": "conv", "out": 8, "kernel": 3},
                                          {"type": "pool", "size": 4},
                                          {"type": "fc", "out": 16},
                                          {"type": "fc", "out": 10}]})
    with pytest.raises(train.CheckpointError, match="conv1"):
        train.model_from_checkpoint(start, wider["model"], wider["quant"])
