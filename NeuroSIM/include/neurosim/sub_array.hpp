// One synaptic sub-array with its forward read-out and the transposed (activation-gradient) read-out.
#pragma once

#include "neurosim/design.hpp"

namespace neurosim {

class SynapticSubArray {
public:
    explicit SynapticSubArray(const DesignContext& ctx);
    double height_m() const { return height_m_; }
    double width_m() const { return width_m_; }
    // Sum of the block areas (the bounding box leaves gaps that the PE does not count).
    double used_area_m2() const { return parts_.total_m2; }
    const AreaParts& parts() const { return parts_; }

private:
    void add_envm(const DesignContext& ctx);
    void add_sram(const DesignContext& ctx);
    double height_m_ = 0, width_m_ = 0;
    AreaParts parts_;
};

}  // namespace neurosim
