#include "neurosim/training/weight_update.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "neurosim/array/memory_cell.hpp"
#include "neurosim/array/memory_cell_kind.hpp"
#include "neurosim/technology/gate.hpp"
#include "neurosim/training/training_circuits.hpp"

namespace neurosim {
namespace {

// Delay of an RC stage to half swing under a step input.
double half_swing_delay_s(double tau_s) {
    return std::log(2.0) * tau_s;
}

// A 1T1R access transistor is sized so that, in its linear region (a fifth of its on-resistance), it
// drops at most a quarter of the device's on-resistance (NeuroSim's IR-drop budget).
constexpr double kLinearRegionRatio = 0.20;
constexpr double kIrDropTolerance = 0.25;

// One programming pulse stands for the potentiation and the depression drive together: NeuroSim takes
// the root sum of squares of the two write voltages (here both the device's write voltage).
double effective_write_voltage_v(const CellConfig& cell) {
    return std::sqrt(2.0) * cell.write_voltage_v;
}

}  // namespace

ProgrammingArray::ProgrammingArray(const DesignContext& ctx) {
    const ArrayConfig& array_config = ctx.array_config;
    const TechnologyNode& t = ctx.tech;
    const MemoryCellModel cell(ctx);
    const double wire_f_per_m = t.rules.wire_cap_f_per_m;
    const double row_m = array_config.subarray_cols * cell.width_m();
    const double col_m = array_config.subarray_rows * cell.height_m();
    const PassGate tg = minimum_pass_gate(t);
    switch_gate_f_ = tg.gate_f;
    switch_drain_f_ = tg.drain_f;
    row_line_f_ = wire_f_per_m * row_m;
    const double row_wire_ohm = ctx.wire_resistance_ohm_per_m * row_m;
    const double col_wire_ohm = ctx.wire_resistance_ohm_per_m * col_m;

    if (ctx.cell().static_cell()) {
        size_sram_lines(ctx, col_m, row_wire_ohm, col_wire_ohm);
    } else {
        size_envm_lines(ctx, col_m, row_wire_ohm, col_wire_ohm);
    }
}

void ProgrammingArray::size_sram_lines(const DesignContext& ctx, double col_m, double row_wire_ohm,
                                       double col_wire_ohm) {
    const CellConfig& cell_config = ctx.cell_config;
    const ArrayConfig& array_config = ctx.array_config;
    const TechnologyNode& t = ctx.tech;
    const double wire_f_per_m = t.rules.wire_cap_f_per_m;
    const double access_w = cell_config.sram_access_width_f * t.f();
    const double wn = cell_config.sram_nmos_width_f * t.f(), wp = cell_config.sram_pmos_width_f * t.f();
    word_line_f_ = row_line_f_ + 2 * gate_input_capacitance_f(access_w, t) * array_config.subarray_cols;
    column_line_f_ = wire_f_per_m * col_m + drain_capacitance_f(access_w, true, t) * array_config.subarray_rows;
    sram_node_f_ = sram_storage_node_f(cell_config, t);
    const double pull_ohm = (on_resistance_ohm(wn, true, t) + on_resistance_ohm(wp, false, t)) / 2;
    sram_flip_delay_s_ = half_swing_delay_s(pull_ohm * sram_node_f_);
    // Each write cycle first precharges the bit lines (a 6 F PMOS), then a two-inverter write driver
    // (minimum size) pulls one of them down through the line's resistance.
    const double wmin = t.min_nmos_width_m(), wpmin = wmin * t.pn_size_ratio;
    const GateCapacitance inv = gate_capacitance(GateKind::inverter, 1, wmin, wpmin, t.cell_height_m(), t);
    write_driver_f_ = inv.input_f + inv.output_f;
    const double precharge_w = 6 * t.f();
    const double precharge_tau =
        on_resistance_ohm(precharge_w, false, t) * (column_line_f_ + drain_capacitance_f(precharge_w, false, t)) +
        col_wire_ohm * column_line_f_ / 2;
    const double driver_tau = on_resistance_ohm(wpmin, false, t) * write_driver_f_ +
                              on_resistance_ohm(wmin, true, t) * (column_line_f_ + inv.output_f) +
                              col_wire_ohm * column_line_f_ / 2;
    sram_column_write_delay_s_ = half_swing_delay_s(precharge_tau) + half_swing_delay_s(driver_tau);
    // An SRAM row has no source-line switches: selecting it is raising its word line, through a
    // driver sized to the line (its on-resistance equal to the wire's), as SRAM word-line drivers are.
    row_select_delay_s_ = half_swing_delay_s(1.5 * row_wire_ohm * word_line_f_);
}

void ProgrammingArray::size_envm_lines(const DesignContext& ctx, double col_m, double row_wire_ohm,
                                       double col_wire_ohm) {
    const CellConfig& cell_config = ctx.cell_config;
    const ArrayConfig& array_config = ctx.array_config;
    const TechnologyNode& t = ctx.tech;
    const double wire_f_per_m = t.rules.wire_cap_f_per_m;
    const MemoryCellModel cell(ctx);
    const PassGate tg = minimum_pass_gate(t);
    double access_w = 0;
    if (cell_config.access_type == AccessType::cmos) {
        access_w = on_resistance_ohm(t.f(), true, t) * kLinearRegionRatio /
                   (cell_config.resistance_on_ohm * kIrDropTolerance) * t.f();
        access_w = std::min(access_w, cell.width_m());
    }
    word_line_f_ = row_line_f_ + gate_input_capacitance_f(access_w, t) * array_config.subarray_cols;
    column_line_f_ = wire_f_per_m * col_m +
                     (access_w > 0 ? drain_capacitance_f(access_w, true, t) * array_config.subarray_rows : 0.0);
    // Selecting a row: a pass gate charges the word line, another the source lines of the columns.
    const double word_tau = tg.on_ohm * (2 * tg.drain_f + word_line_f_) + row_wire_ohm * word_line_f_ / 2;
    const double column_tau =
        tg.on_ohm * (3 * tg.drain_f + column_line_f_) + col_wire_ohm * column_line_f_ / 2;
    row_select_delay_s_ = half_swing_delay_s(std::max(word_tau, column_tau));
}

namespace {

// Tallies of one sub-array (a block of rows by a block of cell columns).
struct SubArrayTally {
    double set_pulses = 0, reset_pulses = 0;  // summed over rows: longest SET / RESET train of each row
    double set_rows = 0, reset_rows = 0;      // rows with a SET, rows with a RESET
    double changed_rows = 0;                  // rows with either
    double set_cells = 0, reset_cells = 0;    // cells potentiated / depressed
    double rows = 0, cols = 0;                // extent of the weights in this sub-array
    void clear(double r, double c) {
        *this = SubArrayTally{};
        rows = r;
        cols = c;
    }
};

class ProgrammingEstimator {
public:
    explicit ProgrammingEstimator(const DesignContext& ctx)
        : ctx_(ctx),
          cell_config_(ctx.cell_config),
          array_config_(ctx.array_config),
          t_(ctx.tech),
          cell_(ctx.cell()),
          static_cell_(cell_.static_cell()),
          array_(ctx) {
        top_ = (1 << ctx.cell_bits()) - 1;
        levels_ = std::max(cell_config_.max_levels_ltp, cell_config_.max_levels_ltd);
        g_on_ = 1.0 / cell_config_.resistance_on_ohm;
        g_off_ = 1.0 / cell_config_.resistance_off_ohm;
        step_g_ = (g_on_ - g_off_) / levels_;
        write_v_ = effective_write_voltage_v(cell_config_);
    }

    ProgrammingWork run(const TraceLayer& layer) {
        const std::size_t rows = layer.weight.shape[0], cols = layer.weight.shape[1];
        const std::size_t cell_cols = cols * ctx_.cols_per_synapse();
        const std::size_t block_rows = array_config_.subarray_rows, block_cols = array_config_.subarray_cols;
        const std::size_t col_blocks = (cell_cols + block_cols - 1) / block_cols;
        std::vector<SubArrayTally> tally(col_blocks);
        RowChanges row(col_blocks);
        for (std::size_t r0 = 0; r0 < rows; r0 += block_rows) {
            const std::size_t r1 = std::min(rows, r0 + block_rows);
            for (std::size_t b = 0; b < col_blocks; ++b) {
                tally[b].clear(static_cast<double>(r1 - r0),
                               static_cast<double>(std::min(block_cols, cell_cols - b * block_cols)));
            }
            for (std::size_t r = r0; r < r1; ++r) {
                scan_row(layer, r, &row);
                for (std::size_t b = 0; b < col_blocks; ++b) add_row(row, b, &tally[b]);
            }
            for (const SubArrayTally& s : tally) close_subarray(s);
        }
        return work_;
    }

private:
    // One weight row's changes per column block: longest SET and RESET train, cells to set and reset.
    struct RowChanges {
        explicit RowChanges(std::size_t blocks) : set(blocks), reset(blocks), n_set(blocks), n_reset(blocks) {}
        std::vector<int> set, reset, n_set, n_reset;
    };

    void scan_row(const TraceLayer& layer, std::size_t r, RowChanges* row) {
        const int cell_bits = ctx_.cell_bits();
        const int cps = ctx_.cols_per_synapse();
        const int offset = 1 << (ctx_.weight_bits - 1);
        const std::size_t cols = layer.weight.shape[1];
        const std::size_t block_cols = array_config_.subarray_cols;
        std::fill(row->set.begin(), row->set.end(), 0);
        std::fill(row->reset.begin(), row->reset.end(), 0);
        std::fill(row->n_set.begin(), row->n_set.end(), 0);
        std::fill(row->n_reset.begin(), row->n_reset.end(), 0);
        std::size_t cell_col = 0;
        for (std::size_t c = 0; c < cols; ++c) {
            int now = layer.weight.values[r * cols + c] + offset;
            int before = layer.weight_old.values[r * cols + c] + offset;
            for (int d = 0; d < cps; ++d, ++cell_col) {
                const int to = now & top_, from = before & top_;
                now >>= cell_bits;
                before >>= cell_bits;
                if (to == from) continue;
                const std::size_t b = cell_col / block_cols;
                const int pulses = program_cell(from, to);
                if (to > from) {
                    row->set[b] = std::max(row->set[b], pulses);
                    ++row->n_set[b];
                } else {
                    row->reset[b] = std::max(row->reset[b], pulses);
                    ++row->n_reset[b];
                }
            }
        }
    }

    void add_row(const RowChanges& row, std::size_t b, SubArrayTally* s) const {
        s->set_pulses += row.set[b];
        s->reset_pulses += row.reset[b];
        s->set_cells += row.n_set[b];
        s->reset_cells += row.n_reset[b];
        // Analog rows holding both kinds count under the SET phase only (see close_subarray);
        // SRAM rows count in each phase they take part in.
        if (row.n_set[b] > 0) ++s->set_rows;
        if (row.n_reset[b] > 0 && (row.n_set[b] == 0 || static_cell_)) ++s->reset_rows;
        if (row.n_set[b] > 0 || row.n_reset[b] > 0) ++s->changed_rows;
    }

    double conductance(int level) const { return g_off_ + (g_on_ - g_off_) * level / top_; }

    // Pulses moving one cell between two levels; adds the energy delivered into the device.
    int program_cell(int from, int to) {
        ++work_.cells_changed;
        if (static_cell_) return 1;  // one write cycle; energy per sub-array below
        const double g_from = conductance(from), g_to = conductance(to);
        const int pulses = static_cast<int>(std::ceil(std::abs(g_to - g_from) / step_g_ - 1e-9));
        work_.cell_energy_j += cell_.device_write_energy_j(ctx_, {g_from, g_to, pulses, step_g_, levels_, write_v_});
        return pulses;
    }

    void close_subarray(const SubArrayTally& s) {
        const double rows_written = s.changed_rows;
        if (rows_written == 0) return;
        const double vdd2 = t_.vdd_v * t_.vdd_v;
        work_.rows_written += rows_written;
        if (cell_.static_cell()) {
            close_sram(s, rows_written);
            return;
        }
        work_.select_latency_s += rows_written * array_.row_select_delay_s();
        const double vw2 = write_v_ * write_v_;
        work_.row_pulses += s.set_pulses + s.reset_pulses;
        // Columns selected in a written row, on average, for each phase. As in NeuroSim, a row holding
        // both kinds counts as a SET row only, while all its RESET cells still count for the RESET phase.
        const double set_cols = s.set_rows > 0 ? s.set_cells / s.set_rows : 0.0;
        const double reset_cols = s.reset_rows > 0 ? s.reset_cells / s.reset_rows : 0.0;
        // Every pulse re-charges the selected word line.
        double lines = array_.word_line_f() * vdd2 * (s.set_pulses + s.reset_pulses);
        if (cell_.gate_programmed()) {
            // Selected source lines carry the write voltage onto the FeFET gates of the rows being written.
            lines += (array_.column_line_f() + cell_config_.fefet_gate_capacitance_f * s.set_rows) * vw2 * set_cols *
                     s.set_pulses;
            lines += (array_.column_line_f() + cell_config_.fefet_gate_capacitance_f * s.reset_rows) * vw2 *
                     reset_cols * s.reset_pulses;
        } else if (cell_config_.access_type == AccessType::cmos) {
            // RRAM SET: unselected source lines and the selected bit lines are held at the write voltage;
            // RESET: the other way round.
            lines += (array_.column_line_f() * (s.cols - set_cols) + array_.row_line_f() * set_cols) * vw2 *
                     s.set_pulses;
            lines += (array_.column_line_f() * reset_cols + array_.row_line_f() * (s.cols - reset_cols)) * vw2 *
                     s.reset_pulses;
        } else {
            lines = crossbar_energy_j(s, set_cols, s.set_pulses) + crossbar_energy_j(s, reset_cols, s.reset_pulses);
        }
        work_.line_energy_j += lines;
        // Switches, per written row: the word-line gate opens and closes its pass gates; the column
        // matrix toggles all its gates and charges its drains at the write voltage, once per pulse on
        // the selected columns and once on the others.
        const double n = array_config_.subarray_cols;
        const double selected = (set_cols + reset_cols) / 2;
        const double pulses_per_row = (s.set_pulses + s.reset_pulses) / s.rows;
        const double vacc2 = cell_config_.access_voltage_v * cell_config_.access_voltage_v;
        const double word =
            2 * array_.switch_drain_f() * vacc2 + (5 * array_.switch_gate_f() + array_.word_line_f()) * vdd2;
        const double column = 3 * array_.switch_drain_f() * vw2 * (pulses_per_row * selected + n - selected / 2) +
                              array_.switch_gate_f() * vdd2 * n;
        work_.switch_energy_j += rows_written * (word + column);
    }

    // Selector-less crossbar, V/2 scheme: per pulse the selected row sits at the write voltage and every
    // other row and column at half of it; the half-selected cells of the selected row and of the
    // selected columns conduct at half voltage for the pulse (the device taken as linear).
    double crossbar_energy_j(const SubArrayTally& s, double selected_cols, double pulses) const {
        const double vw2 = write_v_ * write_v_, half2 = vw2 / 4;
        const double rows = array_config_.subarray_rows, cols = s.cols;
        selected_cols = std::min(selected_cols, cols);
        const double per_pulse = array_.row_line_f() * vw2 + array_.row_line_f() * half2 * (rows - 1) +
                                 array_.column_line_f() * half2 * (cols - selected_cols) +
                                 half2 * (g_on_ + g_off_) / 2 * cell_config_.write_pulse_width_s *
                                     ((cols - selected_cols) + (rows - 1) * selected_cols);
        return per_pulse * pulses;
    }

    // SRAM rows are written in one cycle each, whatever mix of bits turns 0 -> 1 and 1 -> 0 (the drivers
    // pull one line of each written pair low, so both directions are written together). A cycle raises the
    // word line, a driver per changed bit discharges one bit line (precharged again afterwards), and the
    // cell flips; the row's other cells only see their bit lines droop by the sensing margin.
    // (NeuroSim V2.1 counts (rows with a 0->1 bit + rows with only 1->0 bits) / 2 write cycles, scaled up
    // to a full sub-array when it holds fewer rows, with the mean of the two phases' column counts: about
    // half the cycles and a quarter of the bit-line swings that writing the changed bits takes.)
    void close_sram(const SubArrayTally& s, double rows_written) {
        const double vdd = t_.vdd_v, vdd2 = vdd * vdd;
        double cycles = rows_written;
        double flips = s.set_cells + s.reset_cells;
        if (half_sram_changes_) {
            // Quirk sram_write_half_changes: half the changed rows, scaled to a full sub-array, each
            // flipping the mean of the two phases' changed columns.
            const double set_cols = s.set_rows > 0 ? s.set_cells / s.set_rows : 0.0;
            const double reset_cols = s.reset_rows > 0 ? s.reset_cells / s.reset_rows : 0.0;
            cycles = rows_written / 2 * (array_config_.subarray_rows / s.rows);
            flips = cycles * (set_cols + reset_cols) / 2;
        }
        const double idle_cols = std::max(0.0, s.cols * cycles - flips);
        work_.row_pulses += cycles;
        // A flip charges the storage node that rises from the supply.
        work_.cell_energy_j += array_.sram_node_f() * vdd2 * flips;
        work_.line_energy_j += array_.column_line_f() * vdd2 * flips +
                               array_.column_line_f() * vdd * cell_config_.sram_min_sense_voltage_v * idle_cols +
                               array_.word_line_f() * vdd2 * cycles;
        work_.switch_energy_j += array_.write_driver_f() * vdd2 * flips;
        // Per cycle: raise the word line, precharge and pull the bit line, flip, release the word line.
        work_.select_latency_s += cycles * (array_.sram_flip_delay_s() + array_.sram_column_write_delay_s() +
                                            2 * array_.row_select_delay_s());
    }

    const DesignContext& ctx_;
    const CellConfig& cell_config_;
    const ArrayConfig& array_config_;
    const TechnologyNode& t_;
    const MemoryCellKind& cell_;
    const bool static_cell_;  // asked once: the per-cell loop tests it for every changed cell
    const bool half_sram_changes_ = ctx_.quirk(Quirk::sram_write_half_changes);
    ProgrammingArray array_;
    int top_ = 1, levels_ = 1;
    double g_on_ = 0, g_off_ = 0, step_g_ = 1;
    double write_v_ = 0;
    ProgrammingWork work_;
};

}  // namespace

ProgrammingWork estimate_programming(const TraceLayer& layer, const DesignContext& ctx) {
    return ProgrammingEstimator(ctx).run(layer);
}

}  // namespace neurosim
