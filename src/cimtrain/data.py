"""Datasets, prepared once into uint8 arrays (N, 3, 32, 32) and int64 labels.

Training keeps a prepared dataset on its compute device and never decodes images per step.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cimtrain.files import replaced_atomically

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_TRAIN_MEMBERS = [f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)]
CIFAR10_TEST_MEMBER = "cifar-10-batches-py/test_batch"

SPLITS = ("train", "test")
ARRAY_FILES = ("train_images.npy", "train_labels.npy", "test_images.npy", "test_labels.npy")


class DatasetError(RuntimeError):
    """A dataset that cannot be obtained or read, with what to do about it."""


@dataclass
class Dataset:
    train_images: np.ndarray  # uint8 (N, 3, 32, 32)
    train_labels: np.ndarray  # int64 (N,)
    test_images: np.ndarray
    test_labels: np.ndarray

    @property
    def num_classes(self) -> int:
        return int(max(self.train_labels.max(), self.test_labels.max())) + 1


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_cifar10_archive(archive: str | None, download_dir: Path) -> Path:
    """A verified cifar-10-python.tar.gz: the configured local archive, or a download."""
    if archive:
        path = Path(archive)
        if not path.is_file():
            raise DatasetError(f"dataset.archive: {path} does not exist")
    else:
        path = download_dir / "cifar-10-python.tar.gz"
        if not path.is_file():
            _download(CIFAR10_URL, path)
    checksum = md5_of(path)
    if checksum != CIFAR10_MD5:
        raise DatasetError(
            f"{path}: md5 {checksum} does not match {CIFAR10_MD5}; the archive is damaged or "
            f"not {CIFAR10_URL.rsplit('/', 1)[1]}"
        )
    return path


def _download(url: str, destination: Path) -> None:
    try:
        with (replaced_atomically(destination) as partial,
              urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as out):
            while block := response.read(1 << 20):
                out.write(block)
    except (urllib.error.URLError, OSError) as error:
        raise DatasetError(
            f"could not download {url} ({error}). Download it by hand and either place it at "
            f"{destination} or set dataset.archive to its path in the config."
        ) from error


def read_cifar10(archive: Path) -> Dataset:
    """Decode the python-pickle batches of the CIFAR-10 archive."""
    with tarfile.open(archive, "r:gz") as tar:
        train = [_read_cifar_batch(tar, name) for name in CIFAR10_TRAIN_MEMBERS]
        test_images, test_labels = _read_cifar_batch(tar, CIFAR10_TEST_MEMBER)
    return Dataset(
        np.concatenate([images for images, _ in train]),
        np.concatenate([labels for _, labels in train]),
        test_images,
        test_labels,
    )


def _read_cifar_batch(tar: tarfile.TarFile, member: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        stream = tar.extractfile(member)
    except KeyError as error:
        raise DatasetError(f"{tar.name}: missing member {member}") from error
    batch = pickle.load(io.BytesIO(stream.read()), encoding="bytes")
    images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    return images, labels


def make_digits(test_fraction: float, seed: int) -> Dataset:
    """scikit-learn's 8x8 digits as 32x32 RGB: each pixel becomes a 4x4 block, grey in 3 channels.

    The split is a fixed permutation drawn from `seed`.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    grey = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)  # (N, 8, 8), 0..16 -> 0..255
    upsampled = grey.repeat(4, axis=1).repeat(4, axis=2)
    images = np.ascontiguousarray(np.broadcast_to(upsampled[:, None], (len(grey), 3, 32, 32)))
    labels = digits.target.astype(np.int64)
    order = np.random.Generator(np.random.PCG64(seed)).permutation(len(images))
    test_count = int(round(len(images) * test_fraction))
    test, train = order[:test_count], order[test_count:]
    return Dataset(images[train], labels[train], images[test], labels[test])


def prepare(dataset_config: dict, download_dir: Path) -> Dataset:
    """The dataset a config names, decoded into arrays."""
    name = dataset_config["name"]
    if name == "digits":
        return make_digits(float(dataset_config["digits_test_fraction"]),
                           int(dataset_config["digits_split_seed"]))
    if name == "cifar10":
        return read_cifar10(fetch_cifar10_archive(dataset_config.get("archive"), download_dir))
    raise DatasetError(f"dataset.name: unknown dataset {name!r}")


def save(dataset: Dataset, out_dir: Path) -> None:
    """Write the arrays as .npy files; each appears complete or not at all."""
    arrays = (dataset.train_images, dataset.train_labels, dataset.test_images, dataset.test_labels)
    for name, array in zip(ARRAY_FILES, arrays, strict=True):
        with replaced_atomically(out_dir / name) as partial, open(partial, "wb") as stream:
            np.save(stream, array)


def load(directory: Path) -> Dataset:
    """Read prepared arrays, checking their dtypes and shapes."""
    arrays = []
    for name in ARRAY_FILES:
        path = Path(directory) / name
        if not path.is_file():
            raise DatasetError(f"{path}: missing; run the dataset stage first")
        arrays.append(np.load(path))
    dataset = Dataset(*arrays)
    for split in SPLITS:
        images = getattr(dataset, f"{split}_images")
        labels = getattr(dataset, f"{split}_labels")
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (3, 32, 32):
            raise DatasetError(f"{directory}/{split}_images.npy: expected uint8 (N, 3, 32, 32)")
        if labels.shape != (len(images),):
            raise DatasetError(f"{directory}/{split}_labels.npy: expected one label per image")
    return dataset
