import gzip
import hashlib
import io
import pickle
import tarfile

import numpy as np
import pytest

from cimtrain import data

# sha256 of digits' training images and test labels (split 0.2, seed 0) as first prepared.
DIGITS_DIGEST = "68de63b9c975c659"


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


# ----------------------------------------------------------------------------- input shapes


@pytest.mark.parametrize(
    ("name", "shape", "classes"),
    [
        ("digits", (3, 32, 32), 10),
        ("cifar10", (3, 32, 32), 10),
        ("cifar100", (3, 32, 32), 100),
        ("mnist", (1, 28, 28), 10),
        ("fashion_mnist", (1, 28, 28), 10),
    ],
)
def test_input_shape_and_classes_come_from_the_dataset(name, shape, classes):
    assert data.input_shape({"name": name}) == shape
    assert data.class_count({"name": name}) == classes
    assert data.input_shape(name) == shape


def test_unknown_dataset_names_the_known_ones():
    with pytest.raises(data.DatasetError, match="unknown dataset 'svhn'; known: digits, mnist"):
        data.input_shape({"name": "svhn"})


def test_digits_stay_the_demo_arrays():
    """digits stands in for CIFAR-10: its arrays are those every demo figure was made with."""
    digits = data.make_digits(0.2, seed=0)
    assert digits.train_images.shape == (1438, 3, 32, 32)
    digest = hashlib.sha256(digits.train_images.tobytes() + digits.test_labels.tobytes())
    assert digest.hexdigest()[:16] == DIGITS_DIGEST


# ----------------------------------------------------------------------------- idx (MNIST)


def write_idx(path, array: np.ndarray) -> None:
    """An idx file of unsigned bytes, gzip-compressed, as the MNIST authors publish them."""
    header = bytes((0, 0, 0x08, array.ndim)) + np.asarray(array.shape, dtype=">u4").tobytes()
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def fake_idx_directory(folder, train: int = 6, test: int = 4, size: int = 28) -> dict:
    """The four .gz files of an MNIST-style dataset with random content; returns the arrays."""
    rng = np.random.Generator(np.random.PCG64(1))
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train_images": rng.integers(0, 256, (train, size, size), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (test, size, size), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, test, dtype=np.uint8),
    }
    for key, array in arrays.items():
        write_idx(folder / data.IDX_FILES[key], array)
    return arrays


def trust(monkeypatch, name: str, folder) -> None:
    """Make the md5 sums of the files in `folder` the expected ones of dataset `name`."""
    constant = {"mnist": "MNIST_MD5", "fashion_mnist": "FASHION_MNIST_MD5"}[name]
    sums = {file: data.md5_of(folder / file) for file in data.IDX_FILES.values()}
    monkeypatch.setattr(data, constant, sums)


def test_idx_round_trip(tmp_path):
    array = np.arange(2 * 3 * 5, dtype=np.uint8).reshape(2, 3, 5)
    write_idx(tmp_path / "x.gz", array)
    read = data.read_idx(tmp_path / "x.gz", 3)
    assert read.dtype == np.uint8 and np.array_equal(read, array)


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_idx_dataset_from_a_local_directory_is_grey_28x28(tmp_path, monkeypatch, name):
    arrays = fake_idx_directory(tmp_path / "files")
    trust(monkeypatch, name, tmp_path / "files")
    dataset = data.prepare({"name": name, "archive": str(tmp_path / "files")}, tmp_path / "dl")
    assert dataset.train_images.shape == (6, 1, 28, 28)
    assert dataset.test_images.shape == (4, 1, 28, 28)
    assert np.array_equal(dataset.train_images[:, 0], arrays["train_images"])
    assert np.array_equal(dataset.test_labels, arrays["test_labels"])
    assert dataset.train_labels.dtype == np.int64
    data.save(dataset, tmp_path / "prepared")
    loaded = data.load(tmp_path / "prepared", {"name": name})
    assert np.array_equal(loaded.test_images, dataset.test_images)
    with pytest.raises(data.DatasetError, match=r"expected uint8 \(N, 3, 32, 32\)"):
        data.load(tmp_path / "prepared", {"name": "digits"})


def test_idx_files_already_downloaded_are_used(tmp_path, monkeypatch):
    fake_idx_directory(tmp_path / "downloads" / "mnist")
    trust(monkeypatch, "mnist", tmp_path / "downloads" / "mnist")
    monkeypatch.setattr(data, "MNIST_URL", "http://127.0.0.1:9/")  # never reached
    dataset = data.prepare({"name": "mnist"}, tmp_path / "downloads")
    assert len(dataset.train_labels) == 6


def test_failed_idx_download_says_what_to_fetch_and_where(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "FASHION_MNIST_URL", "http://127.0.0.1:9/")
    with pytest.raises(data.DatasetError) as error:
        data.prepare({"name": "fashion_mnist"}, tmp_path / "downloads")
    message = str(error.value)
    wanted = tmp_path / "downloads" / "fashion_mnist" / "train-images-idx3-ubyte.gz"
    assert str(wanted) in message and "dataset.archive" in message
    assert not list((tmp_path / "downloads" / "fashion_mnist").glob("*"))


def test_wrong_idx_md5_names_the_file(tmp_path):
    fake_idx_directory(tmp_path)
    with pytest.raises(
        data.DatasetError,
        match=r"train-images-idx3-ubyte.gz: md5 \w+ does not "
        r"match f68b3c2dcbeaaa9fbdd348bbdeb94873",
    ):
        data.prepare({"name": "mnist", "archive": str(tmp_path)}, tmp_path)
    with pytest.raises(data.DatasetError, match="dataset.archive: .*nowhere is not a directory"):
        data.prepare({"name": "mnist", "archive": str(tmp_path / "nowhere")}, tmp_path)


def idx_bytes(magic: bytes, dims: tuple[int, ...], payload: int) -> bytes:
    return magic + np.asarray(dims, dtype=">u4").tobytes() + bytes(payload)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (idx_bytes(bytes((0, 0, 8, 1)), (4,), 4), r"idx magic 00000801, expected 00000803"),
        (idx_bytes(bytes((0, 0, 0x0D, 3)), (1, 2, 2), 4), "idx magic 00000d03"),
        (
            idx_bytes(bytes((0, 0, 8, 3)), (5, 28, 28), 4 * 784),
            r"3136 data bytes, but the header's dimensions \(5, 28, 28\) need 3920",
        ),
        (bytes((0, 0, 8, 3)) + bytes(6), r"idx header cut short \(10 of 16 bytes\)"),
        (b"", "idx magic missing"),
    ],
)
def test_bad_idx_headers_are_named(tmp_path, raw, message):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(data.DatasetError, match="t10k-images-idx3-ubyte.gz: " + message):
        data.read_idx(path, 3)


def test_idx_file_that_is_not_gzip_is_named(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(b"not compressed at all")
    with pytest.raises(data.DatasetError, match="train-labels-idx1-ubyte.gz: not a readable gzip"):
        data.read_idx(path, 1)


def test_idx_images_and_labels_must_agree(tmp_path, monkeypatch):
    arrays = fake_idx_directory(tmp_path)
    write_idx(tmp_path / data.IDX_FILES["test_labels"], arrays["test_labels"][:3])
    files = {key: tmp_path / file for key, file in data.IDX_FILES.items()}
    with pytest.raises(data.DatasetError, match="t10k-labels-idx1-ubyte.gz: 3 labels for 4 images"):
        data.read_idx_dataset(files, "mnist")
    fake_idx_directory(tmp_path, size=32)
    with pytest.raises(data.DatasetError, match="images of 32x32, mnist has 28x28"):
        data.read_idx_dataset(files, "mnist")
    write_idx(tmp_path / data.IDX_FILES["train_labels"], np.full(6, 10, dtype=np.uint8))
    fake_idx_directory(tmp_path / "other")
    files["train_images"] = tmp_path / "other" / data.IDX_FILES["train_images"]
    with pytest.raises(data.DatasetError, match="label 10 outside mnist's 10 classes"):
        data.read_idx_dataset(files, "mnist")


# ----------------------------------------------------------------------------- CIFAR-100


def fake_cifar100_archive(path, train: int = 5, test: int = 3) -> dict:
    """An archive laid out like cifar-100-python.tar.gz (fine and coarse labels)."""
    rng = np.random.Generator(np.random.PCG64(2))
    batches = {}
    with tarfile.open(path, "w:gz") as tar:
        for member, count in (
            (data.CIFAR100_TRAIN_MEMBERS[0], train),
            (data.CIFAR100_TEST_MEMBER, test),
        ):
            batch = {
                b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8),
                b"fine_labels": [int(v) for v in rng.integers(0, 100, count)],
                b"coarse_labels": [int(v) for v in rng.integers(0, 20, count)],
            }
            batches[member] = batch
            payload = pickle.dumps(batch)
            info = tarfile.TarInfo(member)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return batches


def test_cifar100_round_trip_with_fine_labels(tmp_path, monkeypatch):
    archive = tmp_path / "cifar-100-python.tar.gz"
    batches = fake_cifar100_archive(archive)
    monkeypatch.setattr(data, "CIFAR100_MD5", data.md5_of(archive))
    dataset = data.prepare({"name": "cifar100", "archive": str(archive)}, tmp_path)
    train = batches[data.CIFAR100_TRAIN_MEMBERS[0]]
    assert dataset.train_images.shape == (5, 3, 32, 32)
    assert np.array_equal(dataset.train_images.reshape(5, -1), train[b"data"])
    assert dataset.train_labels.tolist() == train[b"fine_labels"]
    assert dataset.test_labels.tolist() == batches[data.CIFAR100_TEST_MEMBER][b"fine_labels"]


def test_cifar100_checksum_and_damaged_batches_are_named(tmp_path, monkeypatch):
    archive = tmp_path / "cifar-100-python.tar.gz"
    fake_cifar100_archive(archive)
    with pytest.raises(data.DatasetError, match="cifar-100-python.tar.gz: md5 .* eb9058c3a3"):
        data.prepare({"name": "cifar100", "archive": str(archive)}, tmp_path)
    with tarfile.open(archive, "w:gz") as tar:  # batches of 3000-byte images
        for member in (data.CIFAR100_TRAIN_MEMBERS[0], data.CIFAR100_TEST_MEMBER):
            payload = pickle.dumps({b"data": np.zeros((2, 3000), np.uint8), b"fine_labels": [0, 1]})
            info = tarfile.TarInfo(member)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    monkeypatch.setattr(data, "CIFAR100_MD5", data.md5_of(archive))
    with pytest.raises(data.DatasetError, match=r"cifar-100-python/train: data \(2, 3000\)"):
        data.prepare({"name": "cifar100", "archive": str(archive)}, tmp_path)


def test_prepared_labels_outside_the_classes_are_named(tmp_path):
    data.save(data.make_digits(0.2, seed=0), tmp_path)
    np.save(tmp_path / "test_labels.npy", np.full(359, 12, dtype=np.int64))
    with pytest.raises(
        data.DatasetError, match="test_labels.npy: labels 12 to 12, the dataset has classes 0 to 9"
    ):
        data.load(tmp_path, "digits")
