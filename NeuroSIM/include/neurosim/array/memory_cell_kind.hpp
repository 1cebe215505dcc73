// The synaptic memory cell, a variation point (hardware key `memory_cell`): its layout, what its read
// path puts in series with it, its standby leakage and the energy programming delivers into it.
// Built-in implementations: "sram" (a 6T cell read through precharged bit lines, one bit per cell),
// "rram" (1T1R or a selector-less crossbar cell, resistive heating while programmed) and "fefet"
// (a ferroelectric transistor, polarization switching while programmed). Register a new one with
// memory_cell_registry().add(name, description, factory).
#pragma once

#include "neurosim/design.hpp"
#include "neurosim/registry.hpp"

namespace neurosim {

// A cell's footprint and the electrical values the periphery is sized for.
struct CellGeometry {
    double height_m = 0, width_m = 0;
    double on_resistance_ohm = 0;           // cell plus access transistor, analog cells
    double sram_access_resistance_ohm = 0;  // the SRAM access transistor, 0 for other cells
};

// One cell moved between two conductance levels by a train of write pulses.
struct CellTransition {
    double from_s = 0, to_s = 0;  // conductances before and after
    int pulses = 0;               // pulses of the train
    double step_s = 0;            // conductance change of one pulse
    int levels = 1;               // programmable levels of the device
    double write_voltage_v = 0;   // effective write voltage of a pulse
};

class MemoryCellKind {
public:
    virtual ~MemoryCellKind() = default;

    virtual CellGeometry geometry(const DesignContext& ctx) const = 0;
    // A static (6T SRAM) cell: read through precharged bit lines and latch sense amplifiers, written
    // one row per cycle through write drivers; otherwise an analog (eNVM) cell read as a conductance and
    // written by pulse trains.
    virtual bool static_cell() const = 0;
    // Resistance in series with the cell on its read path (the 1T1R access transistor of an RRAM cell).
    virtual double series_resistance_ohm(const CellConfig& cell) const = 0;
    // Whether a transistor gates the cell onto its line (false: a selector-less crossbar).
    virtual bool gated_access(const CellConfig& cell) const = 0;
    // Standby power of one cell holding its state.
    virtual double standby_leakage_w(const CellConfig& cell, const TechnologyNode& t) const = 0;
    // Whether programming drives the write voltage onto the cell's gate (FeFET) rather than through it.
    virtual bool gate_programmed() const = 0;
    // Energy a pulse train delivers into the device itself (0 for a static cell: its nodes are counted
    // with the array).
    virtual double device_write_energy_j(const DesignContext& ctx, const CellTransition& tr) const = 0;
};

// The cells the estimator knows, by the name the hardware file gives (`memory_cell`).
Registry<MemoryCellKind>& memory_cell_registry();

}  // namespace neurosim
