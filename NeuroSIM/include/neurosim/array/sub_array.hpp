// One synaptic sub-array with its forward read-out and the transposed (activation-gradient) read-out.
#pragma once

#include "neurosim/array/readout_scheme.hpp"
#include "neurosim/design.hpp"

namespace neurosim {

// The sub-array of the parallel read-out: every row driven at once, columns converted by the ADCs, with
// the transposed read-out of the activation gradient (line by line when parallel_backprop = false).
SubArrayLayout parallel_subarray_layout(const DesignContext& ctx);

// The sub-array as the design's read-out organisation lays it out (ctx.readout()).
class SynapticSubArray {
public:
    explicit SynapticSubArray(const DesignContext& ctx);
    double height_m() const { return height_m_; }
    double width_m() const { return width_m_; }
    // Sum of the block areas (the bounding box leaves gaps that the PE does not count).
    double used_area_m2() const { return parts_.total_m2; }
    const AreaParts& parts() const { return parts_; }

private:
    double height_m_ = 0, width_m_ = 0;
    AreaParts parts_;
};

}  // namespace neurosim
