// The built-in synaptic memory cells: "sram", "rram" and "fefet".
#include <algorithm>
#include <cmath>

#include "neurosim/array/memory_cell_kind.hpp"
#include "neurosim/technology/gate.hpp"
#include "neurosim/training/leakage.hpp"

namespace neurosim {
namespace {

// Relaxing stretches a cell to the pitch of the periphery that connects to it.
double relaxed(bool relax, double drawn, double minimum) {
    return relax ? std::max(drawn, minimum) : drawn;
}
double min_height_f(const TechnologyNode& t) {
    return t.rules.max_transistor_height_f;
}
double min_width_f(const TechnologyNode& t) {
    return (t.rules.gap_gate_poly_f + t.rules.poly_width_f) * 2;
}

class SramCell final : public MemoryCellKind {
public:
    CellGeometry geometry(const DesignContext& ctx) const override {
        const CellConfig& cell_config = ctx.cell_config;
        const TechnologyNode& t = ctx.tech;
        const double f = t.f();
        CellGeometry g;
        g.height_m = relaxed(cell_config.relax_cell_height, cell_config.sram_cell_height_f, min_height_f(t)) * f;
        g.width_m = relaxed(cell_config.relax_cell_width, cell_config.sram_cell_width_f, min_width_f(t)) * f;
        g.sram_access_resistance_ohm = on_resistance_ohm(cell_config.sram_access_width_f * f, true, t);
        return g;
    }
    bool static_cell() const override { return true; }
    double series_resistance_ohm(const CellConfig&) const override { return 0; }
    bool gated_access(const CellConfig&) const override { return true; }
    double standby_leakage_w(const CellConfig& cell, const TechnologyNode& t) const override {
        return sram_cell_leakage_w(cell, t);
    }
    bool gate_programmed() const override { return false; }
    double device_write_energy_j(const DesignContext&, const CellTransition&) const override { return 0; }
};

// Analog cells: 1T1R (access transistor sized to drop a quarter of the on-resistance) or crossbar cells
// drawn in the device's own feature size above the CMOS periphery.
CellGeometry analog_geometry(const DesignContext& ctx) {
    const CellConfig& cell_config = ctx.cell_config;
    const TechnologyNode& t = ctx.tech;
    const double f = t.f();
    CellGeometry g;
    if (cell_config.access_type == AccessType::cmos) {
        g.height_m = relaxed(cell_config.relax_cell_height, cell_config.cell_1t1r_height_f, min_height_f(t)) * f;
        // Two pass gates per column in the drivers set the relaxed width.
        g.width_m = relaxed(cell_config.relax_cell_width, cell_config.cell_1t1r_width_f, min_width_f(t) * 2) * f;
        g.on_resistance_ohm = cell_config.resistance_on_ohm * 1.25;
        return g;
    }
    const double cell_f = cell_config.feature_size_nm * 1e-9;
    g.height_m =
        relaxed(cell_config.relax_cell_height, cell_config.crossbar_cell_height_f * cell_f, min_height_f(t) * f);
    g.width_m =
        relaxed(cell_config.relax_cell_width, cell_config.crossbar_cell_width_f * cell_f, min_width_f(t) * 2 * f);
    g.on_resistance_ohm = cell_config.resistance_on_ohm;
    return g;
}

class RramCell final : public MemoryCellKind {
public:
    CellGeometry geometry(const DesignContext& ctx) const override { return analog_geometry(ctx); }
    bool static_cell() const override { return false; }
    double series_resistance_ohm(const CellConfig& cell) const override {
        return cell.access_type == AccessType::cmos ? cell.access_resistance_ohm : 0.0;
    }
    bool gated_access(const CellConfig& cell) const override { return cell.access_type == AccessType::cmos; }
    double standby_leakage_w(const CellConfig&, const TechnologyNode&) const override { return 0; }
    bool gate_programmed() const override { return false; }
    // Joule heating through the filament at the mean of the two resistances, pulse after pulse.
    double device_write_energy_j(const DesignContext& ctx, const CellTransition& tr) const override {
        const double r_mean = (1 / tr.from_s + 1 / tr.to_s) / 2;
        const double vw = tr.write_voltage_v;
        return vw * vw / r_mean * ctx.cell_config.write_pulse_width_s * tr.pulses;
    }
};

class FefetCell final : public MemoryCellKind {
public:
    CellGeometry geometry(const DesignContext& ctx) const override { return analog_geometry(ctx); }
    bool static_cell() const override { return false; }
    double series_resistance_ohm(const CellConfig&) const override { return 0; }
    bool gated_access(const CellConfig&) const override { return true; }
    double standby_leakage_w(const CellConfig&, const TechnologyNode&) const override { return 0; }
    bool gate_programmed() const override { return true; }
    // The ferroelectric is erased and re-polarized; the polarization maps linearly onto the conductance
    // levels between -Pr and +Pr. Energy = charge moved x write voltage over the gate area (2 F^2).
    // Polarization in uC/cm^2 -> C/m^2 is x 0.01.
    double device_write_energy_j(const DesignContext& ctx, const CellTransition& tr) const override {
        const double pr = ctx.cell_config.fefet_polarization_uc_per_cm2;
        auto polarization = [&](double g) { return (g / tr.step_s - tr.levels / 2.0) * (2 * pr / tr.levels); };
        const double moved = std::abs(polarization(tr.to_s) + pr) + std::abs(polarization(tr.from_s) + pr);
        const double f = ctx.tech.f();
        return moved * 0.01 * tr.write_voltage_v * 2 * f * f;
    }
};

Registry<MemoryCellKind> builtin_memory_cells() {
    Registry<MemoryCellKind> r("memory_cell");
    r.add("sram", "6T SRAM cell, one bit, read through precharged bit lines",
          [] { return std::make_unique<SramCell>(); });
    r.add("rram", "resistive cell, 1T1R or crossbar, programmed by resistive heating",
          [] { return std::make_unique<RramCell>(); });
    r.add("fefet", "ferroelectric FET cell, programmed by polarization switching",
          [] { return std::make_unique<FefetCell>(); });
    return r;
}

}  // namespace

Registry<MemoryCellKind>& memory_cell_registry() {
    static Registry<MemoryCellKind> registry = builtin_memory_cells();
    return registry;
}

}  // namespace neurosim
