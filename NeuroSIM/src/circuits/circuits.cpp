#include "neurosim/circuits/circuits.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/circuits/address_decoder.hpp"

namespace neurosim {
namespace {

// Minimum inverter used throughout the periphery.
Footprint min_inverter(const TechnologyNode& t) {
    return standard_cell(GateKind::inverter, 1, t.min_nmos_width_m(), t.pn_size_ratio * t.min_nmos_width_m(), t);
}

// `lines` inverter-sized gates stacked along a side (folded into columns when the fit fixes the
// height), `gates_per_line` of them side by side, with a scan flip-flop per line beside them.
Footprint inverter_lines(const Fit& fit, int lines, int gates_per_line, double wn_m, double wp_m,
                         const FlipFlops& scan, const TechnologyNode& t) {
    const double min_h = t.cell_height_m();
    if (fit.side == Fit::Side::height) {
        // A side shorter than one gate still holds one gate per column (it overhangs the side).
        double per_col = std::max(1.0, std::floor(fit.length_m / min_h));
        const double cols = std::ceil(lines / per_col);
        per_col = std::ceil(lines / cols);
        const Footprint tg = gate_footprint(GateKind::inverter, 1, wn_m, wp_m, fit.length_m / per_col, t);
        return {fit.length_m, tg.width_m * gates_per_line * cols + scan.layout(fit).width_m};
    }
    const Footprint tg = gate_footprint(GateKind::inverter, 1, wn_m, wp_m, min_h, t);
    const double h = tg.height_m * lines;
    return {h, tg.width_m * gates_per_line + scan.layout(Fit::to_height(h)).width_m};
}

double min_cell_pitch_m(const TechnologyNode& t) {
    return 2 * (t.rules.poly_width_f + t.rules.gap_gate_poly_f) * t.f();
}

int clamp_count(double per_line, double count) {
    const double v = std::min(std::floor(per_line), count);
    return static_cast<int>(std::max(v, 1.0));
}

}  // namespace

Footprint pack_units(double count, const Footprint& unit, const Fit& fit) {
    Footprint out;
    switch (fit.side) {
        case Fit::Side::height: {
            const int per_column = clamp_count(fit.length_m / unit.height_m, count);
            out.height_m = fit.length_m;
            out.width_m = unit.width_m * std::ceil(count / per_column);
            break;
        }
        case Fit::Side::width: {
            const int per_row = clamp_count(fit.length_m / unit.width_m, count);
            out.width_m = fit.length_m;
            out.height_m = unit.height_m * std::ceil(count / per_row);
            break;
        }
        case Fit::Side::free:
            out.width_m = unit.width_m * count;
            out.height_m = unit.height_m;
            break;
    }
    return out;
}

Footprint FlipFlops::unit() const {
    const Footprint inv = min_inverter(t_);
    return {inv.height_m, inv.width_m * 12};
}

Footprint ShiftAdders::layout(const Fit& fit) const {
    // The register extends the adder output by one bit per extra input cycle.
    const double flip_flops = static_cast<double>(p_.adder_bits + 1 + p_.pulses - 1) * p_.units;
    const Footprint adders = RippleAdder({p_.adder_bits, static_cast<double>(p_.units)}, t_).layout(fit);
    const Footprint regs = FlipFlops({flip_flops}, t_).layout(fit);
    const double glue_m = t_.cell_height_m();  // one row of INV/NAND2 steering logic
    if (fit.side == Fit::Side::height) return {fit.length_m + glue_m, adders.width_m + regs.width_m};
    return {adders.height_m + glue_m + regs.height_m, fit.length_m};
}

int PartialSumTree::stages() const {
    return static_cast<int>(std::ceil(std::log2(p_.inputs)));
}

Footprint PartialSumTree::layout(const Fit& fit) const {
    // Each stage halves the operands and grows one bit; an odd leftover operand is dropped, as in
    // the calibration reference.
    int total_bits = 0;
    int operands = p_.inputs;
    int bits = p_.bits;
    for (int s = stages(); s > 0; --s) {
        total_bits += bits * (operands / 2);
        ++bits;
        operands /= 2;
    }
    const double area = RippleAdder({total_bits, p_.trees}, t_).layout(fit).area_m2();
    if (fit.side == Fit::Side::height) return {fit.length_m, area / fit.length_m};
    return {area / fit.length_m, fit.length_m};
}

ColumnMux::ColumnMux(const MuxParams& p, const TechnologyNode& t) : p_(p), t_(t) {
    if (p_.digital) {
        wn_ = t.min_nmos_width_m();
        wp_ = t.pn_size_ratio * t.min_nmos_width_m();
    } else {
        // Width giving the requested on-resistance, with NMOS and PMOS in parallel.
        wn_ = on_resistance_ohm(t.f(), true, t) * t.f() / (p_.pass_resistance_ohm * 2);
        wp_ = on_resistance_ohm(t.f(), false, t) * t.f() / (p_.pass_resistance_ohm * 2);
    }
}

Footprint ColumnMux::layout(const Fit& fit) const {
    const double gates = p_.inputs * p_.selection;
    if (p_.digital) {
        const Footprint tg = standard_cell(GateKind::inverter, 1, wn_, wp_, t_);
        if (fit.side == Fit::Side::width) return pack_units(gates, tg, fit);
        return {tg.height_m, tg.width_m * gates};
    }
    if (fit.side == Fit::Side::width) {
        const double pitch = min_cell_pitch_m(t_);
        double per_row = std::max(1.0, std::floor(fit.length_m / pitch));  // at least one gate
        const double rows = std::ceil(gates / per_row);
        per_row = std::ceil(gates / rows);
        const double gate_width = fit.length_m / per_row;
        const int folds = static_cast<int>(gate_width / (0.5 * pitch)) - 1;
        const Footprint tg = pass_gate_footprint(wn_, wp_, std::max(folds, 1), t_);
        return {tg.height_m * rows, fit.length_m};
    }
    const Footprint tg = pass_gate_footprint(wn_, wp_, 1, t_);
    return {tg.height_m, tg.width_m * gates};
}

PassGateMatrix::PassGateMatrix(const PassGateMatrixParams& p, const TechnologyNode& t) : p_(p), t_(t) {
    wn_ = on_resistance_ohm(t.f(), true, t) * t.f() / (p_.pass_resistance_ohm * 2);
    wp_ = on_resistance_ohm(t.f(), false, t) * t.f() / (p_.pass_resistance_ohm * 2);
}

Footprint PassGateMatrix::layout(const Fit& fit) const {
    const FlipFlops scan({static_cast<double>(p_.lines)}, t_);
    if (p_.rows) return inverter_lines(fit, p_.lines, 2, wn_, wp_, scan, t_);
    const double pitch = min_cell_pitch_m(t_);
    if (fit.side == Fit::Side::width) {
        double per_row = std::max(1.0, std::floor(fit.length_m / (pitch * 2)));  // at least one gate
        const double rows = std::ceil(p_.lines / per_row);
        per_row = std::ceil(p_.lines / rows);
        const double gate_width = fit.length_m / per_row / 2;
        const int folds = static_cast<int>(gate_width / (0.5 * pitch)) - 1;
        const Footprint tg = pass_gate_footprint(wn_, wp_, std::max(folds, 1), t_);
        return {tg.height_m * rows + scan.layout(fit).height_m, fit.length_m};
    }
    const Footprint tg = pass_gate_footprint(wn_, wp_, 1, t_);
    const double w = tg.width_m * 2 * p_.lines;
    return {tg.height_m + scan.layout(Fit::to_width(w)).height_m, w};
}

Footprint RowDriverMatrix::layout(const Fit& fit) const {
    const double wn = t_.min_nmos_width_m();
    const double wp = t_.pn_size_ratio * wn;
    const FlipFlops scan({static_cast<double>(p_.rows)}, t_);
    return inverter_lines(fit, p_.rows, 4, wn, wp, scan, t_);
}

double MultilevelSenseAdc::area_m2() const {
    const double wn = t_.min_nmos_width_m();
    const double nmos = standard_cell(GateKind::inverter, 1, wn, 0, t_).area_m2();
    const double pmos = standard_cell(GateKind::inverter, 1, 0, t_.pn_size_ratio * wn, t_).area_m2();
    // Transistor budget of one comparator (current-mode sensing with reference branch, or latch type).
    const double per_comparator = p_.current_mode ? nmos * 48 + pmos * 24 : nmos * 52 + pmos * 60;
    return per_comparator * (p_.levels - 1) * p_.readouts;
}

Footprint MultilevelSenseAdc::layout(const Fit& fit) const {
    const double a = area_m2();
    if (fit.side == Fit::Side::height) return {fit.length_m, a / fit.length_m};
    if (fit.side == Fit::Side::width) return {a / fit.length_m, fit.length_m};
    return {std::sqrt(a), std::sqrt(a)};
}

Footprint ThermometerEncoder::layout(const Fit& fit) const {
    const double wn = t_.min_nmos_width_m();
    const double pn = t_.pn_size_ratio;
    const Footprint inv = min_inverter(t_);
    const Footprint nand = standard_cell(GateKind::nand, 2, 2 * wn, pn * wn, t_);
    const Footprint wide_nand = standard_cell(GateKind::nand, p_.levels / 2, 2 * wn, pn * wn, t_);
    const Footprint unit{std::max((p_.levels - 1) * inv.height_m, (p_.levels - 1) * nand.height_m),
                         2 * inv.width_m + nand.width_m + wide_nand.width_m};
    return pack_units(p_.count, unit, fit);
}

Footprint BitlinePrecharger::layout(const Fit& fit) const {
    const Footprint precharge = standard_cell(GateKind::inverter, 1, 0, 6 * t_.f(), t_);
    const Footprint equalise = standard_cell(GateKind::inverter, 1, 0, t_.min_nmos_width_m(), t_);
    const Footprint unit{precharge.height_m + equalise.height_m * 2, std::max(precharge.width_m, equalise.width_m)};
    if (fit.side == Fit::Side::width) return pack_units(p_.columns, unit, fit);
    return {unit.height_m, unit.width_m * p_.columns};
}

Footprint BitlineWriteDriver::layout(const Fit& fit) const {
    const Footprint inv = min_inverter(t_);
    const Footprint unit{inv.height_m * 3, inv.width_m};
    if (fit.side == Fit::Side::width) return pack_units(p_.columns, unit, fit);
    return {unit.height_m, unit.width_m * p_.columns};
}

double BufferCore::area_m2() const {
    const double lines = std::ceil(p_.bits / p_.interface_bits);
    const int address_bits = static_cast<int>(std::ceil(std::log2(lines)));
    const AddressDecoder decoder({true, address_bits, false, false}, t_);
    if (p_.sram) {
        const double row_m = p_.interface_bits * p_.sram_cell_width_f * t_.f();
        const double col_m = lines * p_.sram_cell_height_f * t_.f();
        const int columns = static_cast<int>(p_.interface_bits);
        return row_m * col_m + decoder.layout(Fit::to_height(col_m)).area_m2() +
               BitlinePrecharger({columns}, t_).layout(Fit::to_width(row_m)).area_m2() +
               BitlineWriteDriver({columns}, t_).layout(Fit::to_width(row_m)).area_m2();
    }
    const Footprint ff = FlipFlops({1}, t_).unit();
    return ff.area_m2() * p_.bits + decoder.layout(Fit::to_height(ff.height_m * lines)).area_m2();
}

HTreeBus::HTreeBus(const HTreeBusParams& p, const TechnologyNode& t)
    : p_(p),
      t_(t),
      repeaters_({p.wire_resistance_ohm_per_m, p.delay_tolerance, RepeaterRelaxing::halve_unbounded}, t) {}

double HTreeBus::area_m2(double unit_height_m, double unit_width_m, double folding) const {
    const double wn = repeaters_.repeater_size() * t_.min_nmos_width_m();
    const Footprint inv = standard_cell(GateKind::inverter, 1, wn, wn * t_.pn_size_ratio, t_);
    const int levels = static_cast<int>(std::ceil(std::log2(static_cast<double>(std::max(p_.rows, p_.cols)))));
    double length_v = unit_height_m * std::pow(2.0, levels) / 2;
    double length_h = unit_width_m * std::pow(2.0, levels) / 2;
    double width_v = 0, width_h = 0, area = 0;
    // Branches below the top level; the last level overlaps the units themselves.
    for (int i = 1; i < levels; ++i) {
        length_v /= 2;
        width_v += p_.bus_width_bits * inv.width_m / folding;
        area += width_v * length_v / 2;
        length_h /= 2;
        width_h += p_.bus_width_bits * inv.height_m / folding;
        area += width_h * length_h / 2;
    }
    // Trunk from the tree centre to the nearest edge.
    double x_center = std::floor(std::log2(static_cast<double>(std::min(p_.rows, p_.cols))));
    if (p_.cols - x_center < 1) x_center -= 1;
    area += (p_.bus_width_bits * inv.height_m / folding) * std::min(p_.cols - x_center, x_center) * unit_width_m;
    return area;
}

double MaxPoolUnit::area_m2() const {
    int comparators = 0;
    for (int n = p_.window; n != 0; n /= 2) comparators += n / 2;
    comparators += p_.window % 2;
    const double wn = t_.min_nmos_width_m();
    const double pn = t_.pn_size_ratio;
    const double inv = min_inverter(t_).area_m2();
    const double nand2 = standard_cell(GateKind::nand, 2, 2 * wn, pn * wn, t_).area_m2();
    const double nand3 = standard_cell(GateKind::nand, 3, 3 * wn, pn * wn, t_).area_m2();
    const double nor2 = standard_cell(GateKind::nor, 2, 4 * wn, pn * wn, t_).area_m2();
    const double nor_wide = standard_cell(GateKind::nor, p_.bits, 2 * p_.bits * wn, pn * wn, t_).area_m2();
    const double one_bit = inv * 4 + nand2 * 4 + nand3 * 3;
    double unit = (one_bit + inv * 5) * p_.bits;        // bit comparators with enable gates
    unit += inv * 6 + (nand2 + inv) + nor2 + nor_wide;  // selection logic of one N-bit comparator
    return unit * comparators * p_.units;
}

double ReluUnit::area_m2() const {
    return FlipFlops({p_.units * p_.bits}, t_).layout(Fit::free_layout()).area_m2();
}

}  // namespace neurosim
