// Peripheral circuit blocks. Each block is built from a documented parameter struct and reports its
// layout (height, width, area) when fitted to a given height, a given width, or laid out freely.
#pragma once

#include "neurosim/circuits/repeated_wire.hpp"
#include "neurosim/technology/gate.hpp"
#include "neurosim/technology/technology.hpp"

namespace neurosim {

// How a block is fitted into its neighbourhood.
struct Fit {
    enum class Side { free, height, width };
    Side side = Side::free;
    double length_m = 0;

    static Fit free_layout() { return {}; }
    static Fit to_height(double h) { return {Side::height, h}; }
    static Fit to_width(double w) { return {Side::width, w}; }
};

// Units of fixed size packed in columns of a given height or rows of a given width.
Footprint pack_units(double count, const Footprint& unit, const Fit& fit);

// D flip-flops (registers, shift registers): 12 minimum standard cells each.
struct FlipFlopParams {
    double count = 1;
};
class FlipFlops {
public:
    FlipFlops(const FlipFlopParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    Footprint unit() const;
    Footprint layout(const Fit& fit) const { return pack_units(p_.count, unit(), fit); }

private:
    FlipFlopParams p_;
    const TechnologyNode& t_;
};

// Ripple-carry adders of NAND2 full-adder bit slices: nine NAND2 per bit, NMOS twice the minimum width
// for the series pull-down. One model of the block for every caller: its layout, carry delay,
// switching energy and leakage (ripple_adder.cpp).
struct AdderParams {
    int bits = 8;
    double count = 1;  // adders side by side
};

// How the carry delay is priced. The reference prices the adder two ways and both are kept, so that
// its numbers hold:
//  - repeated_middle_slice: inference accumulation (shift-adders, adder trees, sequential read-out):
//    the carry arrives as an ideal step; one middle slice is priced with the slope the first slice
//    leaves and repeated for every further bit; the top slice sees the slope after that one middle slice.
//  - per_slice_slope: training circuits (gradient accumulation, weight-gradient unit): the carry
//    arrives with a 1e20 V/s edge and every slice is priced with the slope the previous one leaves.
enum class CarryTiming { repeated_middle_slice, per_slice_slope };

class RippleAdder {
public:
    RippleAdder(const AdderParams& p, const TechnologyNode& t);
    Footprint layout(const Fit& fit) const;
    // Worst-case carry ripple from bit 0 to the top sum bit, the last gate driving `load_f`.
    double delay_s(double load_f, CarryTiming timing = CarryTiming::repeated_middle_slice) const;
    // One addition in one adder: the nodes that charge along the carry path.
    double energy_per_add_j() const;
    // One addition in each of the `count` adders.
    double energy_j() const { return energy_per_add_j() * p_.count; }
    // Standing leakage of all `count` adders (every NAND2 off in its average input state).
    double leakage_w() const;

private:
    AdderParams p_;
    const TechnologyNode& t_;
    double c_in_ = 0, c_out_ = 0;        // NAND2 gate input and drain output capacitance
    double r_pull_down_ = 0, r_up_ = 0;  // two series NMOS; one PMOS
};

// Shift-and-add units that accumulate partial sums over input bit cycles.
struct ShiftAdderParams {
    int units = 1;
    int adder_bits = 8;
    int pulses = 8;  // input cycles, i.e. register extension bits + 1
};
class ShiftAdders {
public:
    ShiftAdders(const ShiftAdderParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    Footprint layout(const Fit& fit) const;  // fit must be to_height or to_width
private:
    ShiftAdderParams p_;
    const TechnologyNode& t_;
};

// Trees of adders summing `inputs` partial sums of `bits` bits, `trees` in parallel.
struct PartialSumTreeParams {
    int inputs = 2;
    int bits = 8;
    double trees = 1;
};
class PartialSumTree {
public:
    PartialSumTree(const PartialSumTreeParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    int stages() const;
    Footprint layout(const Fit& fit) const;  // fit must be to_height or to_width
private:
    PartialSumTreeParams p_;
    const TechnologyNode& t_;
};

// Column multiplexer of transmission gates sharing one read-out among `selection` columns.
struct MuxParams {
    double inputs = 16;  // outputs of the mux (one per shared read-out)
    int selection = 8;
    bool digital = false;  // minimum-size gates; otherwise sized for `pass_resistance_ohm`
    double pass_resistance_ohm = 1e3;
};
class ColumnMux {
public:
    ColumnMux(const MuxParams& p, const TechnologyNode& t);
    Footprint layout(const Fit& fit) const;

private:
    MuxParams p_;
    const TechnologyNode& t_;
    double wn_, wp_;
};

// Transmission-gate switch matrix with a scan flip-flop per line, on rows or on columns.
struct PassGateMatrixParams {
    bool rows = true;
    int lines = 128;
    double pass_resistance_ohm = 1e3;
};
class PassGateMatrix {
public:
    PassGateMatrix(const PassGateMatrixParams& p, const TechnologyNode& t);
    Footprint layout(const Fit& fit) const;

private:
    PassGateMatrixParams p_;
    const TechnologyNode& t_;
    double wn_, wp_;
};

// Row driver of 1T1R arrays: two transmission-gate pairs per row plus a flip-flop.
struct RowDriverParams {
    int rows = 128;
};
class RowDriverMatrix {
public:
    RowDriverMatrix(const RowDriverParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    Footprint layout(const Fit& fit) const;

private:
    RowDriverParams p_;
    const TechnologyNode& t_;
};

// Multilevel sense amplifier ADC: levels-1 current (or voltage) comparators per read-out.
struct SenseAdcParams {
    int readouts = 16;
    int levels = 64;
    bool current_mode = true;
};
class MultilevelSenseAdc {
public:
    MultilevelSenseAdc(const SenseAdcParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    double area_m2() const;
    Footprint layout(const Fit& fit) const;

private:
    SenseAdcParams p_;
    const TechnologyNode& t_;
};

// Thermometer-to-binary encoder after the multilevel sense amplifier.
struct EncoderParams {
    int levels = 64;
    int count = 16;
};
class ThermometerEncoder {
public:
    ThermometerEncoder(const EncoderParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    Footprint layout(const Fit& fit) const;

private:
    EncoderParams p_;
    const TechnologyNode& t_;
};

// Bit-line precharge and equalisation of SRAM columns.
struct BitlinePrechargerParams {
    int columns = 128;
};
class BitlinePrecharger {
public:
    BitlinePrecharger(const BitlinePrechargerParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    Footprint layout(const Fit& fit) const;

private:
    BitlinePrechargerParams p_;
    const TechnologyNode& t_;
};

// SRAM write drivers, one three-inverter unit per column.
struct WriteDriverParams {
    int columns = 128;
};
class BitlineWriteDriver {
public:
    BitlineWriteDriver(const WriteDriverParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    Footprint layout(const Fit& fit) const;

private:
    WriteDriverParams p_;
    const TechnologyNode& t_;
};

// Buffer core of `bits` bits read `interface_bits` at a time, in flip-flops or SRAM cells.
struct BufferParams {
    double bits = 1024;
    double interface_bits = 32;
    bool sram = false;
    double sram_cell_height_f = 8;
    double sram_cell_width_f = 20;
};
class BufferCore {
public:
    BufferCore(const BufferParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    double area_m2() const;

private:
    BufferParams p_;
    const TechnologyNode& t_;
};

// H-tree bus with repeaters over a grid of units; repeaters trade delay for size within a tolerance
// (repeated_wire.hpp).
struct HTreeBusParams {
    int rows = 2;
    int cols = 2;
    double delay_tolerance = 0.1;
    double bus_width_bits = 256;
    double wire_resistance_ohm_per_m = 1e6;
};
class HTreeBus {
public:
    HTreeBus(const HTreeBusParams& p, const TechnologyNode& t);
    double repeater_size() const { return repeaters_.repeater_size(); }
    double repeater_spacing_m() const { return repeaters_.spacing_m(); }
    // Area of the tree joining units of the given size; `folding` packs parallel wires.
    double area_m2(double unit_height_m, double unit_width_m, double folding) const;

private:
    HTreeBusParams p_;
    const TechnologyNode& t_;
    RepeatedWire repeaters_;  // sized as the H-tree layout does (RepeaterRelaxing::halve_unbounded)
};

// 2x2 max-pooling units of `bits`-bit comparators.
struct MaxPoolParams {
    int bits = 8;
    int window = 4;
    double units = 1;
};
class MaxPoolUnit {
public:
    MaxPoolUnit(const MaxPoolParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    double area_m2() const;

private:
    MaxPoolParams p_;
    const TechnologyNode& t_;
};

// ReLU as a register that passes or clears each activation.
struct ReluParams {
    double units = 1;
    int bits = 8;
};
class ReluUnit {
public:
    ReluUnit(const ReluParams& p, const TechnologyNode& t) : p_(p), t_(t) {}
    double area_m2() const;

private:
    ReluParams p_;
    const TechnologyNode& t_;
};

}  // namespace neurosim
