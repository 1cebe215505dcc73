// cim-trace/2 (and /1) reader and validator: the network, its bit widths and every layer's arrays.
#pragma once

#include <string>
#include <vector>

#include "neurosim/io/npy.hpp"

namespace neurosim {

// One row of network.csv. A fully connected layer has ifm_h = ifm_w = k_h = k_w = 1.
struct LayerShape {
    int ifm_h = 1, ifm_w = 1, ifm_c = 1;
    int k_h = 1, k_w = 1;
    int ofm_c = 1;
    bool pool = false;  // followed by 2x2 max pooling
    int stride = 1;
    int padding = 0;           // zeros on each side of the input (cim-trace/1: k_h / 2 for a conv)
    int input = 0;             // layer (1-based) whose output this layer reads; 0: the network input
    int residual = 0;          // layer (1-based) whose output a residual add sums into this one's; 0: none
    bool global_pool = false;  // followed by global average pooling

    long weight_rows() const { return static_cast<long>(ifm_c) * k_h * k_w; }
    long kernel_positions() const { return static_cast<long>(k_h) * k_w; }
    long output_height() const;  // floor((ifm_h + 2 padding - k_h) / stride) + 1
    long output_width() const;
    long patches() const;  // output pixels before pooling
    // Output pixels as the reference counts them, without padding: (ifm - k) / stride + 1 per side
    // ((H - k + 1)(W - k + 1) at stride 1; quirk output_pixels_without_padding).
    double unpadded_output_pixels() const;
    // The output pixels an estimate counts: `patches()`, or the unpadded count under the quirk.
    double counted_output_pixels(bool without_padding) const;
};

using Network = std::vector<LayerShape>;

// Reads network.csv: header ifm_h,ifm_w,ifm_c,k_h,k_w,ofm_c,pool,stride (cim-trace/1) or that with
// ,padding,input,residual,global_pool (cim-trace/2). `format` is the trace's; empty accepts either.
Network read_network_csv(const std::string& path, const std::string& format = "");

struct TraceLayer {
    IntArray weight;      // (weight_rows, ofm_c) codes after the last update
    IntArray weight_old;  // same shape, codes before it
    IntArray input;       // (samples, patches, weight_rows) activation codes
};

struct Trace {
    Network network;
    int weight_bits = 0;
    int input_bits = 0;
    int batch_size = 0;
    int iterations = 0;
    int epoch = 0;
    std::vector<TraceLayer> layers;
};

// Reads and validates a trace directory: every array against its sha256 in meta.json, its dtype, shape
// and code range; every layer's kind against its network.csv row; one sample count for all layers.
// Throws std::runtime_error naming the offending file.
Trace read_trace(const std::string& dir);

}  // namespace neurosim
