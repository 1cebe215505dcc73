#include "neurosim/npy.hpp"

#include <fstream>
#include <regex>
#include <stdexcept>

namespace neurosim {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw std::runtime_error(path + ": " + why);
}

}  // namespace

IntArray read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "missing or unreadable file");
    char magic[8];
    if (!in.read(magic, 8) || std::string(magic, 6) != "\x93NUMPY") fail(path, "not a .npy file");
    const int major = static_cast<unsigned char>(magic[6]);
    std::size_t header_len = 0;
    if (major == 1) {
        unsigned char len[2];
        if (!in.read(reinterpret_cast<char*>(len), 2)) fail(path, "truncated header");
        header_len = len[0] | (len[1] << 8);
    } else if (major == 2 || major == 3) {
        unsigned char len[4];
        if (!in.read(reinterpret_cast<char*>(len), 4)) fail(path, "truncated header");
        header_len = len[0] | (len[1] << 8) | (len[2] << 16) | (static_cast<std::size_t>(len[3]) << 24);
    } else {
        fail(path, "unsupported .npy version " + std::to_string(major));
    }
    std::string header(header_len, '\0');
    if (!in.read(header.data(), static_cast<std::streamsize>(header_len))) fail(path, "truncated header");

    IntArray array;
    std::smatch m;
    if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'"))) fail(path, "header without descr");
    const std::string descr = m[1];
    if (descr == "|i1" || descr == "i1") {
        array.bytes_per_value = 1;
    } else if (descr == "<i2") {
        array.bytes_per_value = 2;
    } else {
        fail(path, "dtype '" + descr + "' is not int8 or little-endian int16");
    }
    if (!std::regex_search(header, m, std::regex("'fortran_order':\\s*(True|False)")) || m[1] != "False") {
        fail(path, "only C-ordered arrays are supported");
    }
    if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) fail(path, "header without shape");
    const std::string dims = m[1];
    std::size_t count = 1;
    const std::regex number("[0-9]+");
    for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
        array.shape.push_back(std::stoul(it->str()));
        count *= array.shape.back();
    }
    std::vector<char> raw(count * static_cast<std::size_t>(array.bytes_per_value));
    if (!in.read(raw.data(), static_cast<std::streamsize>(raw.size()))) fail(path, "truncated data");
    if (in.peek() != std::char_traits<char>::eof()) fail(path, "trailing bytes after the array data");
    array.values.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (array.bytes_per_value == 1) {
            array.values[i] = static_cast<std::int8_t>(raw[i]);
        } else {
            const auto lo = static_cast<unsigned char>(raw[2 * i]);
            const auto hi = static_cast<unsigned char>(raw[2 * i + 1]);
            array.values[i] = static_cast<std::int16_t>(lo | (hi << 8));
        }
    }
    return array;
}

}  // namespace neurosim
