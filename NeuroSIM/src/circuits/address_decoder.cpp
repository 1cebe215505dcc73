// The predecoding address decoder: layout, leakage, and the three timed selection paths (see
// address_decoder.hpp: DecoderPath). Stage delays use the estimator's Horowitz model (readout.hpp).
#include "neurosim/circuits/address_decoder.hpp"

#include <algorithm>
#include <cmath>

#include "neurosim/array/readout.hpp"
#include "neurosim/training/leakage.hpp"

namespace neurosim {
namespace {

constexpr double kStep = 1e20;  // addresses arrive as steps

// Columns (or rows) of `count` gates at most `per_line` to a column.
double gate_lines(double count, double per_line) {
    const double per = std::min(per_line, count);
    return per > 0 ? std::ceil(count / per) : 0.0;
}

}  // namespace

// ---------------------------------------------------------------- layout

// Standard cells of the decoder (8x sized when wide) and how many of each.
struct AddressDecoder::Cells {
    Footprint inv, nand, nor, driver;
    double num_inv, num_nand, num_nor, num_metal;
    // Width (or height) of the output stage behind one NOR: a mux enable or a wordline driver pair.
    double output_width_m(bool mux_enable) const {
        return mux_enable ? nand.width_m + inv.width_m * 2 : driver.width_m * 2;
    }
    double output_height_m(bool mux_enable) const {
        return mux_enable ? nand.height_m + inv.height_m * 2 : driver.height_m * 2;
    }
};

AddressDecoder::Cells AddressDecoder::cells() const {
    const TechnologyNode& t = t_;
    const double k = p_.wide ? 8 : 1;
    const double wn = t.min_nmos_width_m();
    const double pn = t.pn_size_ratio;
    const int n = p_.address_bits;
    const int nor_inputs = static_cast<int>(std::ceil(n / 2.0));
    Cells c;
    c.inv = standard_cell(GateKind::inverter, 1, k * wn, k * pn * wn, t);
    c.nand = standard_cell(GateKind::nand, 2, k * 2 * wn, k * pn * wn, t);
    c.nor = standard_cell(GateKind::nor, std::max(nor_inputs, 1), k * wn, k * nor_inputs * pn * wn, t);
    c.driver = standard_cell(GateKind::inverter, 1, k * 3 * wn, k * 3 * pn * wn, t);
    c.num_inv = n;
    c.num_nand = 4.0 * (n / 2);
    c.num_nor = n > 2 ? std::pow(2.0, n) : 0.0;
    c.num_metal = n > 2 ? c.num_nand + (n % 2) * 2 : 0.0;
    return c;
}

Footprint AddressDecoder::layout(const Fit& fit) const {
    if (p_.address_bits <= 0) return {};  // a single line needs no decoding
    const Cells c = cells();
    return p_.along_rows ? layout_along_rows(c, fit) : layout_along_cols(c, fit);
}

Footprint AddressDecoder::layout_along_rows(const Cells& c, const Fit& fit) const {
    const TechnologyNode& t = t_;
    Footprint out;
    if (fit.side == Fit::Side::height) {
        const double h = fit.length_m;
        const double cols_nor = gate_lines(c.num_nor, std::floor(h / c.nor.height_m));
        const double cols_nand = gate_lines(c.num_nand, std::floor(h / c.nand.height_m));
        const double cols_inv = std::ceil(c.num_inv / std::min(std::floor(h / c.inv.height_m), c.num_inv));
        out.height_m = h;
        out.width_m = c.inv.width_m * cols_inv + c.nand.width_m * cols_nand +
                      t.rules.m3_pitch_f * c.num_metal * t.f() + c.nor.width_m * cols_nor;
        out.width_m += c.output_width_m(p_.mux_enable) * cols_nor;
    } else {
        out.height_m = std::max(c.nor.height_m * c.num_nor, c.nand.height_m * c.num_nand);
        out.width_m = c.inv.width_m + c.nand.width_m + t.rules.m3_pitch_f * c.num_metal * t.f() + c.nor.width_m;
        out.width_m += c.output_width_m(p_.mux_enable);
    }
    return out;
}

Footprint AddressDecoder::layout_along_cols(const Cells& c, const Fit& fit) const {
    const TechnologyNode& t = t_;
    Footprint out;
    if (fit.side == Fit::Side::width) {
        const double w = fit.length_m;
        const double rows_nor = gate_lines(c.num_nor, std::floor(w / c.nor.width_m));
        const double rows_nand = gate_lines(c.num_nand, std::floor(w / c.nand.width_m));
        const double rows_inv = std::ceil(c.num_inv / std::min(std::floor(w / c.inv.width_m), c.num_inv));
        out.width_m = w;
        out.height_m = c.inv.height_m * rows_inv + c.nand.height_m * rows_nand +
                       t.rules.m2_pitch_f * c.num_metal * t.f() + c.nor.height_m * rows_nor;
        out.height_m += c.output_height_m(p_.mux_enable) * rows_nor;
    } else {
        out.height_m = c.inv.height_m + c.nand.height_m + t.rules.m2_pitch_f * c.num_metal * t.f() + c.nor.height_m;
        out.height_m += c.output_height_m(p_.mux_enable);
        out.width_m = std::max(c.nor.width_m * c.num_nor, c.nand.width_m * c.num_nand);
    }
    return out;
}

// ---------------------------------------------------------------- leakage

double AddressDecoder::leakage_w() const {
    const TechnologyNode& t = t_;
    const int n = p_.address_bits;
    if (n <= 0) return 0;
    const double wn = t.min_nmos_width_m(), pn = t.pn_size_ratio;
    const double inverter_a = gate_leakage_current_a(GateKind::inverter, 1, wn, pn * wn, t);
    const double nand2_a = gate_leakage_current_a(GateKind::nand, 2, 2 * wn, pn * wn, t);
    const int nor_inputs = std::max(static_cast<int>(std::ceil(n / 2.0)), 1);
    // Gates as the layout places them (minimum size: leakage is not counted for the wide variant).
    const double inverters = n, nands = 4.0 * (n / 2), nors = n > 2 ? std::pow(2.0, n) : 0.0;
    double a = inverters * inverter_a + nands * nand2_a +
               nors * gate_leakage_current_a(GateKind::nor, nor_inputs, wn, nor_inputs * pn * wn, t);
    // Each output drives a mux enable (NAND2 and two inverters) or a wordline (two 3x inverters).
    const double stage = p_.mux_enable ? nand2_a + 2 * inverter_a
                                       : 2 * gate_leakage_current_a(GateKind::inverter, 1, 3 * wn, 3 * pn * wn, t);
    a += nors * stage;
    return a * t.vdd_v;
}

// ---------------------------------------------------------------- timing and energy

double AddressDecoder::delay_s(DecoderPath path, const DecoderLoad& load) const {
    switch (path) {
        case DecoderPath::buffer_line:
            return buffer_line_delay_s(load);
        case DecoderPath::sequential_row:
            return sequential_row_delay_s(load);
        case DecoderPath::mux_enable:
            break;
    }
    return mux_enable_delay_s(load);
}

double AddressDecoder::energy_j(DecoderPath path, const DecoderLoad& load) const {
    switch (path) {
        case DecoderPath::buffer_line:
            return buffer_line_energy_j();
        case DecoderPath::sequential_row:
            return sequential_row_energy_j(load);
        case DecoderPath::mux_enable:
            break;
    }
    return mux_enable_energy_j();
}

namespace {

GateCapacitance inverter_caps(double size, const TechnologyNode& t) {
    const double wn = size * t.min_nmos_width_m();
    return gate_capacitance(GateKind::inverter, 1, wn, t.pn_size_ratio * wn, t.cell_height_m(), t);
}

// Gates of the buffer-line path: NOR pull-ups widened by the input count to match a minimum inverter.
struct BufferLineGates {
    int a, nor_inputs;
    bool has_nor;
    double lines, nor_fanout;  // one NOR per line; NOR inputs on one predecode output
    GateCapacitance inv, nand, nor, driver;
};

BufferLineGates buffer_line_gates(int address_bits, const TechnologyNode& t) {
    const double wn = t.min_nmos_width_m();
    const double pn = t.pn_size_ratio;
    const double h = t.cell_height_m();
    BufferLineGates g;
    g.a = std::max(1, address_bits);
    g.lines = std::pow(2.0, g.a);
    g.nor_inputs = (g.a + 1) / 2;
    g.has_nor = g.a > 2;
    g.nor_fanout = g.has_nor ? g.lines / 4 : 0;
    g.inv = inverter_caps(1, t);
    g.nand = gate_capacitance(GateKind::nand, 2, 2 * wn, pn * wn, h, t);
    g.nor = gate_capacitance(GateKind::nor, g.nor_inputs, wn, g.nor_inputs * pn * wn, h, t);
    g.driver = inverter_caps(3, t);
    return g;
}

// Gates of the sequential-row and mux-enable paths: NORs of half the address bits (rounded up).
struct PathGates {
    int bits, nor_inputs;
    GateCapacitance inv, nand, nor;
};

PathGates path_gates(int bits, int nor_inputs, bool with_nor, const TechnologyNode& t) {
    const double h = t.cell_height_m();
    const double wn = t.min_nmos_width_m(), wp = t.pn_size_ratio * wn;
    return {bits, nor_inputs, gate_capacitance(GateKind::inverter, 1, wn, wp, h, t),
            gate_capacitance(GateKind::nand, 2, 2 * wn, wp, h, t),
            with_nor ? gate_capacitance(GateKind::nor, nor_inputs, wn, nor_inputs * wp, h, t) : GateCapacitance{}};
}

// The 3x row driver of the sequential-row path, sized from the minimum PMOS width.
GateCapacitance row_driver_caps(const TechnologyNode& t) {
    const double wn = t.min_nmos_width_m(), wp = t.pn_size_ratio * wn;
    return gate_capacitance(GateKind::inverter, 1, 3 * wn, 3 * wp, t.cell_height_m(), t);
}

}  // namespace

double AddressDecoder::buffer_line_delay_s(const DecoderLoad& load) const {
    const TechnologyNode& t = t_;
    const double wn = t.min_nmos_width_m();
    const double pn = t.pn_size_ratio;
    const BufferLineGates g = buffer_line_gates(p_.address_bits, t);
    // Address inverter -> two NAND inputs; NAND (two series pull-downs) -> NOR inputs; NOR (series
    // pull-ups) -> driver; driver inverter pair -> the line. Each stage sees the previous one's ramp.
    double slope = kStep;
    auto stage = [&](double res, double cap) { return horowitz_delay_s(res * cap, slope, &slope); };
    double delay = stage(on_resistance_ohm(wn, true, t), g.inv.output_f + 2 * g.nand.input_f);
    const double nand_load =
        g.has_nor ? g.nand.output_f + g.nor.input_f * g.nor_fanout : g.nand.output_f + g.driver.input_f;
    delay += stage(2 * on_resistance_ohm(2 * wn, true, t), nand_load);
    if (g.has_nor) {
        const double wp = g.nor_inputs * pn * wn;
        delay += stage(2 * on_resistance_ohm(wp, false, t), g.nor.output_f + g.driver.input_f);
    }
    delay += stage(on_resistance_ohm(3 * wn, true, t), g.driver.output_f + g.driver.input_f);
    delay += stage(on_resistance_ohm(3 * pn * wn, false, t), g.driver.output_f + load.line_f);
    return delay;
}

double AddressDecoder::buffer_line_energy_j() const {
    const BufferLineGates g = buffer_line_gates(p_.address_bits, t_);
    const int predecoders = 4 * (g.a / 2);  // one NAND2 per pair value
    // One access: every address line switches, one predecoder of each group of four, one NOR and the
    // driver pair (the line itself is charged by the cells' own energy).
    double energy = (g.inv.input_f + 2 * g.nand.input_f) * g.a;
    energy += (g.nand.output_f + g.nor.input_f * g.nor_fanout) * predecoders / 4.0;
    if (g.has_nor) energy += g.nor.output_f + g.driver.input_f;
    energy += 2 * (g.driver.input_f + g.driver.output_f);
    return energy * (t_.vdd_v * t_.vdd_v);
}

double AddressDecoder::sequential_row_delay_s(const DecoderLoad& load) const {
    const TechnologyNode& t = t_;
    const int bits = p_.address_bits;
    const auto [b, nor_inputs, inv, nand, nor] = path_gates(bits, std::max(1, (bits + 1) / 2), true, t);
    const double wn = t.min_nmos_width_m(), wp = t.pn_size_ratio * wn;
    const GateCapacitance drv = row_driver_caps(t);
    double slope = kStep, delay = 0;
    const bool nands = bits >= 2, nors = bits > 2;
    // The address buffer drives two predecoder NANDs (true and complement pairs), or the path directly.
    const double buffer_load = inv.output_f + (nands ? 2 * nand.input_f : drv.input_f);
    delay += horowitz_delay_s(on_resistance_ohm(wn, true, t) * buffer_load, slope, &slope);
    if (nands) {
        // Each predecoded output feeds a quarter of the NORs.
        const double nand_load = nand.output_f + (nors ? nor.input_f * load.lines / 4.0 : drv.input_f);
        delay += horowitz_delay_s(2 * on_resistance_ohm(2 * wn, true, t) * nand_load, slope, &slope);
    }
    if (nors) {
        const double r_stack = nor_inputs * on_resistance_ohm(nor_inputs * wp, false, t);
        delay += horowitz_delay_s(r_stack * (nor.output_f + drv.input_f), slope, &slope);
    }
    delay += horowitz_delay_s(on_resistance_ohm(3 * wn, true, t) * (drv.output_f + drv.input_f), slope, &slope);
    // The last inverter charges the line, its wire distributed (Elmore: half the wire resistance).
    const double tau =
        on_resistance_ohm(3 * wp, false, t) * (drv.output_f + load.line_f) + load.line_ohm * load.line_f / 2;
    delay += horowitz_delay_s(tau, slope, &slope);
    return delay;
}

double AddressDecoder::sequential_row_energy_j(const DecoderLoad& load) const {
    const TechnologyNode& t = t_;
    const PathGates g = path_gates(p_.address_bits, std::max(1, (p_.address_bits + 1) / 2), true, t);
    const GateCapacitance drv = row_driver_caps(t);
    const double bits = g.bits;
    const double lines = load.lines;
    const GateCapacitance &inv = g.inv, &nand = g.nand, &nor = g.nor;
    // A new address flips half its bits on average; in each 2-bit group one predecoded output rises and
    // one falls; the old and the new NOR and driver paths switch; the new line charges to its swing.
    double c = bits / 2 * (inv.output_f + 2 * nand.input_f);
    if (bits >= 2) c += 2 * std::floor(bits / 2) * (nand.output_f + (bits > 2 ? nor.input_f * lines / 4.0 : 0.0));
    if (bits > 2) c += 2 * (nor.output_f + drv.input_f);
    c += 2 * (drv.output_f + drv.input_f) + drv.output_f;
    return c * t.vdd_v * t.vdd_v + load.line_f * load.swing_v * load.swing_v;
}

double AddressDecoder::mux_enable_delay_s(const DecoderLoad& load) const {
    const TechnologyNode& t = t_;
    const int bits = p_.address_bits;
    const auto [b, nor_inputs, inv, nand, nor] = path_gates(bits, (bits + 1) / 2, bits > 2, t);
    const double min_n = t.min_nmos_width_m(), min_p = t.pn_size_ratio * t.min_nmos_width_m();
    auto r_n = [&t](double w) { return on_resistance_ohm(w, true, t); };
    auto r_p = [&t](double w) { return on_resistance_ohm(w, false, t); };
    const bool nands = bits >= 2, nors = bits > 2;
    const double load_n = load.enable_n_f, load_p = load.enable_p_f;
    const double n_nor = nors ? std::pow(2.0, bits) : 0.0;
    double slope = kStep, delay = 0;
    delay += horowitz_delay_s(r_n(min_n) * (inv.output_f + (nands ? nand.input_f * 2 : load_n)), slope, &slope);
    if (nands) {
        const double nand_load = nand.output_f + (nors ? nor.input_f * n_nor / 4 : load_n);
        delay += horowitz_delay_s(r_n(2 * min_n) * 2 * nand_load, slope, &slope);
    }
    if (nors) {
        delay += horowitz_delay_s(r_p(nor_inputs * min_p) * 2 * (nor.output_f + nand.input_f), slope, &slope);
    }
    delay += horowitz_delay_s(r_n(2 * min_n) * (nand.output_f + inv.input_f), slope, &slope);
    delay += horowitz_delay_s(r_p(min_p) * (inv.output_f + inv.input_f + load_n), slope, &slope);
    delay += horowitz_delay_s(r_n(min_n) * (inv.output_f + load_p), slope, &slope);
    return delay;
}

double AddressDecoder::mux_enable_energy_j() const {
    const int bits = p_.address_bits;
    const auto [b, nor_inputs, inv, nand, nor] = path_gates(bits, (bits + 1) / 2, bits > 2, t_);
    const double nands = 4.0 * (bits / 2);
    const double nors = bits > 2 ? std::pow(2.0, bits) : 0.0;
    double c = (inv.input_f + nand.input_f * 2) * (bits / 2) * 2;
    c += (inv.input_f + nor.input_f * nors / 2) * (bits % 2);
    c += (nand.output_f + nor.input_f * nors / 4) * nands / 4;
    c += nor.output_f + nand.input_f;
    c += (nand.output_f + inv.input_f) + (inv.output_f + inv.input_f) + inv.output_f;
    return c * (t_.vdd_v * t_.vdd_v);
}

}  // namespace neurosim
