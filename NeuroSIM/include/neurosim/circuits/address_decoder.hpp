// The predecoding address decoder (2-bit NAND predecode, a NOR per output, then an output stage): the
// one model of the block for every caller - its layout, its leakage, and the delay and switching
// energy of one selection.
#pragma once

#include "neurosim/circuits/circuits.hpp"

namespace neurosim {

struct DecoderParams {
    bool along_rows = true;  // drives rows (stacked vertically) or columns
    int address_bits = 3;
    bool mux_enable = false;  // outputs drive pass-gate enables instead of wordline drivers
    bool wide = false;        // 8x sized devices for parallel activation (layout only)
};

// Which selection is timed. The reference times the decoder of each of these its own way (stage
// resistances, NOR pull-up stacks, what the driver charges), and each is kept so that its numbers hold:
//  - buffer_line: a buffer core's line (transfer.hpp: BufferAccess); address inverter -> NAND
//    predecoder -> NOR (pull-ups widened by their count, stack counted as two) -> 3x inverter pair
//    charging `line_f`. Energy: the gates of one access, without the line.
//  - sequential_row: a row of a sequential read (readout_modes.hpp); as buffer_line but the NOR stack
//    is counted input by input, the NOR fan-out follows `lines`, and the last inverter charges a
//    distributed wire (`line_f`, `line_ohm`). Energy: half the address bits flip, old and new paths
//    switch, and the line swings to `swing_v`.
//  - mux_enable: the enables of a column mux (readout.cpp); NAND-INV-INV output stage driving the pass
//    gates (`enable_n_f` on the NMOS side, `enable_p_f` on the PMOS side).
enum class DecoderPath { buffer_line, sequential_row, mux_enable };

// What one timed selection drives; each path reads the fields its description above names.
struct DecoderLoad {
    double line_f = 0;      // capacitance of the selected line
    double line_ohm = 0;    // its wire resistance (sequential_row)
    double swing_v = 0;     // voltage the line swings to (sequential_row)
    double lines = 0;       // lines decoded; may be no power of two (sequential_row)
    double enable_n_f = 0;  // gate load on the NMOS-side enables (mux_enable)
    double enable_p_f = 0;  // gate load on the PMOS-side enables (mux_enable)
};

class AddressDecoder {
public:
    AddressDecoder(const DecoderParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    Footprint layout(const Fit& fit) const;
    // Standing leakage of every gate, at the operating temperature (outputs: mux enables or drivers).
    double leakage_w() const;
    // One selection along `path` (see DecoderPath).
    double delay_s(DecoderPath path, const DecoderLoad& load) const;
    double energy_j(DecoderPath path, const DecoderLoad& load) const;

private:
    struct Cells;
    Cells cells() const;
    Footprint layout_along_rows(const Cells& c, const Fit& fit) const;
    Footprint layout_along_cols(const Cells& c, const Fit& fit) const;
    double buffer_line_delay_s(const DecoderLoad& load) const;
    double buffer_line_energy_j() const;
    double sequential_row_delay_s(const DecoderLoad& load) const;
    double sequential_row_energy_j(const DecoderLoad& load) const;
    double mux_enable_delay_s(const DecoderLoad& load) const;
    double mux_enable_energy_j() const;

    DecoderParams p_;
    const TechnologyNode& t_;
};

}  // namespace neurosim
