#include "neurosim/trace.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "neurosim/json_lite.hpp"

namespace neurosim {
namespace {

const char* const kNetworkHeader = "ifm_h,ifm_w,ifm_c,k_h,k_w,ofm_c,pool,stride";

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": missing or unreadable file");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

int int_field(const JsonValue& meta, const std::string& key, const std::string& path, int lo, int hi) {
    const JsonValue* v = meta.find(key);
    if (!v || v->kind != JsonValue::Kind::number || v->number != static_cast<int>(v->number)) {
        throw std::runtime_error(path + ": field '" + key + "' missing or not an integer");
    }
    const int value = static_cast<int>(v->number);
    if (value < lo || value > hi) {
        throw std::runtime_error(path + ": field '" + key + "' = " + std::to_string(value) + " outside [" +
                                 std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return value;
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

}  // namespace

long LayerShape::patches() const {
    const long out_h = (ifm_h + stride - 1) / stride;
    const long out_w = (ifm_w + stride - 1) / stride;
    return out_h * out_w;
}

Network read_network_csv(const std::string& path) {
    std::istringstream lines(read_text(path));
    std::string line;
    Network network;
    int line_number = 0;
    while (std::getline(lines, line)) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        if (line_number == 1) {
            if (line != kNetworkHeader) {
                throw std::runtime_error(path + ": header must be '" + std::string(kNetworkHeader) + "'");
            }
            continue;
        }
        std::vector<long> fields;
        std::istringstream cells(line);
        std::string cell;
        while (std::getline(cells, cell, ',')) {
            char* end = nullptr;
            const long v = std::strtol(cell.c_str(), &end, 10);
            if (cell.empty() || *end != '\0') {
                throw std::runtime_error(path + ":" + std::to_string(line_number) + ": '" + cell +
                                         "' is not an integer");
            }
            fields.push_back(v);
        }
        if (fields.size() != 8) {
            throw std::runtime_error(path + ":" + std::to_string(line_number) + ": expected 8 fields, got " +
                                     std::to_string(fields.size()));
        }
        for (std::size_t i = 0; i < 8; ++i) {
            const long lo = (i == 6) ? 0 : 1;
            if (fields[i] < lo || fields[i] > (1L << 24) || (i == 6 && fields[i] > 1)) {
                throw std::runtime_error(path + ":" + std::to_string(line_number) + ": field " + std::to_string(i + 1) +
                                         " = " + std::to_string(fields[i]) + " out of range");
            }
        }
        LayerShape layer;
        layer.ifm_h = static_cast<int>(fields[0]);
        layer.ifm_w = static_cast<int>(fields[1]);
        layer.ifm_c = static_cast<int>(fields[2]);
        layer.k_h = static_cast<int>(fields[3]);
        layer.k_w = static_cast<int>(fields[4]);
        layer.ofm_c = static_cast<int>(fields[5]);
        layer.pool = fields[6] == 1;
        layer.stride = static_cast<int>(fields[7]);
        network.push_back(layer);
    }
    if (network.empty()) throw std::runtime_error(path + ": no layers");
    return network;
}

Trace read_trace(const std::string& dir) {
    Trace trace;
    trace.network = read_network_csv(dir + "/network.csv");
    const std::string meta_path = dir + "/meta.json";
    const JsonValue meta = parse_json(read_text(meta_path), meta_path);
    const JsonValue* format = meta.find("format");
    if (!format || format->kind != JsonValue::Kind::string || format->text != "cim-trace/1") {
        throw std::runtime_error(meta_path + ": field 'format' must be \"cim-trace/1\"");
    }
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
    for (std::size_t i = 0; i < trace.network.size(); ++i) {
        const LayerShape& shape = trace.network[i];
        const JsonValue* kind = layers->items[i].find("kind");
        const bool is_fc = shape.ifm_h == 1 && shape.ifm_w == 1 && shape.k_h == 1 && shape.k_w == 1;
        if (kind && kind->kind == JsonValue::Kind::string && kind->text == "fc" && !is_fc) {
            throw std::runtime_error(meta_path + ": layer " + std::to_string(i + 1) +
                                     " is 'fc' but its network.csv row is a convolution");
        }
        char name[32];
        std::snprintf(name, sizeof name, "/layer_%02zu/", i + 1);
        const std::string layer_dir = dir + name;
        TraceLayer layer;
        const std::vector<std::size_t> weight_shape = {static_cast<std::size_t>(shape.weight_rows()),
                                                       static_cast<std::size_t>(shape.ofm_c)};
        layer.weight = read_npy(layer_dir + "weight.npy");
        check_array(layer.weight, layer_dir + "weight.npy", trace.weight_bits, weight_shape, true);
        layer.weight_old = read_npy(layer_dir + "weight_old.npy");
        check_array(layer.weight_old, layer_dir + "weight_old.npy", trace.weight_bits, weight_shape, true);
        layer.input = read_npy(layer_dir + "input.npy");
        const std::size_t samples = layer.input.shape.empty() ? 0 : layer.input.shape[0];
        if (samples < 1) throw std::runtime_error(layer_dir + "input.npy: needs at least one sample");
        const std::size_t patches = is_fc ? 1 : static_cast<std::size_t>(shape.patches());
        check_array(layer.input, layer_dir + "input.npy", trace.input_bits,
                    {samples, patches, static_cast<std::size_t>(shape.weight_rows())}, false);
        trace.layers.push_back(std::move(layer));
    }
    return trace;
}

}  // namespace neurosim
