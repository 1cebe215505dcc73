#include "neurosim/training/leakage.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/memory_cell_kind.hpp"
#include "neurosim/circuits/address_decoder.hpp"
#include "neurosim/circuits/buffer_kind.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/circuits/readout_adc.hpp"

namespace neurosim {
namespace {

// A master-slave flip-flop has two latches (forward and clocked feedback inverter each) and two
// local clock inverter pairs: eight inverter-sized paths from Vdd to ground.
constexpr double kFlipFlopInverters = 8;
// An SRAM write driver is three inverters per column (circuits.cpp).
constexpr double kWriteDriverInverters = 3;

double min_inverter_a(const TechnologyNode& t) {
    const double wn = t.min_nmos_width_m();
    return gate_leakage_current_a(GateKind::inverter, 1, wn, t.pn_size_ratio * wn, t);
}

double nand2_a(const TechnologyNode& t) {
    const double wn = t.min_nmos_width_m();
    return gate_leakage_current_a(GateKind::nand, 2, 2 * wn, t.pn_size_ratio * wn, t);
}

int log2_int(int v) {
    return static_cast<int>(std::log2(static_cast<double>(v)));
}

int address_bits_for(int lines) {
    return lines > 1 ? static_cast<int>(std::ceil(std::log2(static_cast<double>(lines)))) : 0;
}

// ADC, encoder and shift-adders of one read-out edge; sense comparators are gated off at rest.
double readout_leakage_w(const ReadoutAdc& adc, int readouts, int levels, int input_cycles, int cols_per_synapse,
                         const TechnologyNode& t) {
    const int adc_bits = log2_int(levels);
    double w = adc.idle_leakage_w(readouts, levels, t);
    if (input_cycles > 1) w += shift_adder_leakage_w(readouts, adc_bits + cols_per_synapse, input_cycles, t);
    if (cols_per_synapse > 1) w += shift_adder_leakage_w(readouts, adc_bits, cols_per_synapse, t);
    return w;
}

double write_driver_leakage_w(double columns, const TechnologyNode& t) {
    return kWriteDriverInverters * columns * min_inverter_a(t) * t.vdd_v;
}

double mux_decoder_leakage_w(int selection, const TechnologyNode& t) {
    return selection > 1 ? AddressDecoder({true, address_bits_for(selection), true, false}, t).leakage_w() : 0.0;
}

// As the tile's area model: bits of a partial sum after the tile adder tree.
int accumulated_bits(const DesignContext& ctx, double pe_size) {
    const ArrayConfig& array_config = ctx.array_config;
    return static_cast<int>(std::ceil(std::log2(array_config.adc_levels)) + ctx.input_bits + ctx.cols_per_synapse() +
                            1 + std::ceil(std::log2(pe_size / array_config.subarray_rows)));
}


}  // namespace

// A 6T cell holding either value has one pull-down and one pull-up off. At rest the bit lines are
// not precharged (they float and settle), so the access devices carry no standing leakage, as in
// the non-volatile arrays.
double sram_cell_leakage_w(const CellConfig& cell, const TechnologyNode& t) {
    const double f = t.f();
    const double i = cell.sram_nmos_width_f * f * t.i_off_n_a_per_m + cell.sram_pmos_width_f * f * t.i_off_p_a_per_m;
    return i * t.vdd_v;
}

double gate_leakage_current_a(GateKind kind, int inputs, double nmos_width_m, double pmos_width_m,
                              const TechnologyNode& t) {
    const double n_off = t.conducting_width_m(nmos_width_m) * t.i_off_n_a_per_m;
    const double p_off = t.conducting_width_m(pmos_width_m) * t.i_off_p_a_per_m;
    if (kind == GateKind::inverter || inputs <= 1) return std::max(n_off, p_off);
    // Series stacks leak less than one off device (stack_leakage.csv).
    const StackLeakageFit& stack = t.fits.stack_leakage;
    if (kind == GateKind::nand) {
        // Output low: every parallel pull-up is off.
        return (inputs == 2 ? stack.nand2 : stack.nand3) * inputs * p_off;
    }
    // NOR, output high: every parallel pull-down is off.
    return (inputs == 2 ? stack.nor2 : stack.nor3) * inputs * n_off;
}

double flip_flop_leakage_w(double count, const TechnologyNode& t) {
    return kFlipFlopInverters * count * min_inverter_a(t) * t.vdd_v;
}

double shift_adder_leakage_w(int units, int adder_bits, int pulses, const TechnologyNode& t) {
    // The register widens the adder output by one bit per extra input cycle (as ShiftAdders).
    const double flip_flops = static_cast<double>(adder_bits + pulses) * units;
    return RippleAdder({adder_bits, static_cast<double>(units)}, t).leakage_w() + flip_flop_leakage_w(flip_flops, t);
}

double adder_tree_leakage_w(int inputs, int bits, double trees, const TechnologyNode& t) {
    // Stages halve the operands and grow one bit (as PartialSumTree).
    int total_bits = 0;
    int operands = inputs;
    int width = bits;
    for (int s = static_cast<int>(std::ceil(std::log2(std::max(inputs, 1)))); s > 0; --s) {
        total_bits += width * (operands / 2);
        ++width;
        operands /= 2;
    }
    return RippleAdder({total_bits, trees}, t).leakage_w();
}

double encoder_leakage_w(int levels, double count, const TechnologyNode& t) {
    const double wn = t.min_nmos_width_m(), pn = t.pn_size_ratio;
    const int bits = log2_int(levels);
    // Thermometer edge detection (an inverter and a NAND2 per level step), then one wide NAND per
    // output bit with its inverter.
    const double steps = levels - 1;
    const double a = (steps + bits) * min_inverter_a(t) + steps * nand2_a(t) +
                     bits * gate_leakage_current_a(GateKind::nand, std::max(levels / 2, 2), 2 * wn, pn * wn, t);
    return a * count * t.vdd_v;
}

double buffer_leakage_w(double bits, double interface_bits, bool sram, const CellConfig& cell,
                        const TechnologyNode& t) {
    const double lines = std::ceil(bits / interface_bits);
    const int address_bits = address_bits_for(static_cast<int>(lines));
    const double decoder = AddressDecoder({true, address_bits, false, false}, t).leakage_w();
    if (!sram) return flip_flop_leakage_w(bits, t) + decoder;
    return bits * sram_cell_leakage_w(cell, t) + decoder + write_driver_leakage_w(interface_bits, t);
}

double htree_leakage_w(int rows, int cols, double unit_height_m, double unit_width_m, double bus_bits,
                       const RepeatedWire& repeaters) {
    const double repeater_spacing_m = repeaters.spacing_m();
    if (repeater_spacing_m <= 0) return 0;
    const int levels = static_cast<int>(std::ceil(std::log2(static_cast<double>(std::max({rows, cols, 1})))));
    // Wire of one bit: each level doubles the branches and halves their length, alternately
    // vertical and horizontal, from half the tree's span down to the units.
    double length_v = unit_height_m * std::pow(2.0, levels) / 2;
    double length_h = unit_width_m * std::pow(2.0, levels) / 2;
    double wire_m = 0;
    for (int i = 0; i < levels; ++i) {
        wire_m += std::pow(2.0, i) * (length_v + length_h);
        length_v /= 2;
        length_h /= 2;
    }
    const double count = wire_m / repeater_spacing_m * bus_bits;  // one per spacing along every wire
    return count * repeaters.repeater_leakage_w();
}

double sub_array_leakage_w(const DesignContext& ctx, bool transposed_active) {
    const ArrayConfig& array_config = ctx.array_config;
    const TrainingConfig& training_config = ctx.training_config;
    const TechnologyNode& t = ctx.tech;
    const int rows = array_config.subarray_rows, cols = array_config.subarray_cols;
    const int cps = ctx.cols_per_synapse();
    double w = mux_decoder_leakage_w(array_config.columns_per_adc, t) +
               readout_leakage_w(ctx.adc(), cols / array_config.columns_per_adc, array_config.adc_levels,
                                 ctx.input_bits, cps, t);
    const bool transposed = training_config.training_estimation && transposed_active;
    if (transposed) {
        w += mux_decoder_leakage_w(training_config.ag_rows_per_adc, t) +
             readout_leakage_w(ctx.adc(), rows / training_config.ag_rows_per_adc, training_config.ag_adc_levels,
                               training_config.error_bits, cps, t);
    }
    if (ctx.cell().static_cell()) {
        // Word-line scan registers and write drivers on both access directions, and the cells.
        w += flip_flop_leakage_w(rows, t) + write_driver_leakage_w(cols, t);
        if (transposed) w += flip_flop_leakage_w(cols, t) + write_driver_leakage_w(rows, t);
        w += static_cast<double>(rows) * cols * ctx.cell().standby_leakage_w(ctx.cell_config, t);
    } else {
        // Scan registers of the row drivers and of the source-line switches; the cells themselves
        // are non-volatile and their access devices see no bias at rest. The source-line switches
        // drive the transposed read's inputs (and select columns while programming, outside the read
        // phases): like the SRAM column-side registers above, they are power-gated in a layer without
        // transposed read.
        w += flip_flop_leakage_w(rows, t);
        if (ctx.quirk(Quirk::switch_register_leakage_twice)) {
            // Never gated, and counted for both read directions where the transposed read runs.
            w += flip_flop_leakage_w(cols, t) * (transposed ? 2 : 1);
        } else if (transposed) {
            w += flip_flop_leakage_w(cols, t);
        }
    }
    return w;
}

double processing_element_leakage_w(const DesignContext& ctx, double pe_size, int active_tree_inputs,
                                    bool transposed_active) {
    const ArrayConfig& array_config = ctx.array_config;
    const TechnologyNode& t = ctx.tech;
    const double arrays =
        std::ceil(pe_size / array_config.subarray_rows) * std::ceil(pe_size / array_config.subarray_cols);
    const int n = static_cast<int>(std::ceil(std::sqrt(arrays)));
    const int readouts = array_config.subarray_cols / array_config.columns_per_adc;
    const int adc_bits = log2_int(array_config.adc_levels);
    const int tree_bits = adc_bits + ctx.input_bits + 1;
    const int stages = static_cast<int>(std::ceil(std::log2(std::max(n, 1))));
    // As the PE's area model: n x n sub-arrays, the tree joining a column of them, an input register
    // holding one input cycle per row and an output register holding the summed outputs.
    const double in_bits = static_cast<double>(ctx.input_bits) * array_config.subarray_rows;
    const double out_bits = static_cast<double>(readouts) * (adc_bits + ctx.input_bits + stages);
    const int tree_inputs = active_tree_inputs < 0 ? n : std::min(active_tree_inputs, n);
    return sub_array_leakage_w(ctx, transposed_active) * n * n +
           adder_tree_leakage_w(tree_inputs, tree_bits, static_cast<double>(n) * readouts, t) +
           flip_flop_leakage_w(in_bits + out_bits, t);
}

double tile_leakage_w(const DesignContext& ctx, const TileLeakageParams& p) {
    const ArrayConfig& array_config = ctx.array_config;
    const BufferConfig& buffer_config = ctx.buffer_config;
    const ChipConfig& chip_config = ctx.chip_config;
    const TechnologyNode& t = ctx.tech;
    const int readouts = array_config.subarray_cols / array_config.columns_per_adc;
    double w = processing_element_leakage_w(ctx, p.pe_size, p.active_pe_tree_inputs, p.transposed_active) * p.pes;
    const int accumulated = p.active_accumulation_inputs < 0 ? p.accumulated_pes
                                                             : std::min(p.active_accumulation_inputs, p.accumulated_pes);
    const int summed_bits = accumulated_bits(ctx, p.pe_size);
    w += adder_tree_leakage_w(accumulated, summed_bits, static_cast<double>(p.accumulated_pes) * readouts, t);

    // Buffers as the tile's area model builds them: one sized core below a full core, else full cores.
    const double core_bits =
        static_cast<double>(buffer_config.tile_buffer_core_rows) * buffer_config.tile_buffer_core_cols;
    const BufferKind& buffer = ctx.tile_buffer();
    auto core = [&](double bits, double interface_bits) {
        if (bits < core_bits) return buffer.leakage_w(ctx, {bits, interface_bits});
        return buffer.leakage_w(ctx, {core_bits, static_cast<double>(buffer_config.tile_buffer_core_cols)});
    };
    const double in_bits = static_cast<double>(p.accumulated_pes) * ctx.input_bits * array_config.subarray_rows;
    w += core(in_bits, static_cast<double>(p.accumulated_pes) * array_config.subarray_rows) * p.input_buffer_cores;
    const double out_per_pe = chip_config.chip_activation ? summed_bits : ctx.input_bits;
    w += core(out_per_pe * p.accumulated_pes * readouts, out_per_pe * p.accumulated_pes) * p.output_buffer_cores;
    if (!chip_config.chip_activation) w += flip_flop_leakage_w(std::ceil(p.pe_size * readouts) * ctx.input_bits, t);
    return w;
}

}  // namespace neurosim
