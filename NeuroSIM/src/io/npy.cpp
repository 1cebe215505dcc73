#include "neurosim/io/npy.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>

namespace neurosim {
namespace {

// A trace array larger than this many values is not one a training chip's trace can hold.
constexpr std::size_t kMaxValues = std::size_t{1} << 31;
// numpy writes headers of a few hundred bytes; more is a damaged or hostile file.
constexpr std::size_t kMaxHeaderBytes = std::size_t{1} << 16;

[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw std::runtime_error(path + ": " + why);
}

// The text after `'key':` (spaces skipped) in a .npy header dictionary.
std::size_t value_start(const std::string& header, const std::string& key, const std::string& path) {
    const std::string quoted = "'" + key + "'";
    const std::size_t at = header.find(quoted);
    if (at == std::string::npos) fail(path, "header without '" + key + "'");
    std::size_t pos = at + quoted.size();
    while (pos < header.size() && header[pos] == ' ') ++pos;
    if (pos >= header.size() || header[pos] != ':') fail(path, "header key '" + key + "' without a value");
    ++pos;
    while (pos < header.size() && header[pos] == ' ') ++pos;
    return pos;
}

std::string descr_of(const std::string& header, const std::string& path) {
    const std::size_t start = value_start(header, "descr", path);
    if (start >= header.size() || header[start] != '\'') fail(path, "header 'descr' is not a quoted dtype");
    const std::size_t end = header.find('\'', start + 1);
    if (end == std::string::npos) fail(path, "header 'descr' is not a quoted dtype");
    return header.substr(start + 1, end - start - 1);
}

bool fortran_order_of(const std::string& header, const std::string& path) {
    const std::size_t start = value_start(header, "fortran_order", path);
    if (header.compare(start, 5, "False") == 0) return false;
    if (header.compare(start, 4, "True") == 0) return true;
    fail(path, "header 'fortran_order' is neither True nor False");
}

// Dimensions of `'shape': (a, b, c)`; each a decimal size, the product checked against kMaxValues.
std::vector<std::size_t> shape_of(const std::string& header, const std::string& path) {
    const std::size_t start = value_start(header, "shape", path);
    if (start >= header.size() || header[start] != '(') fail(path, "header 'shape' is not a tuple");
    const std::size_t end = header.find(')', start);
    if (end == std::string::npos) fail(path, "header 'shape' is not a tuple");
    std::vector<std::size_t> shape;
    std::size_t pos = start + 1;
    while (pos < end) {
        while (pos < end && header[pos] == ' ') ++pos;
        if (pos == end) break;
        std::size_t dim = 0;
        const std::size_t digits_start = pos;
        while (pos < end && std::isdigit(static_cast<unsigned char>(header[pos]))) {
            const std::size_t digit = static_cast<std::size_t>(header[pos] - '0');
            if (dim > (kMaxValues - digit) / 10) fail(path, "shape dimension too large");
            dim = dim * 10 + digit;
            ++pos;
        }
        if (pos == digits_start) fail(path, "header 'shape' holds a non-integer dimension");
        shape.push_back(dim);
        while (pos < end && header[pos] == ' ') ++pos;
        if (pos < end && header[pos] != ',') fail(path, "header 'shape' holds a non-integer dimension");
        ++pos;
    }
    return shape;
}

// The header text after the magic and version; `data_start` receives where the array data begins.
std::string npy_header(const std::string& bytes, const std::string& path, std::size_t* data_start) {
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail(path, "not a .npy file");
    const int major = static_cast<unsigned char>(bytes[6]);
    auto byte = [&bytes](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(bytes[i])); };
    std::size_t header_len = 0;
    std::size_t header_start = 0;
    if (major == 1) {
        header_len = byte(8) | (byte(9) << 8);
        header_start = 10;
    } else if (major == 2) {
        if (bytes.size() < 12) fail(path, "truncated header");
        header_len = byte(8) | (byte(9) << 8) | (byte(10) << 16) | (byte(11) << 24);
        header_start = 12;
    } else {
        fail(path, "unsupported .npy version " + std::to_string(major) + " (1 or 2)");
    }
    if (header_len > kMaxHeaderBytes) fail(path, "header of " + std::to_string(header_len) + " bytes is too long");
    if (bytes.size() - header_start < header_len) fail(path, "truncated header");
    *data_start = header_start + header_len;
    return bytes.substr(header_start, header_len);
}

// Values of a C-ordered int8 or little-endian int16 array, at most kMaxValues of them.
std::size_t value_count(const std::vector<std::size_t>& shape, const std::string& path) {
    std::size_t count = 1;
    for (const std::size_t dim : shape) {
        if (dim != 0 && count > kMaxValues / dim) {
            fail(path, "shape holds more than " + std::to_string(kMaxValues) + " values");
        }
        count *= dim;
    }
    return count;
}

}  // namespace

IntArray parse_npy(const std::string& bytes, const std::string& path) {
    std::size_t data_start = 0;
    const std::string header = npy_header(bytes, path, &data_start);
    IntArray array;
    const std::string descr = descr_of(header, path);
    if (descr == "|i1" || descr == "i1") {
        array.bytes_per_value = 1;
    } else if (descr == "<i2") {
        array.bytes_per_value = 2;
    } else {
        fail(path, "dtype '" + descr + "' is not int8 or little-endian int16");
    }
    if (fortran_order_of(header, path)) fail(path, "only C-ordered arrays are supported");
    array.shape = shape_of(header, path);
    const std::size_t count = value_count(array.shape, path);
    const std::size_t data_bytes = count * static_cast<std::size_t>(array.bytes_per_value);
    const std::size_t available = bytes.size() - data_start;
    if (available < data_bytes) fail(path, "truncated data");
    if (available > data_bytes) fail(path, "trailing bytes after the array data");
    auto byte = [&bytes](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(bytes[i])); };
    array.values.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (array.bytes_per_value == 1) {
            array.values[i] = static_cast<std::int8_t>(bytes[data_start + i]);
        } else {
            const std::size_t at = data_start + 2 * i;
            array.values[i] = static_cast<std::int16_t>(static_cast<std::uint16_t>(byte(at) | (byte(at + 1) << 8)));
        }
    }
    return array;
}

std::string read_file_bytes(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) fail(path, "missing or not a regular file");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "missing or unreadable file");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) fail(path, "read error");
    return bytes;
}

IntArray read_npy(const std::string& path) {
    return parse_npy(read_file_bytes(path), path);
}

}  // namespace neurosim
