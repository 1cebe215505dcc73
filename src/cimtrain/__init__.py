"""cimtrain: device-aware training and cost estimation of compute-in-memory training chips."""

__version__ = "0.1.0"
