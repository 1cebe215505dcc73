// The ripple-carry adder of NAND2 full-adder slices: layout, carry delay, switching energy and leakage.
// Gate-level model after P.-Y. Chen, X. Peng, S. Yu, "NeuroSim", IEEE TCAD 37(12), 2018; stage delays
// with M. Horowitz's ramp-input model (readout.hpp: horowitz_delay_s).
#include <algorithm>
#include <limits>

#include "neurosim/array/readout.hpp"
#include "neurosim/circuits/circuits.hpp"
#include "neurosim/training/leakage.hpp"

namespace neurosim {
namespace {

constexpr double kNandsPerBit = 9;
// The training circuits' carry edge (training_circuits.hpp: kStepSlope).
constexpr double kTrainingCarrySlope = 1e20;

double nand_nmos_width(const TechnologyNode& t) {
    return 2 * t.min_nmos_width_m();
}
double nand_pmos_width(const TechnologyNode& t) {
    return t.pn_size_ratio * t.min_nmos_width_m();
}

}  // namespace

RippleAdder::RippleAdder(const AdderParams& p, const TechnologyNode& t) : p_(p), t_(t) {
    const GateCapacitance nand =
        gate_capacitance(GateKind::nand, 2, nand_nmos_width(t), nand_pmos_width(t), t.cell_height_m(), t);
    c_in_ = nand.input_f;
    c_out_ = nand.output_f;
    r_pull_down_ = 2 * on_resistance_ohm(nand_nmos_width(t), true, t);
    r_up_ = on_resistance_ohm(nand_pmos_width(t), false, t);
}

Footprint RippleAdder::layout(const Fit& fit) const {
    const Footprint nand = standard_cell(GateKind::nand, 2, nand_nmos_width(t_), nand_pmos_width(t_), t_);
    switch (fit.side) {
        case Fit::Side::height:
            return pack_units(p_.count, {nand.height_m, nand.width_m * kNandsPerBit * p_.bits}, fit);
        case Fit::Side::width:
            return pack_units(p_.count, {nand.height_m * p_.bits, nand.width_m * kNandsPerBit}, fit);
        case Fit::Side::free:
            break;
    }
    return {nand.height_m, nand.width_m * kNandsPerBit * p_.bits * p_.count};
}

double RippleAdder::delay_s(double load_f, CarryTiming timing) const {
    // A 9-NAND2 full adder: the carry enters through two NAND levels that fan out to 3 and 2 gates,
    // ripples through the same two levels in every further slice, and the top slice forms its sum in
    // three more levels, the last driving the load. Each level pulls down through the NMOS stack or
    // up through one PMOS, and its slow input edge slows the next level.
    const double fall = r_pull_down_ * (c_out_ + 3 * c_in_);
    const double rise = r_up_ * (c_out_ + 2 * c_in_);
    const bool per_slice = timing == CarryTiming::per_slice_slope;
    double slope = per_slice ? kTrainingCarrySlope : std::numeric_limits<double>::infinity();
    auto stage = [&slope](double tau) { return horowitz_delay_s(tau, slope, &slope); };
    // Two levels priced in turn (each sees the slope the other leaves), summed as a pair.
    auto pair = [&stage](double first_tau, double second_tau) {
        const double first = stage(first_tau);
        return first + stage(second_tau);
    };
    double delay = pair(fall, rise);
    if (per_slice) {
        for (int b = 2; b < p_.bits; ++b) delay += pair(fall, rise);
        const double sum = pair(fall, r_up_ * (c_out_ + c_in_));
        return delay + (sum + stage(r_pull_down_ * (c_out_ + load_f)));
    }
    const double middle_fall = stage(fall);
    const double middle_rise = stage(rise);
    if (p_.bits > 2) delay += (middle_fall + middle_rise) * (p_.bits - 2);
    delay += stage(fall);
    delay += stage(r_up_ * (c_out_ + c_in_));
    return delay + stage(r_pull_down_ * (c_out_ + load_f));
}

double RippleAdder::energy_per_add_j() const {
    // Rising nodes along the worst-case carry path, counted per slice with the internal nodes that
    // toggle on the way: the lowest slice also loads both operands and the carry in.
    const double first_slice = 14 * c_in_ + 7 * c_out_;
    const double next_slice = 13 * c_in_ + 7 * c_out_;
    const double switched = first_slice + next_slice * std::max(0, p_.bits - 1);
    return switched * t_.vdd_v * t_.vdd_v;
}

double RippleAdder::leakage_w() const {
    const double nand_a = gate_leakage_current_a(GateKind::nand, 2, nand_nmos_width(t_), nand_pmos_width(t_), t_);
    return kNandsPerBit * p_.bits * p_.count * nand_a * t_.vdd_v;
}

}  // namespace neurosim
