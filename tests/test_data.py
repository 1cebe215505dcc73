import io
import pickle
import tarfile

import numpy as np
import pytest

from cimtrain import data


def fake_cifar_archive(path, images_per_batch: int = 4) -> None:
    """An archive laid out like cifar-10-python.tar.gz, with few images."""
    rng = np.random.Generator(np.random.PCG64(0))
    with tarfile.open(path, "w:gz") as tar:
        for member in data.CIFAR10_TRAIN_MEMBERS + [data.CIFAR10_TEST_MEMBER]:
            batch = {
                b"data": rng.integers(0, 256, (images_per_batch, 3072), dtype=np.uint8),
                b"labels": list(rng.integers(0, 10, images_per_batch)),
            }
            payload = pickle.dumps(batch)
            info = tarfile.TarInfo(member)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))


def test_cifar_batches_decode_to_channel_first_uint8(tmp_path):
    archive = tmp_path / "cifar-10-python.tar.gz"
    fake_cifar_archive(archive)
    dataset = data.read_cifar10(archive)
    assert dataset.train_images.shape == (20, 3, 32, 32)
    assert dataset.test_images.shape == (4, 3, 32, 32)
    assert dataset.train_images.dtype == np.uint8 and dataset.train_labels.dtype == np.int64
    with tarfile.open(archive) as tar:
        first = pickle.load(tar.extractfile(data.CIFAR10_TRAIN_MEMBERS[0]), encoding="bytes")
    # Row-major 3072 bytes: 1024 red, then green, then blue.
    assert np.array_equal(dataset.train_images[0, 1].ravel(), first[b"data"][0, 1024:2048])


def test_wrong_archive_md5_is_named(tmp_path):
    archive = tmp_path / "cifar-10-python.tar.gz"
    fake_cifar_archive(archive)
    with pytest.raises(data.DatasetError, match="cifar-10-python.tar.gz: md5"):
        data.fetch_cifar10_archive(str(archive), tmp_path)
    with pytest.raises(data.DatasetError, match="dataset.archive: .*missing.tar.gz"):
        data.fetch_cifar10_archive(str(tmp_path / "missing.tar.gz"), tmp_path)


def test_failed_download_says_what_to_fetch_and_where(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "CIFAR10_URL", "http://127.0.0.1:9/cifar-10-python.tar.gz")
    with pytest.raises(data.DatasetError) as error:
        data.fetch_cifar10_archive(None, tmp_path / "downloads")
    message = str(error.value)
    assert "cifar-10-python.tar.gz" in message and "dataset.archive" in message
    assert str(tmp_path / "downloads" / "cifar-10-python.tar.gz") in message
    assert not list((tmp_path / "downloads").glob("*"))  # nothing half-written


def test_digits_are_upsampled_split_and_stable(tmp_path):
    first = data.make_digits(0.2, seed=0)
    again = data.make_digits(0.2, seed=0)
    assert np.array_equal(first.test_labels, again.test_labels)
    assert first.train_images.shape[1:] == (3, 32, 32)
    assert len(first.train_images) + len(first.test_images) == 1797
    assert len(first.test_images) == round(1797 * 0.2)
    image = first.train_images[0]
    assert np.array_equal(image[0], image[2])  # grey
    assert np.array_equal(image[0, ::4, ::4].repeat(4, 0).repeat(4, 1), image[0])
    assert image.max() <= 255 and set(first.train_labels.tolist()) == set(range(10))
    data.save(first, tmp_path / "digits")
    loaded = data.load(tmp_path / "digits")
    assert np.array_equal(loaded.train_images, first.train_images)


def test_damaged_prepared_arrays_are_named(tmp_path):
    data.save(data.make_digits(0.2, seed=0), tmp_path)
    np.save(tmp_path / "test_images.npy", np.zeros((3, 32, 32), dtype=np.uint8))
    with pytest.raises(data.DatasetError, match="test_images.npy"):
        data.load(tmp_path)
    (tmp_path / "train_labels.npy").unlink()
    with pytest.raises(data.DatasetError, match="train_labels.npy: missing"):
        data.load(tmp_path)
