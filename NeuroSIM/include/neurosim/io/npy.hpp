// Reader of NumPy .npy files (format version 1 or 2) holding little-endian int8 or int16 arrays in
// C order.
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

// The whole content of a regular file; throws std::runtime_error naming it when it is missing, not
// a regular file (a directory, a device) or unreadable.
std::string read_file_bytes(const std::string& path);

// Parses the bytes of a .npy file; throws std::runtime_error naming `path` on a bad header, an
// unsupported dtype or order, more than 2^31 values, or data shorter or longer than the shape.
IntArray parse_npy(const std::string& bytes, const std::string& path);

// read_file_bytes then parse_npy.
IntArray read_npy(const std::string& path);

}  // namespace neurosim
