#include "neurosim/io/trace.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "neurosim/io/json_lite.hpp"
#include "neurosim/parallel.hpp"

namespace neurosim {
namespace {

const char* const kFormatV1 = "cim-trace/1";
const char* const kFormatV2 = "cim-trace/2";
const char* const kNetworkHeaderV1 = "ifm_h,ifm_w,ifm_c,k_h,k_w,ofm_c,pool,stride";
const char* const kNetworkHeaderV2 = "ifm_h,ifm_w,ifm_c,k_h,k_w,ofm_c,pool,stride,padding,input,residual,global_pool";
// Largest layer the reader accepts, in weights and in input values per sample: far above any
// network a chip maps, and small enough that no product of sizes overflows.
constexpr double kMaxLayerValues = 2147483648.0;  // 2^31

// SHA-256 (FIPS 180-4) of a byte string, as 64 lower-case hex digits: the trace's checksums.
class Sha256 {
public:
    static std::string hex_digest(const std::string& bytes) {
        Sha256 hash;
        const std::uint64_t bit_length = static_cast<std::uint64_t>(bytes.size()) * 8;
        std::size_t pos = 0;
        for (; pos + 64 <= bytes.size(); pos += 64) hash.compress(bytes.data() + pos);
        // Padding: 0x80, zeros, then the message length in bits, big-endian, to a 64-byte multiple.
        std::string tail = bytes.substr(pos);
        tail += static_cast<char>(0x80);
        while (tail.size() % 64 != 56) tail += '\0';
        for (int shift = 56; shift >= 0; shift -= 8) tail += static_cast<char>((bit_length >> shift) & 0xff);
        for (std::size_t block = 0; block < tail.size(); block += 64) hash.compress(tail.data() + block);
        static const char* const digits = "0123456789abcdef";
        std::string out;
        for (const std::uint32_t word : hash.state_) {
            for (int shift = 28; shift >= 0; shift -= 4) out += digits[(word >> shift) & 0xf];
        }
        return out;
    }

private:
    std::array<std::uint32_t, 8> state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                           0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

    static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

    void compress(const char* block) {
        static constexpr std::array<std::uint32_t, 64> k = {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
        std::array<std::uint32_t, 64> w{};
        for (int i = 0; i < 16; ++i) {
            w[i] = 0;
            for (int j = 0; j < 4; ++j) w[i] = (w[i] << 8) | static_cast<unsigned char>(block[4 * i + j]);
        }
        for (int i = 16; i < 64; ++i) {
            const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::array<std::uint32_t, 8> v = state_;
        for (int i = 0; i < 64; ++i) {
            const std::uint32_t sum1 = rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25);
            const std::uint32_t choice = (v[4] & v[5]) ^ (~v[4] & v[6]);
            const std::uint32_t t1 = v[7] + sum1 + choice + k[i] + w[i];
            const std::uint32_t sum0 = rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22);
            const std::uint32_t majority = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            const std::uint32_t t2 = sum0 + majority;
            v = {t1 + t2, v[0], v[1], v[2], v[3] + t1, v[4], v[5], v[6]};
        }
        for (int i = 0; i < 8; ++i) state_[i] += v[i];
    }
};

std::string read_text(const std::string& path) {
    return read_file_bytes(path);
}

int int_field(const JsonValue& meta, const std::string& key, const std::string& path, int lo, int hi) {
    const JsonValue* v = meta.find(key);
    // Range first, as a double: casting a NaN or out-of-range double to int is undefined.
    if (!v || v->kind != JsonValue::Kind::number || !std::isfinite(v->number) || v->number != std::floor(v->number)) {
        throw std::runtime_error(path + ": field '" + key + "' missing or not an integer");
    }
    if (v->number < lo || v->number > hi) {
        std::ostringstream shown;
        shown << v->number;
        throw std::runtime_error(path + ": field '" + key + "' = " + shown.str() + " outside [" + std::to_string(lo) +
                                 ", " + std::to_string(hi) + "]");
    }
    return static_cast<int>(v->number);
}

// A layer's array, read once: its bytes are checked against meta.json's sha256 before parsing.
IntArray read_checked_npy(const std::string& dir, const std::string& relative, const JsonValue& checksums,
                          const std::string& meta_path) {
    const std::string path = dir + "/" + relative;
    const JsonValue* expected = checksums.find(relative);
    if (!expected || expected->kind != JsonValue::Kind::string) {
        throw std::runtime_error(meta_path + ": field 'sha256' lacks '" + relative + "'");
    }
    const std::string bytes = read_file_bytes(path);
    if (Sha256::hex_digest(bytes) != expected->text) {
        throw std::runtime_error(path + ": sha256 does not match meta.json (truncated or altered)");
    }
    return parse_npy(bytes, path);
}

std::string shape_text(const std::vector<std::size_t>& shape) {
    std::string out = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + ")";
}

void check_array(const IntArray& a, const std::string& path, int bits, const std::vector<std::size_t>& shape,
                 bool symmetric) {
    const int expected_bytes = bits > 8 ? 2 : 1;
    if (a.bytes_per_value != expected_bytes) {
        throw std::runtime_error(path + ": dtype must be " + std::string(expected_bytes == 1 ? "int8" : "int16") +
                                 " for " + std::to_string(bits) + "-bit codes");
    }
    if (a.shape != shape) {
        throw std::runtime_error(path + ": shape " + shape_text(a.shape) + " disagrees with network.csv, expected " +
                                 shape_text(shape));
    }
    // Weights are symmetric (|code| < 2^(b-1)); activations are two's complement codes.
    const long half = 1L << (bits - 1);
    const long lo = symmetric ? -(half - 1) : -half;
    const long hi = half - 1;
    for (std::size_t i = 0; i < a.values.size(); ++i) {
        if (a.values[i] < lo || a.values[i] > hi) {
            throw std::runtime_error(path + ": code " + std::to_string(a.values[i]) + " at flat index " +
                                     std::to_string(i) + " outside [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                     "]");
        }
    }
}

// Fields per row named by the header line (8 for cim-trace/1, 12 for cim-trace/2), within `format`.
std::size_t header_field_count(const std::string& line, const std::string& format, const std::string& path) {
    const bool v1 = line == kNetworkHeaderV1 && format != kFormatV2;
    const bool v2 = line == kNetworkHeaderV2 && format != kFormatV1;
    if (!v1 && !v2) {
        const std::string wanted = format == kFormatV1   ? std::string(kNetworkHeaderV1)
                                   : format == kFormatV2 ? std::string(kNetworkHeaderV2)
                                                         : std::string(kNetworkHeaderV2) + "' or '" + kNetworkHeaderV1;
        throw std::runtime_error(path + ": header must be '" + wanted + "'");
    }
    return v1 ? 8 : 12;
}

// The integer fields of one row, each checked against its range; `where` is "path:line".
std::vector<long> row_fields(const std::string& line, std::size_t field_count, const std::string& path,
                             const std::string& where) {
    std::vector<long> fields;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) {
        char* end = nullptr;
        const long v = std::strtol(cell.c_str(), &end, 10);
        if (cell.empty() || *end != '\0') throw std::runtime_error(where + ": '" + cell + "' is not an integer");
        fields.push_back(v);
    }
    if (field_count == 0) throw std::runtime_error(path + ": header must be '" + std::string(kNetworkHeaderV2) + "'");
    if (fields.size() != field_count) {
        throw std::runtime_error(where + ": expected " + std::to_string(field_count) + " fields, got " +
                                 std::to_string(fields.size()));
    }
    for (std::size_t i = 0; i < field_count; ++i) {
        // pool, padding, input, residual and global_pool may be 0; pool and global_pool are flags.
        const long lo = (i == 6 || i >= 8) ? 0 : 1;
        const bool flag = i == 6 || i == 11;
        if (fields[i] < lo || fields[i] > (1L << 24) || (flag && fields[i] > 1)) {
            throw std::runtime_error(where + ": field " + std::to_string(i + 1) + " = " + std::to_string(fields[i]) +
                                     " out of range");
        }
    }
    // Products of sizes in doubles (exact below 2^53): each bounded before any int arithmetic uses them.
    const double weight_rows = static_cast<double>(fields[2]) * static_cast<double>(fields[3]) * fields[4];
    const double pixels = static_cast<double>(fields[0]) * static_cast<double>(fields[1]);
    if (weight_rows * fields[5] > kMaxLayerValues || weight_rows * pixels > kMaxLayerValues) {
        throw std::runtime_error(where + ": layer too large (more than 2^31 weights or input values per sample)");
    }
    return fields;
}

// Layer `number` (1-based) from its checked fields; a cim-trace/1 row takes same padding, the layer
// before as input, no add and no global pooling.
LayerShape layer_from_fields(const std::vector<long>& fields, long number, const std::string& where) {
    const bool v2 = fields.size() == 12;
    LayerShape layer;
    layer.ifm_h = static_cast<int>(fields[0]);
    layer.ifm_w = static_cast<int>(fields[1]);
    layer.ifm_c = static_cast<int>(fields[2]);
    layer.k_h = static_cast<int>(fields[3]);
    layer.k_w = static_cast<int>(fields[4]);
    layer.ofm_c = static_cast<int>(fields[5]);
    layer.pool = fields[6] == 1;
    layer.stride = static_cast<int>(fields[7]);
    const bool is_fc = layer.ifm_h == 1 && layer.ifm_w == 1 && layer.k_h == 1 && layer.k_w == 1;
    layer.padding = v2 ? static_cast<int>(fields[8]) : (is_fc ? 0 : layer.k_h / 2);
    layer.input = v2 ? static_cast<int>(fields[9]) : static_cast<int>(number - 1);
    layer.residual = v2 ? static_cast<int>(fields[10]) : 0;
    layer.global_pool = v2 && fields[11] == 1;
    if (layer.input >= number || layer.residual >= number) {
        throw std::runtime_error(where + ": input " + std::to_string(layer.input) + " and residual " +
                                 std::to_string(layer.residual) + " must name earlier layers (below " +
                                 std::to_string(number) + ")");
    }
    if (layer.pool && layer.global_pool) {
        throw std::runtime_error(where + ": pool and global_pool cannot both follow one layer");
    }
    if (layer.k_h > layer.ifm_h + 2L * layer.padding || layer.k_w > layer.ifm_w + 2L * layer.padding) {
        throw std::runtime_error(where + ": kernel larger than the padded input");
    }
    return layer;
}

// The layer kind meta.json names for layer `i` must match its network.csv row.
void check_layer_kind(const JsonValue& entry, const LayerShape& shape, std::size_t i, const std::string& meta_path) {
    const JsonValue* kind = entry.find("kind");
    const bool is_fc = shape.ifm_h == 1 && shape.ifm_w == 1 && shape.k_h == 1 && shape.k_w == 1;
    const std::string row_kind = is_fc ? "fc" : "conv";
    if (!kind || kind->kind != JsonValue::Kind::string || (kind->text != "conv" && kind->text != "fc")) {
        throw std::runtime_error(meta_path + ": layer " + std::to_string(i + 1) + " needs \"kind\": conv or fc");
    }
    if (kind->text != row_kind) {
        throw std::runtime_error(meta_path + ": layer " + std::to_string(i + 1) + " is '" + kind->text +
                                 "' but its network.csv row is a " + row_kind + " layer");
    }
}

// The folder of layer `i` (0-based) in a trace, with its trailing slash: "layer_01/", ...
std::string layer_folder(std::size_t i) {
    char name[32];
    std::snprintf(name, sizeof name, "layer_%02zu/", i + 1);
    return name;
}

// The arrays of layer `i` (0-based), each checked against its checksum, dtype, shape and code range.
// Whether every layer holds layer 1's samples is checked once all are read (check_sample_counts).
TraceLayer read_layer(const std::string& dir, std::size_t i, const Trace& trace, const JsonValue& checksums,
                      const std::string& meta_path) {
    const LayerShape& shape = trace.network[i];
    const bool is_fc = shape.ifm_h == 1 && shape.ifm_w == 1 && shape.k_h == 1 && shape.k_w == 1;
    const std::string name = layer_folder(i);
    const std::string layer_dir = dir + "/" + name;
    TraceLayer layer;
    const std::vector<std::size_t> weight_shape = {static_cast<std::size_t>(shape.weight_rows()),
                                                   static_cast<std::size_t>(shape.ofm_c)};
    layer.weight = read_checked_npy(dir, name + "weight.npy", checksums, meta_path);
    check_array(layer.weight, layer_dir + "weight.npy", trace.weight_bits, weight_shape, true);
    layer.weight_old = read_checked_npy(dir, name + "weight_old.npy", checksums, meta_path);
    check_array(layer.weight_old, layer_dir + "weight_old.npy", trace.weight_bits, weight_shape, true);
    layer.input = read_checked_npy(dir, name + "input.npy", checksums, meta_path);
    const std::size_t samples = layer.input.shape.empty() ? 0 : layer.input.shape[0];
    if (samples < 1) throw std::runtime_error(layer_dir + "input.npy: needs at least one sample");
    const std::size_t patches = is_fc ? 1 : static_cast<std::size_t>(shape.patches());
    check_array(layer.input, layer_dir + "input.npy", trace.input_bits,
                {samples, patches, static_cast<std::size_t>(shape.weight_rows())}, false);
    return layer;
}

// Every layer sees the same images: its input holds as many samples as layer 1's.
void check_sample_counts(const Trace& trace, const std::string& dir) {
    if (trace.layers.empty()) return;
    const std::size_t first = trace.layers.front().input.shape[0];
    for (std::size_t i = 1; i < trace.layers.size(); ++i) {
        const std::size_t samples = trace.layers[i].input.shape[0];
        if (samples != first) {
            throw std::runtime_error(dir + "/" + layer_folder(i) + "input.npy: " + std::to_string(samples) +
                                     " samples, but layer_01 has " + std::to_string(first));
        }
    }
}

}  // namespace

long LayerShape::output_height() const { return (static_cast<long>(ifm_h) + 2L * padding - k_h) / stride + 1; }

long LayerShape::output_width() const { return (static_cast<long>(ifm_w) + 2L * padding - k_w) / stride + 1; }

long LayerShape::patches() const { return output_height() * output_width(); }

double LayerShape::unpadded_output_pixels() const {
    const long rows = std::max(1L, (static_cast<long>(ifm_h) - k_h) / stride + 1);
    const long cols = std::max(1L, (static_cast<long>(ifm_w) - k_w) / stride + 1);
    return static_cast<double>(rows) * cols;
}

double LayerShape::counted_output_pixels(bool without_padding) const {
    return without_padding ? unpadded_output_pixels() : static_cast<double>(patches());
}

Network read_network_csv(const std::string& path, const std::string& format) {
    std::istringstream lines(read_text(path));
    std::string line;
    Network network;
    int line_number = 0;
    std::size_t field_count = 0;  // 8 (cim-trace/1) or 12 (cim-trace/2), from the header
    while (std::getline(lines, line)) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line_number > 100000) throw std::runtime_error(path + ": more than 100000 lines");
        if (line.empty()) continue;
        if (line_number == 1) {
            field_count = header_field_count(line, format, path);
            continue;
        }
        const std::string where = path + ":" + std::to_string(line_number);
        const std::vector<long> fields = row_fields(line, field_count, path, where);
        network.push_back(layer_from_fields(fields, static_cast<long>(network.size()) + 1, where));
    }
    if (network.empty()) throw std::runtime_error(path + ": no layers");
    return network;
}

Trace read_trace(const std::string& dir) {
    Trace trace;
    const std::string meta_path = dir + "/meta.json";
    const JsonValue meta = parse_json(read_text(meta_path), meta_path);
    const JsonValue* format = meta.find("format");
    if (!format || format->kind != JsonValue::Kind::string ||
        (format->text != kFormatV1 && format->text != kFormatV2)) {
        throw std::runtime_error(meta_path + ": field 'format' must be \"cim-trace/2\" or \"cim-trace/1\"");
    }
    trace.network = read_network_csv(dir + "/network.csv", format->text);
    trace.weight_bits = int_field(meta, "weight_bits", meta_path, 2, 16);
    trace.input_bits = int_field(meta, "input_bits", meta_path, 2, 16);
    trace.batch_size = int_field(meta, "batch_size", meta_path, 1, 1 << 30);
    trace.iterations = int_field(meta, "iterations", meta_path, 1, 1 << 30);
    trace.epoch = int_field(meta, "epoch", meta_path, 0, 1 << 30);
    const JsonValue* layers = meta.find("layers");
    if (!layers || layers->kind != JsonValue::Kind::array || layers->items.size() != trace.network.size()) {
        throw std::runtime_error(meta_path + ": field 'layers' must list one entry per network.csv row (" +
                                 std::to_string(trace.network.size()) + ")");
    }
    const JsonValue* checksums = meta.find("sha256");
    if (!checksums || checksums->kind != JsonValue::Kind::object) {
        throw std::runtime_error(meta_path + ": field 'sha256' must map each layer file to its checksum");
    }
    for (std::size_t i = 0; i < trace.network.size(); ++i) check_layer_kind(layers->items[i], trace.network[i], i, meta_path);
    // The layers' files are read, hashed and checked in parallel; every layer must see layer 1's samples.
    trace.layers.resize(trace.network.size());
    for_each_index(trace.layers.size(),
                   [&](std::size_t i) { trace.layers[i] = read_layer(dir, i, trace, *checksums, meta_path); });
    check_sample_counts(trace, dir);
    return trace;
}

}  // namespace neurosim
