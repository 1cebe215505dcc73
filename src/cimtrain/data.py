"""Datasets, prepared once into uint8 arrays (N, C, H, W) and int64 labels.

Every dataset has a fixed image shape and class count (`DATASETS`), known from the config alone:
the network's input and its last layer's width follow them, and the checks that run before any
job need them before the dataset is prepared. Training keeps a prepared dataset on its compute
device and never decodes images per step.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import pickle
import tarfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cimtrain.files import replaced_atomically


@dataclass(frozen=True)
class DatasetSpec:
    """What a dataset is, before it is prepared.

    test_images: None where a config key sets it (digits: dataset.digits_test_fraction).
    """

    image_shape: tuple[int, int, int]  # channels, height, width
    classes: int
    test_images: int | None
    description: str


DATASETS: dict[str, DatasetSpec] = {
    # scikit-learn's 8x8 digits upsampled to 3x32x32: an offline stand-in for CIFAR-10's shape.
    "digits": DatasetSpec((3, 32, 32), 10, None, "scikit-learn's 1797 8x8 digits as 32x32 RGB "
                          "(offline)"),
    "mnist": DatasetSpec((1, 28, 28), 10, 10_000, "MNIST handwritten digits, 28x28 grey"),
    "fashion_mnist": DatasetSpec((1, 28, 28), 10, 10_000, "Fashion-MNIST clothing, 28x28 grey"),
    "cifar10": DatasetSpec((3, 32, 32), 10, 10_000, "CIFAR-10, 32x32 RGB"),
    "cifar100": DatasetSpec((3, 32, 32), 100, 10_000, "CIFAR-100 (fine labels), 32x32 RGB"),
}
DEFAULT_DATASET = "cifar10"  # the schema's default; library calls without a dataset mean it
DIGITS_IMAGES = 1797  # scikit-learn's load_digits(); the split cuts a share of them for testing

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_TRAIN_MEMBERS = [f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)]
CIFAR10_TEST_MEMBER = "cifar-10-batches-py/test_batch"
CIFAR100_URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
CIFAR100_MD5 = "eb9058c3a382ffc7106e4002c42a8d85"
CIFAR100_TRAIN_MEMBERS = ["cifar-100-python/train"]
CIFAR100_TEST_MEMBER = "cifar-100-python/test"
CIFAR_IMAGE_BYTES = 3 * 32 * 32

# The idx files of MNIST and Fashion-MNIST (same names, different content) and their md5 sums,
# as the datasets' authors publish them.
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
IDX_UNSIGNED_BYTE = 0x08  # the idx type code of uint8 data

SPLITS = ("train", "test")
ARRAY_FILES = ("train_images.npy", "train_labels.npy", "test_images.npy", "test_labels.npy")


class DatasetError(RuntimeError):
    """A dataset that cannot be obtained or read, with what to do about it."""


@dataclass
class Dataset:
    train_images: np.ndarray  # uint8 (N, C, H, W), the dataset's image_shape
    train_labels: np.ndarray  # int64 (N,)
    test_images: np.ndarray
    test_labels: np.ndarray


def spec(dataset: Mapping | str | None = None) -> DatasetSpec:
    """The DatasetSpec of a dataset config section (or a name; None: the default dataset)."""
    name = dataset if isinstance(dataset, str) else (dataset or {}).get("name", DEFAULT_DATASET)
    if name not in DATASETS:
        raise DatasetError(f"dataset.name: unknown dataset {name!r}; known: "
                           f"{', '.join(DATASETS)}")
    return DATASETS[name]


def input_shape(dataset: Mapping | str | None = None) -> tuple[int, int, int]:
    """The network input of a dataset: its images' (channels, height, width)."""
    return spec(dataset).image_shape


def class_count(dataset: Mapping | str | None = None) -> int:
    """Classes of a dataset: the width of the network's last layer."""
    return spec(dataset).classes


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_file(path: Path, url: str, md5: str, configured: bool) -> Path:
    """`path` after checking its md5; downloaded from `url` first when missing and not
    configured (a configured file must exist)."""
    if not path.is_file():
        if configured:
            raise DatasetError(f"dataset.archive: {path} does not exist")
        _download(url, path)
    checksum = md5_of(path)
    if checksum != md5:
        raise DatasetError(
            f"{path}: md5 {checksum} does not match {md5}; the file is damaged or not "
            f"{url.rsplit('/', 1)[1]} (delete it to download it again, or fetch it from {url})"
        )
    return path


def fetch_cifar_archive(url: str, md5: str, archive: str | None, download_dir: Path) -> Path:
    """A verified CIFAR archive: the configured local archive, or a download."""
    if archive:
        return verified_file(Path(archive), url, md5, configured=True)
    return verified_file(Path(download_dir) / url.rsplit("/", 1)[1], url, md5, configured=False)


def fetch_cifar10_archive(archive: str | None, download_dir: Path) -> Path:
    """A verified cifar-10-python.tar.gz: the configured local archive, or a download."""
    return fetch_cifar_archive(CIFAR10_URL, CIFAR10_MD5, archive, download_dir)


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
    return _read_cifar(archive, CIFAR10_TRAIN_MEMBERS, CIFAR10_TEST_MEMBER, b"labels")


def read_cifar100(archive: Path) -> Dataset:
    """Decode the CIFAR-100 archive with its fine labels (100 classes; the 20 coarse
    superclasses are not used)."""
    return _read_cifar(archive, CIFAR100_TRAIN_MEMBERS, CIFAR100_TEST_MEMBER, b"fine_labels")


def _read_cifar(archive: Path, train_members: list[str], test_member: str,
                label_key: bytes) -> Dataset:
    with tarfile.open(archive, "r:gz") as tar:
        train = [_read_cifar_batch(tar, name, label_key) for name in train_members]
        test_images, test_labels = _read_cifar_batch(tar, test_member, label_key)
    return Dataset(
        np.concatenate([images for images, _ in train]),
        np.concatenate([labels for _, labels in train]),
        test_images,
        test_labels,
    )


def _read_cifar_batch(tar: tarfile.TarFile, member: str,
                      label_key: bytes) -> tuple[np.ndarray, np.ndarray]:
    where = f"{tar.name}: {member}"
    try:
        stream = tar.extractfile(member)
    except KeyError as error:
        raise DatasetError(f"{tar.name}: missing member {member}") from error
    batch = pickle.load(io.BytesIO(stream.read()), encoding="bytes")
    if not isinstance(batch, dict) or b"data" not in batch or label_key not in batch:
        raise DatasetError(f"{where}: expected a batch with data and {label_key.decode()}")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[label_key], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != CIFAR_IMAGE_BYTES or labels.shape != (len(data),):
        raise DatasetError(f"{where}: data {data.shape} and {len(labels)} labels; expected "
                           f"(N, {CIFAR_IMAGE_BYTES}) and N labels")
    return data.reshape(-1, 3, 32, 32), labels


# ----------------------------------------------------------------------------- idx (MNIST)

def _idx_source(name: str) -> tuple[str, dict[str, str]]:
    """Base URL and md5 sums of an idx dataset (read when called, so tests can replace them)."""
    return {"mnist": (MNIST_URL, MNIST_MD5),
            "fashion_mnist": (FASHION_MNIST_URL, FASHION_MNIST_MD5)}[name]


def fetch_idx_files(name: str, archive: str | None, download_dir: Path) -> dict[str, Path]:
    """The four verified .gz files of an idx dataset (split key -> path).

    archive: a directory holding the four files under their official names; without it they
    are downloaded into download_dir/<name>/.
    """
    url, md5s = _idx_source(name)
    if archive:
        folder = Path(archive)
        if not folder.is_dir():
            raise DatasetError(f"dataset.archive: {folder} is not a directory; for {name} it "
                               f"names a directory holding {', '.join(IDX_FILES.values())}")
    else:
        folder = Path(download_dir) / name
    return {key: verified_file(folder / file, url + file, md5s[file], configured=bool(archive))
            for key, file in IDX_FILES.items()}


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """An idx file of unsigned bytes with `ndim` dimensions, gzip-compressed, as a uint8 array.

    The header is the magic (two zero bytes, the type code 0x08, the dimension count), then each
    dimension as a big-endian uint32; the data follow in row-major order.
    """
    try:
        with gzip.open(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetError(f"{path}: not a readable gzip file ({error})") from error
    magic = bytes(raw[:4])
    if magic != bytes((0, 0, IDX_UNSIGNED_BYTE, ndim)):
        raise DatasetError(f"{path}: idx magic {magic.hex() or 'missing'}, expected "
                           f"{bytes((0, 0, IDX_UNSIGNED_BYTE, ndim)).hex()} (unsigned bytes, "
                           f"{ndim} dimension(s))")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path}: idx header cut short ({len(raw)} of {header} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    size = math.prod(dims)
    if len(raw) - header != size:
        raise DatasetError(f"{path}: {len(raw) - header} data bytes, but the header's "
                           f"dimensions {dims} need {size}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def read_idx_dataset(files: Mapping[str, Path], name: str) -> Dataset:
    """Images (N, 1, H, W) and labels of an idx dataset, checked against its DatasetSpec."""
    shape, classes = input_shape(name), class_count(name)
    arrays = []
    for split in SPLITS:
        images = read_idx(files[f"{split}_images"], 3)
        labels = read_idx(files[f"{split}_labels"], 1).astype(np.int64)
        if images.shape[1:] != shape[1:]:
            raise DatasetError(f"{files[f'{split}_images']}: images of "
                               f"{images.shape[1]}x{images.shape[2]}, {name} has "
                               f"{shape[1]}x{shape[2]}")
        if len(labels) != len(images):
            raise DatasetError(f"{files[f'{split}_labels']}: {len(labels)} labels for "
                               f"{len(images)} images in {files[f'{split}_images']}")
        if len(labels) and labels.max() >= classes:
            raise DatasetError(f"{files[f'{split}_labels']}: label {labels.max()} outside "
                               f"{name}'s {classes} classes")
        arrays += [images[:, None], labels]
    return Dataset(*arrays)


def make_digits(test_fraction: float, seed: int) -> Dataset:
    """scikit-learn's 8x8 digits as 32x32 RGB: each pixel becomes a 4x4 block, grey in 3 channels.

    The upsampling is deliberate: digits stands in for CIFAR-10 offline (same 3x32x32 input, 10
    classes), so the CIFAR networks and the demo run without a download. The split is a fixed
    permutation drawn from `seed`.
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
    """The dataset a config names, decoded into arrays of its DatasetSpec's shape."""
    name = dataset_config["name"]
    spec(name)  # an unknown name fails here, naming the known ones
    archive = dataset_config.get("archive")
    if name == "digits":
        return make_digits(float(dataset_config["digits_test_fraction"]),
                           int(dataset_config["digits_split_seed"]))
    if name == "cifar10":
        return read_cifar10(fetch_cifar10_archive(archive, download_dir))
    if name == "cifar100":
        return read_cifar100(fetch_cifar_archive(CIFAR100_URL, CIFAR100_MD5, archive,
                                                 download_dir))
    return read_idx_dataset(fetch_idx_files(name, archive, download_dir), name)


def save(dataset: Dataset, out_dir: Path) -> None:
    """Write the arrays as .npy files; each appears complete or not at all."""
    arrays = (dataset.train_images, dataset.train_labels, dataset.test_images, dataset.test_labels)
    for name, array in zip(ARRAY_FILES, arrays, strict=True):
        with replaced_atomically(out_dir / name) as partial, open(partial, "wb") as stream:
            np.save(stream, array)


def load(directory: Path, dataset: Mapping | str | None = None) -> Dataset:
    """Read prepared arrays, checking their dtypes and shapes against the dataset's own
    (`dataset`: its config section or name; None: the default dataset)."""
    shape, classes = input_shape(dataset), class_count(dataset)
    arrays = []
    for name in ARRAY_FILES:
        path = Path(directory) / name
        if not path.is_file():
            raise DatasetError(f"{path}: missing; run the dataset stage first")
        arrays.append(np.load(path))
    loaded = Dataset(*arrays)
    for split in SPLITS:
        images = getattr(loaded, f"{split}_images")
        labels = getattr(loaded, f"{split}_labels")
        check_images(images, shape, f"{directory}/{split}_images.npy")
        if labels.dtype != np.int64 or labels.shape != (len(images),):
            raise DatasetError(f"{directory}/{split}_labels.npy: expected one int64 label per "
                               "image")
        if len(labels) and (labels.min() < 0 or labels.max() >= classes):
            raise DatasetError(f"{directory}/{split}_labels.npy: labels {labels.min()} to "
                               f"{labels.max()}, the dataset has classes 0 to {classes - 1}")
    return loaded


def check_images(images: np.ndarray, shape: tuple[int, int, int], where: str) -> None:
    """uint8 images of the dataset's shape, or a DatasetError naming `where`."""
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != tuple(shape):
        channels, height, width = shape
        found = f"{images.dtype} {images.shape}"
        raise DatasetError(f"{where}: expected uint8 (N, {channels}, {height}, {width}), found "
                           f"{found}; prepared for another dataset? Remove it and run the "
                           "dataset stage again")
