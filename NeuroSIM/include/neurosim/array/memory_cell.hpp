// Synaptic memory cells: layout size and the electrical values the periphery is sized for.
#pragma once

#include "neurosim/design.hpp"

namespace neurosim {

class MemoryCellModel {
public:
    explicit MemoryCellModel(const DesignContext& ctx);
    double height_m() const { return height_m_; }
    double width_m() const { return width_m_; }
    double area_m2() const { return height_m_ * width_m_; }
    // On-state resistance of cell plus access transistor (analog cells).
    double on_resistance_ohm() const { return on_resistance_ohm_; }
    // On-resistance of the SRAM access transistor.
    double sram_access_resistance_ohm() const { return sram_access_resistance_ohm_; }

private:
    double height_m_ = 0, width_m_ = 0;
    double on_resistance_ohm_ = 0;
    double sram_access_resistance_ohm_ = 0;
};

}  // namespace neurosim
