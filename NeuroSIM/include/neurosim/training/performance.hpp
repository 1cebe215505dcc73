// Latency, dynamic energy and leakage of every training phase: forward (FW), activation gradient
// (AG), weight gradient (WG) and weight update (WU), per layer and for the chip, per epoch.
//
// Each layer is described by what it does, counted from the floorplan and from the trace (reads,
// conversions, partial sums, bits moved, write pulses), and each count is priced by the circuit
// model of the block that does it (readout, accumulation, transfer, training_circuits,
// weight_update, leakage). How the costs of one layer compose into the phases and into the
// breakdown follows the reference's accounting (README, "Latency, energy and leakage").
#pragma once

#include <vector>

#include "neurosim/array/readout.hpp"
#include "neurosim/chip/chip.hpp"
#include "neurosim/chip/floorplan.hpp"
#include "neurosim/design.hpp"
#include "neurosim/io/trace.hpp"

namespace neurosim {

// What the trace says about one layer's read-out activity (its programming: weight_update.hpp).
struct LayerActivity {
    double input_bit_activity = 0;    // share of 1 bits in the input codes (all samples, all patches)
    ColumnSample column_sample;       // column conductances of sampled forward reads (sense amplifier load)
};

// `placement` says how the layer sits in its sub-arrays, for the sampled column conductances.
LayerActivity measure_activity(const TraceLayer& layer, const DesignContext& ctx, const ReadPlacement& placement = {});

struct PhaseFigures {
    double fw = 0, ag = 0, wg = 0, wu = 0;
    double total() const { return fw + ag + wg + wu; }
};

struct Breakdown {
    double adc = 0, accumulation = 0, array = 0, buffer = 0, interconnect = 0, weight_gradient = 0, weight_update = 0,
           dram = 0;
};

struct LayerPerformance {
    PhaseFigures latency_s, energy_j, peak_latency_s, peak_energy_j;
    Breakdown latency_breakdown_s, energy_breakdown_j;
    double leakage_power_w = 0;
    double leakage_energy_j = 0;
};

struct ChipPerformance {
    std::vector<LayerPerformance> layers;
    PhaseFigures latency_s, energy_j, peak_latency_s, peak_energy_j;
    Breakdown latency_breakdown_s, energy_breakdown_j;
    double leakage_power_w = 0;
    double leakage_energy_j = 0;
    double operations = 0;  // 2 per MAC over FW, AG (not layer 1) and WG, per epoch
    double tops_per_w = 0, tops = 0, fps = 0;
    double peak_tops_per_w = 0, peak_tops = 0, peak_fps = 0;
};

// Every figure of one layer, per epoch, and what the chip's leakage accounting needs of it.
struct LayerCosts {
    LayerPerformance figures;         // its leakage_energy_j is left to estimate_performance
    double tile_leakage_power_w = 0;  // one tile of the layer's kind
    double idle_tiles = 0;            // tiles of the chip the layer leaves idle while it computes
};

std::vector<LayerCosts> layer_costs(const DesignContext& ctx, const Trace& trace, const Floorplan& plan,
                                    const ChipArea& area, const std::vector<LayerActivity>& activity);

// Every layer's figures with the activity measured on the trace.
std::vector<LayerCosts> trace_layer_costs(const DesignContext& ctx, const Trace& trace, const Floorplan& plan,
                                          const ChipArea& area);

ChipPerformance estimate_performance(const DesignContext& ctx, const Trace& trace, const Floorplan& plan,
                                     const ChipArea& area);

}  // namespace neurosim
