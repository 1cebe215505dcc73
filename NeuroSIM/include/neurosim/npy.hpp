// Reader of NumPy .npy files holding little-endian int8 or int16 arrays in C order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace neurosim {

struct IntArray {
    int bytes_per_value = 1;  // 1 for int8, 2 for int16
    std::vector<std::size_t> shape;
    std::vector<std::int16_t> values;  // widened to int16, C order
};

// Throws std::runtime_error naming the file on a missing file, bad header, unsupported dtype or size.
IntArray read_npy(const std::string& path);

}  // namespace neurosim
