// The per-layer cost model of the training phases: what one layer does, counted from the floorplan and
// the trace, priced by the blocks that do it (performance.hpp composes the layers into the chip).
#pragma once

#include <cstddef>

#include "neurosim/circuits/transfer.hpp"
#include "neurosim/training/performance.hpp"
#include "neurosim/training/weight_transfer.hpp"

namespace neurosim {


struct DramProperties {
    double bandwidth_bit_per_s = 0;
    double energy_per_bit_j = 0;
};

// Published figures the reference uses: HBM2 15.2 Tb/s at 3.9 pJ/bit, GDDR5 4.288 Tb/s at 14 pJ/bit.
inline DramProperties dram_properties(DramType type) {
    return type == DramType::hbm2 ? DramProperties{15.2e12, 3.9e-12} : DramProperties{4.288e12, 14e-12};
}

// What the costs of one layer are counted from.
struct LayerCounts {
    std::size_t index = 0;  // in the network and the trace
    const LayerShape* shape = nullptr;
    const LayerPlacement* place = nullptr;
    const LayerActivity* activity = nullptr;
    bool first = false;  // layer 1 has no activation gradient
    double n = 0;        // output pixels as the reference counts them (valid convolution; see README)
    double input_bits = 0, error_bits = 0;
    double speedup = 1, cols_per_synapse = 1;
    double rows = 0, ofm = 0, cols = 0, kernel = 1, weights = 0;  // weight matrix, cell columns
    double row_blocks = 0, col_blocks = 0;  // sub-arrays along the rows and the columns (one copy)
    double tiles = 1, total_tiles = 1;
    double gradient_bits = 0;     // all weight gradients of the layer
};

// One read-out direction: forward (rows driven, columns read) or transposed.
struct PhaseCounts {
    ReadDirection direction = ReadDirection::forward;
    double bits = 0;   // input cycles; zero when the phase does not run
    double reads = 0;  // array reads of one copy of the weights
};

struct ComputeCosts {
    double adc_s = 0, array_s = 0, accumulation_s = 0, adc_j = 0, array_j = 0, accumulation_j = 0;
    double latency() const { return adc_s + array_s + accumulation_s; }
    double energy() const { return adc_j + array_j + accumulation_j; }
};

// Global buffer, global H-tree and DRAM, for one pass of the layer's activations and for its gradients.
struct TransferCosts {
    double buffer_act_s = 0, buffer_act_j = 0, buffer_grad_s = 0, buffer_grad_j = 0;
    double tree_s = 0, tree_j = 0;
    double dram_act_s = 0, dram_act_j = 0, dram_grad_s = 0, dram_grad_j = 0;
};

// Tile and PE buffers and buses of one read-out pass, and of the weight changes before the update.
struct TileCosts {
    double buffer_s = 0, buffer_j = 0, bus_s = 0, bus_j = 0;
    double gradient_buffer_s = 0, gradient_buffer_j = 0, gradient_bus_s = 0, gradient_bus_j = 0;
};

// What follows a layer's outputs, per image: a residual add (its additions on the chip's accumulation
// adders in FW, and in AG the sum of the two branches' errors where the shortcut starts; the shortcut
// operand, or in AG the shortcut branch's error, written to the global buffer and DRAM and read back at
// the add) and global average pooling (FW additions of every output into its channel's sum; its AG
// spreads an error by a shift and costs nothing here).
struct OutputOperationCosts {
    double fw_accumulation_s = 0, fw_accumulation_j = 0, ag_accumulation_s = 0, ag_accumulation_j = 0;
    double fw_buffer_s = 0, fw_buffer_j = 0, ag_buffer_s = 0, ag_buffer_j = 0;
    double fw_dram_s = 0, fw_dram_j = 0, ag_dram_s = 0, ag_dram_j = 0;
};

struct UpdateCosts {
    double peak_s = 0, peak_j = 0;          // programming the arrays
    double transfer_s = 0, transfer_j = 0;  // bringing the gradients to them
};

// Builds the figures of one layer; counts are per image unless said otherwise.
class LayerCostBuilder {
public:
    LayerCostBuilder(const DesignContext& ctx, const Trace& trace, const Floorplan& plan, const ChipArea& area)
        : ctx_(ctx),
          trace_(trace),
          plan_(plan),
          area_(area),
          movement_(data_movement_models(ctx, plan, area)),
          delivery_(ctx, plan, area) {}

    LayerCosts build(std::size_t index, const LayerActivity& act) const;

private:
    LayerCounts counts(std::size_t index, const LayerActivity& act) const;
    PhaseCounts forward(const LayerCounts& c) const;
    PhaseCounts transposed(const LayerCounts& c) const;
    ComputeCosts compute(const LayerCounts& c, const PhaseCounts& ph) const;
    void readout(const LayerCounts& c, const PhaseCounts& ph, ComputeCosts* k) const;
    void accumulation(const LayerCounts& c, ReadDirection direction, ComputeCosts* k) const;
    TransferCosts transfers(const LayerCounts& c) const;
    TileCosts tile(const LayerCounts& c, const PhaseCounts& ph) const;
    OutputOperationCosts output_operations(const LayerCounts& c) const;
    // What the layer's inputs occupy in the SRAM gradient unit.
    struct GradientFootprint {
        double rows, cols, arrays_in_row, arrays_in_col;
    };
    GradientFootprint gradient_footprint(const LayerCounts& c) const;
    double gradient_latency(const LayerCounts& c) const;
    double gradient_energy(const LayerCounts& c) const;
    int gradient_accumulator_bits() const;
    UpdateCosts update(const LayerCounts& c) const;
    double tile_leakage(const LayerCounts& c) const;

    const DesignContext& ctx_;
    const Trace& trace_;
    const Floorplan& plan_;
    const ChipArea& area_;
    // Buffers, buses and trees of the design, the same for every layer.
    const DataMovementModels movement_;
    const WeightChangeDelivery delivery_;
};

}  // namespace neurosim
