#include "neurosim/training/performance.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "neurosim/parallel.hpp"
#include "neurosim/training/layer_cost_builder.hpp"

namespace neurosim {

// ---------------------------------------------------------------- trace activity

LayerActivity measure_activity(const TraceLayer& layer, const DesignContext& ctx, const ReadPlacement& placement) {
    LayerActivity a;
    a.column_sample = sample_column_conductance(layer, ctx, placement);
    // Input codes enter the array bit-serially in two's complement, one bit per cycle.
    const int bits = ctx.input_bits;
    const unsigned mask = (1u << bits) - 1u;
    std::vector<int> ones(1 << 16);
    for (unsigned v = 0; v < ones.size(); ++v) ones[v] = __builtin_popcount(v & mask);
    double set_bits = 0;
    for (const std::int16_t v : layer.input.values) set_bits += ones[static_cast<std::uint16_t>(v)];
    const double values = static_cast<double>(layer.input.values.size());
    a.input_bit_activity = values > 0 ? set_bits / (values * bits) : 0;

    return a;
}

// ---------------------------------------------------------------- the chip from its layers

namespace {

double layer_macs(const LayerShape& l) {
    return static_cast<double>(l.output_height()) * l.output_width() * l.ifm_c * l.k_h * l.k_w * l.ofm_c;
}

void add(PhaseFigures* sum, const PhaseFigures& x) {
    sum->fw += x.fw;
    sum->ag += x.ag;
    sum->wg += x.wg;
    sum->wu += x.wu;
}

void add(Breakdown* sum, const Breakdown& x) {
    sum->adc += x.adc;
    sum->accumulation += x.accumulation;
    sum->array += x.array;
    sum->buffer += x.buffer;
    sum->interconnect += x.interconnect;
    sum->weight_gradient += x.weight_gradient;
    sum->weight_update += x.weight_update;
    sum->dram += x.dram;
}

// Pipelined: the slowest layer sets the stage time of forward and activation gradient; gradient and
// update stay sequential (they share the gradient unit and the buffer). A layer idles, leaking, for
// the part of each stage it does not use.
void aggregate_pipelined(ChipPerformance* chip) {
    PhaseFigures& t = chip->latency_s;
    PhaseFigures& peak = chip->peak_latency_s;
    Breakdown& b = chip->latency_breakdown_s;
    for (const LayerPerformance& lp : chip->layers) {
        t.fw = std::max(t.fw, lp.latency_s.fw);
        t.ag = std::max(t.ag, lp.latency_s.ag);
        t.wg += lp.latency_s.wg;
        t.wu += lp.latency_s.wu;
        peak.fw = std::max(peak.fw, lp.peak_latency_s.fw);
        peak.ag = std::max(peak.ag, lp.peak_latency_s.ag);
        peak.wg += lp.peak_latency_s.wg;
        peak.wu += lp.peak_latency_s.wu;
        const Breakdown& x = lp.latency_breakdown_s;
        b.adc = std::max(b.adc, x.adc);
        b.accumulation = std::max(b.accumulation, x.accumulation);
        b.array = std::max(b.array, x.array);
        b.buffer = std::max(b.buffer, x.buffer);
        b.interconnect = std::max(b.interconnect, x.interconnect);
        b.weight_gradient += x.weight_gradient;
        b.weight_update += x.weight_update;
        b.dram += x.dram;
    }
    for (LayerPerformance& lp : chip->layers) {
        lp.leakage_energy_j = lp.leakage_power_w * ((t.fw - lp.latency_s.fw) + (t.ag - lp.latency_s.ag));
    }
}

}  // namespace

std::vector<LayerCosts> layer_costs(const DesignContext& ctx, const Trace& trace, const Floorplan& plan,
                                    const ChipArea& area, const std::vector<LayerActivity>& activity) {
    const LayerCostBuilder builder(ctx, trace, plan, area);
    std::vector<LayerCosts> out(trace.network.size());
    for_each_index(out.size(), [&](std::size_t i) { out[i] = builder.build(i, activity[i]); });
    return out;
}

std::vector<LayerCosts> trace_layer_costs(const DesignContext& ctx, const Trace& trace, const Floorplan& plan,
                                          const ChipArea& area) {
    std::vector<LayerActivity> activity(trace.layers.size());
    for_each_index(activity.size(), [&](std::size_t i) {
        activity[i] = measure_activity(trace.layers[i], ctx, {&trace.network[i], plan.layers[i].novel});
    });
    return layer_costs(ctx, trace, plan, area, activity);
}

ChipPerformance estimate_performance(const DesignContext& ctx, const Trace& trace, const Floorplan& plan,
                                     const ChipArea& area) {
    const std::vector<LayerCosts> costs = trace_layer_costs(ctx, trace, plan, area);

    ChipPerformance chip;
    for (const LayerCosts& c : costs) chip.layers.push_back(c.figures);

    const std::size_t layers = costs.size();
    if (!ctx.chip_config.pipeline) {
        // Layer by layer: while one layer computes forward or activation gradient, the other tiles leak.
        for (std::size_t i = 0; i < layers; ++i) {
            LayerPerformance& lp = chip.layers[i];
            lp.leakage_energy_j = costs[i].idle_tiles * costs[i].tile_leakage_power_w *
                                  (lp.latency_s.fw + lp.latency_s.ag);
            add(&chip.latency_s, lp.latency_s);
            add(&chip.peak_latency_s, lp.peak_latency_s);
            add(&chip.latency_breakdown_s, lp.latency_breakdown_s);
        }
    } else {
        aggregate_pipelined(&chip);
    }
    for (const LayerPerformance& lp : chip.layers) {
        add(&chip.energy_j, lp.energy_j);
        add(&chip.peak_energy_j, lp.peak_energy_j);
        add(&chip.energy_breakdown_j, lp.energy_breakdown_j);
        chip.leakage_power_w += lp.leakage_power_w;
        chip.leakage_energy_j += lp.leakage_energy_j;
    }

    const double images = static_cast<double>(trace.batch_size) * trace.iterations;
    for (std::size_t i = 0; i < layers; ++i) {
        chip.operations += 2 * layer_macs(trace.network[i]) * (i == 0 ? 2 : 3) * images;
    }
    const double latency = chip.latency_s.total(), peak_latency = chip.peak_latency_s.total();
    const double energy = chip.energy_j.total() + chip.leakage_energy_j;
    const double peak_energy = chip.peak_energy_j.total();
    chip.tops_per_w = energy > 0 ? chip.operations / energy * 1e-12 : 0;
    chip.tops = latency > 0 ? chip.operations / latency * 1e-12 : 0;
    // Frames per second: the images an epoch trains over its latency (quirk fps_epochs_per_second:
    // epochs per second, as the reference reports it).
    const double frames = ctx.quirk(Quirk::fps_epochs_per_second) ? 1.0 : images;
    chip.fps = latency > 0 ? frames / latency : 0;
    chip.peak_tops_per_w = peak_energy > 0 ? chip.operations / peak_energy * 1e-12 : 0;
    chip.peak_tops = peak_latency > 0 ? chip.operations / peak_latency * 1e-12 : 0;
    chip.peak_fps = peak_latency > 0 ? frames / peak_latency : 0;
    return chip;
}

}  // namespace neurosim
